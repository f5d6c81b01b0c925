package dev.breakwater.bulkhead;

/**
 * The same stress on a bulkhead large enough to be striped (64 permits over several stripes): the limit and the
 * interactive reserve hold across stripes, and every permit comes back whichever stripe it is returned to.
 */
class StripedBulkheadConcurrencyStressTest extends BulkheadConcurrencyStressTest {
  @Override
  int maxConcurrent() {
    return 64;
  }
}
