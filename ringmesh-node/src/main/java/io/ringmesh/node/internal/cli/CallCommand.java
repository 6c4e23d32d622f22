package io.ringmesh.node.internal.cli;

import io.ringmesh.coord.LockClient;
import io.ringmesh.coord.RegistryEntry;
import io.ringmesh.node.internal.runtime.NodeRuntime;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ringmesh call SERVICE.METHOD 'json-args' [--key K]}: calls a service through a node's JSON
 * gateway, which routes it like any call (by the method's {@code @RouteKey}, or by {@code K}). The
 * node is found in the registry; the first whose admin port answers is used.
 */
@Command(
    name = "call",
    mixinStandardHelpOptions = true,
    description = {
      "Call a service method with JSON arguments and print the JSON result, through the JSON"
          + " gateway of a node found in the registry (so the call is routed by its key).",
      "Example: bin/ringmesh call examples.pricing.v1.quote '[\"sku-42\"]'"
    })
final class CallCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "SERVICE.METHOD",
      description = "e.g. examples.pricing.v1.quote")
  String target = "";

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "JSON-ARGS",
      defaultValue = "[]",
      description = "The arguments as a JSON array (default []).")
  String args = "[]";

  @Option(
      names = "--key",
      paramLabel = "K",
      description =
          "Route the call by this key instead of the method's @RouteKey argument (the node that"
              + " owns K on the service's ring serves it).")
  String key;

  @Option(
      names = "--node",
      description = "Call this node's gateway (host:adminPort) instead of one from the registry.")
  String node;

  @Mixin LockCommand.Target coordinators = new LockCommand.Target();

  @Override
  public Integer call() throws Exception {
    int dot = target.lastIndexOf('.');
    if (dot <= 0 || dot == target.length() - 1) {
      throw new CommandFailedException(
          "'" + target + "' is not SERVICE.METHOD, e.g. examples.pricing.v1.quote", 2);
    }
    String service = target.substring(0, dot);
    String method = target.substring(dot + 1);
    List<String> gateways = new ArrayList<>();
    if (node != null) {
      gateways.add(node);
    } else {
      try (LockClient client = coordinators.connect()) {
        for (RegistryEntry e : client.registry().snapshot().entries(NodeRuntime.NODE_SERVICE)) {
          String admin = e.metadata().get("admin");
          if (admin != null) {
            gateways.add(admin);
          }
        }
      }
      if (gateways.isEmpty()) {
        throw new CommandFailedException(
            "no node with an admin port is registered; start one with 'bin/ringmesh node'");
      }
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    List<String> tried = new ArrayList<>();
    for (String gateway : gateways) {
      HttpResponse<String> r;
      try {
        r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://"
                                + gateway
                                + "/call/"
                                + service
                                + "/"
                                + method
                                + (key == null
                                    ? ""
                                    : "?key=" + URLEncoder.encode(key, StandardCharsets.UTF_8))))
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(35))
                    .POST(HttpRequest.BodyPublishers.ofString(args))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        // A refused connection comes as a ConnectException without a message.
        tried.add(
            gateway
                + ": "
                + (e.getMessage() != null
                    ? e.getMessage()
                    : e instanceof java.net.ConnectException
                        ? "could not connect (nothing listening there, or the host is unreachable)"
                        : e.getClass().getSimpleName()));
        continue;
      }
      if (r.statusCode() == 200) {
        System.out.println(r.body());
        return 0;
      }
      int exit = r.statusCode() >= 400 && r.statusCode() < 500 ? 2 : 1;
      throw new CommandFailedException(
          service
              + "."
              + method
              + " failed (HTTP "
              + r.statusCode()
              + " from "
              + gateway
              + "): "
              + r.body(),
          exit);
    }
    throw new CommandFailedException("no node's gateway answered: " + String.join("; ", tried));
  }
}
