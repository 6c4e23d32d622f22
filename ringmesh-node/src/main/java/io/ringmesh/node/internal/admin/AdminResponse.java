package io.ringmesh.node.internal.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One HTTP response of the admin server, before Netty sees it: status, content type and body.
 * Immutable (the body array is never modified after construction).
 */
record AdminResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
  static final String JSON = "application/json; charset=utf-8";

  AdminResponse {
    headers = Map.copyOf(headers);
  }

  /** A JSON response: {@code value} serialized by {@code mapper}. */
  static AdminResponse json(ObjectMapper mapper, int status, Object value) {
    try {
      return new AdminResponse(status, JSON, mapper.writeValueAsBytes(value), Map.of());
    } catch (JsonProcessingException e) {
      return error(mapper, 500, "could not serialize the response: " + e.getOriginalMessage());
    }
  }

  /** A JSON error {@code {"error": message}}. */
  static AdminResponse error(ObjectMapper mapper, int status, String message) {
    return error(mapper, status, message, Map.of());
  }

  /** A JSON error {@code {"error": message, ...details}}. */
  static AdminResponse error(
      ObjectMapper mapper, int status, String message, Map<String, ?> details) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.putAll(details);
    try {
      return new AdminResponse(status, JSON, mapper.writeValueAsBytes(body), Map.of());
    } catch (JsonProcessingException e) {
      // Only strings and numbers go into an error body; this cannot happen, but never throw here.
      return text(status, message);
    }
  }

  /** A plain-text response. */
  static AdminResponse text(int status, String text) {
    return new AdminResponse(
        status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /** This response with one more header. */
  AdminResponse withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new AdminResponse(status, contentType, body, h);
  }
}
