package dev.breakwater.gateway.config;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * Endpoints of equal rank (replicas of one region): calls are balanced across those of them that are healthy.
 *
 * @param name      the group's name, as events, metrics and the admin API show it
 * @param endpoints http(s) base URLs, at least one
 */
public record EndpointGroupConfig(String name, List<URI> endpoints) {

  /** Requires a name and at least one endpoint; copies the list. */
  public EndpointGroupConfig {
    Objects.requireNonNull(name, "name");
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("endpoints: [] (expected: at least one http(s) URL)");
    }
  }
}
