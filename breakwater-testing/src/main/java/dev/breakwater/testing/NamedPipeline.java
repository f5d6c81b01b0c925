package dev.breakwater.micrometer;

import dev.breakwater.CallContext;
import dev.breakwater.CallResult;
import dev.breakwater.Pipeline;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** A pipeline that only names itself, so that listener callbacks can be driven without an engine. */
final class TestPipeline implements Pipeline<String> {
  private final String name;
  private final String upstream;
  private final String domain;

  TestPipeline(String name, String upstream, String domain) {
    this.name = name;
    this.upstream = upstream;
    this.domain = domain;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String upstream() {
    return upstream;
  }

  @Override
  public String domain() {
    return domain;
  }

  @Override
  public String execute(CallContext ctx, Callable<? extends String> call) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CallResult<String> executeForResult(CallContext ctx, Callable<? extends String> call) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletionStage<String> executeAsync(CallContext ctx,
      Supplier<? extends CompletionStage<? extends String>> call) {
    throw new UnsupportedOperationException();
  }

  @Override
  public CompletionStage<CallResult<String>> executeAsyncForResult(CallContext ctx,
      Supplier<? extends CompletionStage<? extends String>> call) {
    throw new UnsupportedOperationException();
  }
}
