package io.ringmesh.node.internal.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps an admin request to its response: every route of the admin server, without Netty. Work that
 * reads the {@link NodeView} or calls a service runs on {@code executor}, never on the event loop.
 * Thread-safe.
 */
final class AdminRoutes {
  private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);

  static final int DEFAULT_LOCK_LIMIT = 100;
  static final int MAX_LOCK_LIMIT = 10_000;
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final NodeView view;
  private final ObjectMapper mapper;
  private final PrometheusMeterRegistry registry;
  private final Executor executor;
  private final JsonGateway gateway;
  private final DashboardAssets assets;

  AdminRoutes(
      NodeView view,
      ObjectMapper mapper,
      PrometheusMeterRegistry registry,
      Executor executor,
      JsonGateway gateway,
      DashboardAssets assets) {
    this.view = view;
    this.mapper = mapper;
    this.registry = registry;
    this.executor = executor;
    this.gateway = gateway;
    this.assets = assets;
  }

  /** A request as the routes see it: the body is a copy, owned by the request. */
  record Request(HttpMethod method, String uri, @Nullable String contentType, byte[] body) {}

  /** The response to {@code request}; never completes exceptionally. */
  CompletableFuture<AdminResponse> handle(Request request) {
    long start = System.nanoTime();
    QueryStringDecoder decoder = new QueryStringDecoder(request.uri());
    String path = decoder.path();
    String route = routeOf(path);
    CompletableFuture<AdminResponse> response;
    try {
      response = dispatch(request, decoder, path, route);
    } catch (RuntimeException e) {
      response = CompletableFuture.completedFuture(internalError(path, e));
    }
    return response
        .exceptionally(e -> internalError(path, e))
        .whenComplete(
            (r, e) ->
                Timer.builder("ringmesh.admin.http.requests")
                    .description("Requests to the admin HTTP server")
                    .tag("method", knownMethod(request.method()))
                    .tag("route", route)
                    .tag("status", String.valueOf(r.status()))
                    .register(registry)
                    .record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
  }

  private CompletableFuture<AdminResponse> dispatch(
      Request request, QueryStringDecoder decoder, String path, String route) {
    HttpMethod method = request.method();
    if (route.equals("/call/{service}/{method}")) {
      if (!method.equals(HttpMethod.POST)) {
        return done(methodNotAllowed("POST"));
      }
      // Only JSON, which a browser will not send cross-origin without a CORS preflight that this
      // server never grants: a page elsewhere cannot make a visitor's browser call a service.
      if (request.contentType() == null
          || !request
              .contentType()
              .toLowerCase(java.util.Locale.ROOT)
              .startsWith("application/json")) {
        return done(
            AdminResponse.error(mapper, 415, "the gateway takes Content-Type: application/json"));
      }
      String[] parts = path.split("/", -1);
      List<String> keys = decoder.parameters().get("key");
      String key = keys == null || keys.isEmpty() ? null : keys.get(0);
      return gateway.call(parts[2], parts[3], key, request.body());
    }
    if (path.startsWith("/call/")) {
      return done(
          AdminResponse.error(
              mapper,
              404,
              "no such resource: " + path + "; the gateway is /call/{service}/{method}"));
    }
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      return done(methodNotAllowed("GET, HEAD"));
    }
    return switch (route) {
      // Liveness asks nothing of the node view: it says only that this process still serves.
      case "/health/live" -> done(AdminResponse.json(mapper, 200, Map.of("live", true)));
      case "/health", "/health/ready" -> async(this::ready);
      case "/metrics" ->
          async(
              () ->
                  new AdminResponse(
                      200,
                      PROMETHEUS_TEXT,
                      registry.scrape().getBytes(StandardCharsets.UTF_8),
                      Map.of()));
      case "/api/node" -> async(this::node);
      case "/api/ring" -> async(() -> api(Map.of("nodeId", view.nodeId(), "rings", view.rings())));
      case "/api/nodes" -> async(() -> api(Map.of("nodeId", view.nodeId(), "nodes", view.nodes())));
      case "/api/shards" ->
          async(() -> api(Map.of("nodeId", view.nodeId(), "shards", view.shards())));
      case "/api/locks" -> locks(decoder);
      default -> {
        DashboardAssets.Asset asset = assets.get(path);
        yield done(
            asset != null
                ? new AdminResponse(200, asset.contentType(), asset.body(), asset.headers())
                : AdminResponse.error(mapper, 404, "no such resource: " + path));
      }
    };
  }

  private AdminResponse ready() {
    NodeView.Readiness r = view.readiness();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ready", r.ready());
    body.put("reason", r.reason());
    body.put("nodeId", view.nodeId());
    return AdminResponse.json(mapper, r.ready() ? 200 : 503, body);
  }

  private AdminResponse node() {
    NodeView.Readiness r = view.readiness();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("nodeId", view.nodeId());
    body.put("roles", view.roles().stream().sorted().toList());
    body.put("ready", r.ready());
    body.put("reason", r.reason());
    return api(body);
  }

  private CompletableFuture<AdminResponse> locks(QueryStringDecoder decoder) {
    List<String> values = decoder.parameters().getOrDefault("limit", List.of());
    int limit = DEFAULT_LOCK_LIMIT;
    if (!values.isEmpty()) {
      String v = values.getLast();
      try {
        limit = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > MAX_LOCK_LIMIT) {
        return done(
            AdminResponse.error(
                mapper,
                400,
                "limit must be an integer from 1 to " + MAX_LOCK_LIMIT + " but was '" + v + "'"));
      }
    }
    int n = limit;
    return async(() -> api(Map.of("nodeId", view.nodeId(), "limit", n, "locks", view.locks(n))));
  }

  private AdminResponse api(Object body) {
    return AdminResponse.json(mapper, 200, body).withHeader("Cache-Control", "no-store");
  }

  private CompletableFuture<AdminResponse> async(Supplier<AdminResponse> work) {
    return CompletableFuture.supplyAsync(work, executor);
  }

  private static CompletableFuture<AdminResponse> done(AdminResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  private AdminResponse methodNotAllowed(String allowed) {
    return AdminResponse.error(mapper, 405, "method not allowed; use " + allowed)
        .withHeader("Allow", allowed);
  }

  private AdminResponse internalError(String path, Throwable e) {
    log.warn("admin request for {} failed", path, e);
    return AdminResponse.error(
        mapper, 500, "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
  }

  /** The route template of a path, a bounded set of values for the meters' route tag. */
  static String routeOf(String path) {
    if (path.startsWith("/call/")) {
      String[] parts = path.split("/", -1);
      return parts.length == 4 && !parts[2].isEmpty() && !parts[3].isEmpty()
          ? "/call/{service}/{method}"
          : "other";
    }
    return switch (path) {
      case "/health",
          "/health/live",
          "/health/ready",
          "/metrics",
          "/api/node",
          "/api/ring",
          "/api/nodes",
          "/api/shards",
          "/api/locks" ->
          path;
      default -> DashboardAssets.isAsset(path) ? "dashboard" : "other";
    };
  }

  private static String knownMethod(HttpMethod method) {
    return switch (method.name()) {
      case "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH" -> method.name();
      default -> "other";
    };
  }
}
