package io.ringmesh.rpc;

import java.util.Objects;

/**
 * A server address, {@code host:port}. The host is a name or an IP literal; IPv6 literals are
 * written in brackets when parsed or printed ({@code [::1]:7000}).
 *
 * @param host a host name or IP literal, without brackets
 * @param port a TCP port, 1 to 65535
 */
public record Endpoint(String host, int port) {
  /** Validates the host and port. */
  public Endpoint {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("endpoint host is empty");
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException(
          "endpoint port " + port + " for host " + host + " is outside 1..65535");
    }
  }

  /** The endpoint {@code host:port}. */
  public static Endpoint of(String host, int port) {
    return new Endpoint(host, port);
  }

  /**
   * Parses {@code host:port}, {@code 10.0.0.1:7000} or {@code [::1]:7000}.
   *
   * @throws IllegalArgumentException naming the text and what is wrong with it
   */
  public static Endpoint parse(String text) {
    Objects.requireNonNull(text, "text");
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException(
          "endpoint '" + text + "' is not host:port (e.g. 10.0.0.1:7000 or [::1]:7000)");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException(
          "endpoint '" + text + "' has an IPv6 host without brackets; write [" + host + "]:port");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "endpoint '" + text + "' has a port that is not a number", e);
    }
    return new Endpoint(host, port);
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
