package dev.breakwater.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** What a caller reads about a failed upstream call says what happened in words, never a class name. */
class FailuresTest {

  @Test
  void aRefusedConnectionSaysSoWithTheAddressButNoClassName() {
    // Netty's AnnotatedConnectException is a ConnectException whose toString() starts with its class name.
    ConnectException netty = new ConnectException("Connection refused: /127.0.0.1:9") {
      @Override
      public String toString() {
        return "io.netty.channel.AbstractChannel$AnnotatedConnectException: " + getMessage();
      }
    };
    assertThat(Failures.describe(new CompletionException(netty)))
        .isEqualTo("could not connect to the upstream (Connection refused: /127.0.0.1:9)");
  }

  @Test
  void eachKindOfNetworkFailureHasItsOwnWords() {
    assertThat(Failures.describe(new UnknownHostException("graph.invalid")))
        .isEqualTo("the upstream's host name does not resolve (graph.invalid)");
    assertThat(Failures.describe(new SocketTimeoutException("Read timed out")))
        .isEqualTo("the upstream did not answer in time");
    assertThat(Failures.describe(new SSLHandshakeException("PKIX path building failed")))
        .isEqualTo("the TLS handshake with the upstream failed (PKIX path building failed)");
    assertThat(Failures.describe(new IOException("Connection reset by peer")))
        .isEqualTo("the upstream closed the connection (Connection reset by peer)");
    assertThat(Failures.describe(new IOException((String) null))).isEqualTo("network error talking to the upstream");
  }

  @Test
  void aClassNameInsideAWrappersMessageIsDropped() {
    assertThat(Failures.describe(new IllegalStateException("java.io.IOException: stream closed early")))
        .isEqualTo("the upstream call failed (stream closed early)")
        .doesNotContain("java.");
  }
}
