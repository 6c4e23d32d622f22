package io.ringmesh.node.internal.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ringmesh.rpc.RpcException;
import io.ringmesh.rpc.Status;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The JSON gateway: {@code POST /call/{service}/{method}} with a JSON array of arguments calls
 * {@code method} on the {@link NodeView.GatewayTarget} of {@code service} and answers its result as
 * JSON.
 *
 * <p>Classes come only from the target's interface: the method is chosen by name and arity among
 * the interface's public methods, and each argument is converted by Jackson to that method's
 * declared (generic) parameter type. The mapper has no default typing, so no byte of the request
 * names a class to instantiate.
 *
 * <p>Thread-safe.
 */
final class JsonGateway {
  private final NodeView view;
  private final ObjectMapper mapper;
  private final MeterRegistry registry;
  private final Executor executor;
  private final Duration timeout;

  /** Gateway methods of each interface seen, by name. */
  private final Map<Class<?>, Map<String, List<Method>>> methodsByInterface =
      new ConcurrentHashMap<>();

  JsonGateway(
      NodeView view,
      ObjectMapper mapper,
      MeterRegistry registry,
      Executor executor,
      Duration timeout) {
    this.view = view;
    this.mapper = mapper;
    this.registry = registry;
    this.executor = executor;
    this.timeout = timeout;
  }

  /**
   * The response to a call. Completes exceptionally only if the node view throws; everything the
   * request or the call gets wrong is a response. The node view and the call run on the executor.
   */
  CompletableFuture<AdminResponse> call(
      String service, String methodName, @Nullable String key, byte[] body) {
    long start = System.nanoTime();
    return CompletableFuture.supplyAsync(
            () -> resolveAndCall(service, methodName, key, body, start), executor)
        .thenCompose(response -> response);
  }

  private CompletableFuture<AdminResponse> resolveAndCall(
      String service, String methodName, @Nullable String key, byte[] body, long start) {
    Resolved resolved;
    try {
      resolved = resolve(service, methodName, key, body);
    } catch (GatewayError e) {
      // Unknown names are not used as tags: request input must not grow the meter set.
      boolean known = e.status != 404;
      record(known ? service : "unknown", known ? methodName : "unknown", e.outcome, start);
      return CompletableFuture.completedFuture(e.response(mapper, service, methodName));
    }
    CompletableFuture<@Nullable Object> result =
        CompletableFuture.supplyAsync(() -> invoke(resolved), executor)
            .thenCompose(JsonGateway::flatten)
            .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
    return result.handle(
        (value, failure) -> {
          if (failure == null) {
            record(service, methodName, "ok", start);
            return AdminResponse.json(mapper, 200, value);
          }
          Throwable cause = unwrap(failure);
          int status = httpStatusOf(cause);
          record(service, methodName, outcomeOf(status), start);
          return callFailed(service, methodName, cause, status);
        });
  }

  private record Resolved(Object proxy, Method method, Object[] args) {}

  private Resolved resolve(String service, String methodName, @Nullable String key, byte[] body)
      throws GatewayError {
    NodeView.GatewayTarget target = view.gatewayTarget(service);
    if (target == null) {
      throw new GatewayError(404, "not_found", "unknown service '" + service + "'");
    }
    Object proxy = target.proxy();
    if (key != null) {
      if (key.isEmpty()) {
        throw new GatewayError(400, "bad_request", "the key parameter is empty; give ?key=K");
      }
      if (target.proxyForKey() == null) {
        throw new GatewayError(
            400,
            "bad_request",
            "service '" + service + "' is not routed, so its calls take no key; drop ?key=");
      }
      proxy = target.proxyForKey().apply(key);
    }
    List<Method> candidates = methodsOf(target.iface()).getOrDefault(methodName, List.of());
    if (candidates.isEmpty()) {
      throw new GatewayError(
          404, "not_found", "service '" + service + "' has no method '" + methodName + "'");
    }
    JsonNode array;
    try {
      array = mapper.readTree(body);
    } catch (IOException e) {
      throw new GatewayError(400, "bad_request", "malformed JSON: " + originalMessage(e));
    }
    if (array == null || !array.isArray()) {
      throw new GatewayError(
          400, "bad_request", "the body must be a JSON array of the method's arguments");
    }
    int arity = array.size();
    List<Method> matching =
        candidates.stream().filter(m -> m.getParameterCount() == arity).toList();
    if (matching.isEmpty()) {
      String expected =
          candidates.stream().map(JsonGateway::signature).collect(Collectors.joining(" or "));
      throw new GatewayError(
          400,
          "bad_request",
          "wrong number of arguments: "
              + service
              + "."
              + expected
              + " takes "
              + candidates.stream()
                  .map(m -> String.valueOf(m.getParameterCount()))
                  .distinct()
                  .collect(Collectors.joining(" or "))
              + ", got "
              + arity);
    }
    if (matching.size() > 1) {
      // RPC services cannot overload (methods are identified by name), but a gateway target
      // need not be an RPC interface; refuse to guess.
      throw new GatewayError(
          400,
          "bad_request",
          "ambiguous: "
              + matching.stream().map(JsonGateway::signature).collect(Collectors.joining(", ")));
    }
    Method method = matching.getFirst();
    Parameter[] params = method.getParameters();
    Object[] args = new Object[arity];
    for (int i = 0; i < arity; i++) {
      JavaType type = mapper.getTypeFactory().constructType(params[i].getParameterizedType());
      try {
        args[i] = mapper.treeToValue(array.get(i), type);
      } catch (JsonProcessingException | IllegalArgumentException e) {
        throw new GatewayError(
            400,
            "bad_request",
            describe(i, params[i])
                + " is not a valid "
                + typeName(params[i])
                + ": "
                + originalMessage(e),
            Map.of("argument", i, "parameter", parameterName(i, params[i])));
      }
      if (args[i] == null && params[i].getType().isPrimitive()) {
        throw new GatewayError(
            400,
            "bad_request",
            describe(i, params[i]) + " must not be null",
            Map.of("argument", i, "parameter", parameterName(i, params[i])));
      }
    }
    return new Resolved(proxy, method, args);
  }

  private Map<String, List<Method>> methodsOf(Class<?> iface) {
    return methodsByInterface.computeIfAbsent(
        iface,
        c -> {
          Map<String, List<Method>> byName = new LinkedHashMap<>();
          Arrays.stream(c.getMethods())
              .filter(m -> !Modifier.isStatic(m.getModifiers()) && !m.isSynthetic())
              .sorted(Comparator.comparing(Method::toGenericString))
              .forEach(
                  m -> {
                    // A non-public interface (e.g. nested in a package-private class) is still
                    // one the node chose to expose.
                    m.trySetAccessible();
                    byName.computeIfAbsent(m.getName(), k -> new ArrayList<>()).add(m);
                  });
          byName.replaceAll((k, v) -> List.copyOf(v));
          return Map.copyOf(byName);
        });
  }

  private static @Nullable Object invoke(Resolved r) {
    try {
      return r.method().invoke(r.proxy(), r.args());
    } catch (InvocationTargetException e) {
      throw new CompletionException(e.getCause());
    } catch (IllegalAccessException e) {
      throw new CompletionException(
          new IllegalStateException("the gateway may not call " + r.method(), e));
    }
  }

  @SuppressWarnings("unchecked")
  private static CompletionStage<@Nullable Object> flatten(@Nullable Object value) {
    if (value instanceof CompletionStage<?> stage) {
      return (CompletionStage<@Nullable Object>) stage;
    }
    return CompletableFuture.completedFuture(value);
  }

  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  /**
   * The HTTP status of a failed call: 400 when the caller's arguments were refused (a null route
   * key, or a service that answered INVALID_ARGUMENT), 503 when the service is unavailable or shed
   * the call (try again later), 504 when a deadline passed, 502 for any other failure behind the
   * gateway.
   */
  static int httpStatusOf(Throwable failure) {
    if (failure instanceof RpcException e) {
      return switch (e.status()) {
        case INVALID_ARGUMENT -> 400;
        case UNAVAILABLE, RESOURCE_EXHAUSTED -> 503;
        case DEADLINE_EXCEEDED -> 504;
        default -> 502;
      };
    }
    if (failure instanceof TimeoutException) {
      return 504;
    }
    return 502;
  }

  private AdminResponse callFailed(String service, String method, Throwable cause, int status) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("service", service);
    details.put("method", method);
    String what;
    if (cause instanceof RpcException e) {
      details.put("status", e.status().name());
      if (e.errorType() != null) {
        details.put("errorType", e.errorType());
      }
      what = e.status() + ": " + e.getMessage();
    } else if (cause instanceof TimeoutException) {
      details.put("status", Status.DEADLINE_EXCEEDED.name());
      what = "no result within the gateway's timeout of " + timeout.toMillis() + " ms";
    } else {
      details.put("errorType", cause.getClass().getName());
      what = cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
    details.put("message", String.valueOf(cause.getMessage()));
    return AdminResponse.error(
        mapper, status, "call to " + service + "." + method + " failed: " + what, details);
  }

  private void record(String service, String method, String outcome, long startNanos) {
    Timer.builder("ringmesh.gateway.calls")
        .description("Calls through the admin server's JSON gateway")
        .tag("service", service)
        .tag("method", method)
        .tag("outcome", outcome)
        .register(registry)
        .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  private static String outcomeOf(int httpStatus) {
    return switch (httpStatus) {
      case 400 -> "bad_request";
      case 503 -> "unavailable";
      case 504 -> "deadline";
      default -> "error";
    };
  }

  private static String signature(Method m) {
    return m.getName()
        + Arrays.stream(m.getParameters())
            .map(p -> typeName(p) + (p.isNamePresent() ? " " + p.getName() : ""))
            .collect(Collectors.joining(", ", "(", ")"));
  }

  private static String describe(int index, Parameter p) {
    return p.isNamePresent()
        ? "argument " + index + " ('" + p.getName() + "')"
        : "argument " + index + " (" + typeName(p) + ")";
  }

  private static String parameterName(int index, Parameter p) {
    return p.isNamePresent() ? p.getName() : "arg" + index;
  }

  private static String typeName(Parameter p) {
    return p.getParameterizedType().getTypeName().replaceAll("\\b[a-z][\\w]*\\.", "");
  }

  private static String originalMessage(Exception e) {
    String m =
        e instanceof JsonProcessingException j
            ? j.getOriginalMessage()
            : e.getCause() instanceof JsonProcessingException j ? j.getOriginalMessage() : null;
    if (m == null) {
      m = String.valueOf(e.getMessage());
    }
    // Jackson quotes up to 500 characters of input; keep error bodies short.
    return m.length() > 300 ? m.substring(0, 300) + "..." : m;
  }

  /** A request the gateway refuses before calling anything. */
  private static final class GatewayError extends Exception {
    final int status;
    final String outcome;
    final Map<String, Object> details;

    GatewayError(int status, String outcome, String message) {
      this(status, outcome, message, Map.of());
    }

    GatewayError(int status, String outcome, String message, Map<String, Object> details) {
      super(message, null, false, false);
      this.status = status;
      this.outcome = outcome;
      this.details = details;
    }

    AdminResponse response(ObjectMapper mapper, String service, String method) {
      Map<String, Object> all = new LinkedHashMap<>();
      all.put("service", service);
      all.put("method", method);
      all.putAll(details);
      return AdminResponse.error(mapper, status, getMessage(), all);
    }
  }
}
