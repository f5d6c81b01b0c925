package dev.breakwater.redis.internal;

import java.util.List;

/**
 * Reads the elements of a script's reply. A reply that is not what the scripts write (a script of another version
 * under the same SHA is impossible, but a proxy or a misbehaving server is not) fails with
 * {@link IllegalStateException}, which {@link RedisGuard} answers from local state like any other Redis failure.
 */
final class Replies {
  private Replies() {}

  /** The integer at {@code at}. */
  static long integer(List<Object> reply, int at) {
    Object o = reply == null || at < 0 || at >= reply.size() ? null : reply.get(at);
    if (o instanceof Long l) {
      return l;
    }
    throw new IllegalStateException("unexpected redis reply: element " + at + " of " + describe(reply)
        + " (expected: an integer)");
  }

  /** The bulk string at {@code at}. */
  static byte[] bulk(List<Object> reply, int at) {
    Object o = reply == null || at < 0 || at >= reply.size() ? null : reply.get(at);
    if (o instanceof byte[] b) {
      return b;
    }
    throw new IllegalStateException("unexpected redis reply: element " + at + " of " + describe(reply)
        + " (expected: a bulk string)");
  }

  private static String describe(List<Object> reply) {
    return reply == null ? "no reply" : "a reply of " + reply.size() + " elements";
  }
}
