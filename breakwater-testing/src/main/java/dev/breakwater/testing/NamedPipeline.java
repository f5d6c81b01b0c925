package dev.breakwater.testing;

import dev.breakwater.CallContext;
import dev.breakwater.CallResult;
import dev.breakwater.Pipeline;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A pipeline that only names itself, so that a listener's callbacks (metrics, tracing, your own) can be driven without
 * an engine; running a call through it is unsupported.
 */
public final class NamedPipeline implements Pipeline<String> {
  private final String name;
  private final String upstream;
  private final String domain;

  /** A pipeline named {@code name} for {@code upstream} and {@code domain} (either may be null). */
  public NamedPipeline(String name, String upstream, String domain) {
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
