package io.ringmesh.node.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The JSON gateway over a real loopback socket, calling the fake node's calculator. */
@Timeout(30)
class JsonGatewayTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final FakeNodeView VIEW = new FakeNodeView();
  private static AdminServer server;
  private static HttpClient client;

  @BeforeAll
  static void start() {
    server = AdminServer.builder(VIEW).gatewayTimeout(Duration.ofSeconds(5)).start();
    client = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  private static HttpResponse<String> call(String path, String body)
      throws IOException, InterruptedException {
    return call(path, body, "application/json");
  }

  private static HttpResponse<String> call(String path, String body, String contentType)
      throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body());
  }

  private static String error(HttpResponse<String> r) throws IOException {
    return json(r).get("error").asText();
  }

  @Test
  void callsTheMethodAndAnswersItsResult() throws Exception {
    HttpResponse<String> r = call("/call/calc/add", "[2, 3]");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("5");
  }

  @Test
  void aKeyParameterRoutesTheCallByThatKey() throws Exception {
    HttpResponse<String> r = call("/call/calc-keyed/add?key=tenant%207", "[2, 3]");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("5");
    assertThat(VIEW.keysAsked).containsExactly("tenant 7");
  }

  @Test
  void aKeyForAServiceThatTakesNoneOrAnEmptyKeyIs400() throws Exception {
    HttpResponse<String> r = call("/call/calc/add?key=k", "[2, 3]");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("service 'calc' is not routed").contains("drop ?key=");
    HttpResponse<String> empty = call("/call/calc-keyed/add?key=", "[2, 3]");
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(error(empty)).contains("the key parameter is empty");
  }

  @Test
  void waitsForACompletableFutureResult() throws Exception {
    HttpResponse<String> r = call("/call/calc/addAsync", "[40, 2]");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("42");
  }

  @Test
  void convertsToGenericAndRecordParameterTypes() throws Exception {
    assertThat(call("/call/calc/sum", "[[1, 2, 3000000000]]").body()).isEqualTo("3000000003");
    assertThat(call("/call/calc/greet", "[{\"name\": \"Ada\", \"age\": 36}]").body())
        .isEqualTo("\"hello Ada (36)\"");
    assertThat(json(call("/call/calc/lengths", "[[\"ab\", \"cde\"]]")).get("cde").asInt())
        .isEqualTo(3);
  }

  @Test
  void malformedJsonIs400() throws Exception {
    HttpResponse<String> r = call("/call/calc/add", "[2, ");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).startsWith("malformed JSON");
  }

  @Test
  void aBodyThatIsNotAnArrayIs400() throws Exception {
    HttpResponse<String> r = call("/call/calc/add", "{\"a\": 2}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("JSON array");
  }

  @Test
  void wrongArityIs400SayingWhatTheMethodTakes() throws Exception {
    HttpResponse<String> r = call("/call/calc/add", "[1, 2, 3]");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("add(int a, int b)").contains("takes 2").contains("got 3");
  }

  @Test
  void mistypedArgumentIs400NamingTheArgument() throws Exception {
    HttpResponse<String> r = call("/call/calc/add", "[1, \"two\"]");
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode body = json(r);
    assertThat(body.get("error").asText()).contains("argument 1 ('b')").contains("int");
    assertThat(body.get("argument").asInt()).isEqualTo(1);
    assertThat(body.get("parameter").asText()).isEqualTo("b");
  }

  @Test
  void numbersInStringsAreNotCoerced() throws Exception {
    HttpResponse<String> r = call("/call/calc/add", "[\"1\", 2]");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("argument 0 ('a')");
  }

  @Test
  void numbersAndBooleansAreNotCoercedToStrings() throws Exception {
    HttpResponse<String> field = call("/call/calc/greet", "[{\"name\": 42, \"age\": 3}]");
    assertThat(field.statusCode()).as(field.body()).isEqualTo(400);
    assertThat(error(field)).contains("argument 0 ('person')");
    HttpResponse<String> element = call("/call/calc/lengths", "[[\"a\", true]]");
    assertThat(element.statusCode()).as(element.body()).isEqualTo(400);
    assertThat(error(element)).contains("argument 0 ('words')");
    HttpResponse<String> fine = call("/call/calc/lengths", "[[\"a\", \"bc\"]]");
    assertThat(fine.statusCode()).as(fine.body()).isEqualTo(200);
  }

  @Test
  void nullForAPrimitiveIs400() throws Exception {
    HttpResponse<String> r = call("/call/calc/add", "[null, 2]");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("argument 0 ('a')");
  }

  @Test
  void anUnknownFieldInARecordArgumentIs400() throws Exception {
    HttpResponse<String> r =
        call("/call/calc/greet", "[{\"name\": \"Ada\", \"age\": 36, \"@class\": \"x.Evil\"}]");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("argument 0 ('person')");
  }

  @Test
  void unknownServiceIs404NamingIt() throws Exception {
    HttpResponse<String> r = call("/call/java.lang.Runtime/exec", "[\"ls\"]");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(error(r)).contains("unknown service 'java.lang.Runtime'");
  }

  @Test
  void unknownMethodIs404NamingIt() throws Exception {
    HttpResponse<String> r = call("/call/calc/divide", "[1, 2]");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(error(r)).contains("no method 'divide'");
  }

  @Test
  void unavailableIs503NamingServiceAndError() throws Exception {
    HttpResponse<String> r = call("/call/calc/fail", "[\"UNAVAILABLE\"]");
    assertThat(r.statusCode()).isEqualTo(503);
    JsonNode body = json(r);
    assertThat(body.get("error").asText()).contains("calc.fail").contains("UNAVAILABLE");
    assertThat(body.get("service").asText()).isEqualTo("calc");
    assertThat(body.get("status").asText()).isEqualTo("UNAVAILABLE");
  }

  @Test
  void deadlineIs504EvenFromAFuture() throws Exception {
    HttpResponse<String> r = call("/call/calc/failAsync", "[\"DEADLINE_EXCEEDED\"]");
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(json(r).get("status").asText()).isEqualTo("DEADLINE_EXCEEDED");
  }

  @Test
  void aResultLaterThanTheGatewayTimeoutIs504() throws Exception {
    try (AdminServer quick =
        AdminServer.builder(new FakeNodeView()).gatewayTimeout(Duration.ofMillis(200)).start()) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + quick.port() + "/call/calc/gated"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("[]"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(504);
      assertThat(error(r)).contains("calc.gated").contains("200 ms");
    }
  }

  @Test
  void aCallRefusedAsInvalidArgumentIs400NamingServiceAndStatus() throws Exception {
    HttpResponse<String> r = call("/call/calc/fail", "[\"INVALID_ARGUMENT\"]");
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode body = json(r);
    assertThat(body.get("error").asText()).contains("calc.fail").contains("INVALID_ARGUMENT");
    assertThat(body.get("status").asText()).isEqualTo("INVALID_ARGUMENT");
  }

  @Test
  void otherFailuresAre502() throws Exception {
    HttpResponse<String> app = call("/call/calc/fail", "[\"APPLICATION_ERROR\"]");
    assertThat(app.statusCode()).isEqualTo(502);
    HttpResponse<String> bug = call("/call/calc/fail", "[\"bug\"]");
    assertThat(bug.statusCode()).isEqualTo(502);
    assertThat(error(bug)).contains("calc.fail").contains("the service has a bug");
  }

  @Test
  void onlyJsonBodiesAreAccepted() throws Exception {
    HttpResponse<String> r = call("/call/calc/add", "[1, 2]", "text/plain");
    assertThat(r.statusCode()).isEqualTo(415);
  }
}
