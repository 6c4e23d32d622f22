package io.ringmesh.node.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The routing benchmark's table: overhead per repetition, medians, and the verdict. */
@Timeout(10)
class RoutingReportTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static JsonNode row(String system, int rep, double callsPerSecond) {
    return MAPPER
        .createObjectNode()
        .put("server", "ringmesh")
        .put("system", system)
        .put("rep", rep)
        .put("calls_per_s", callsPerSecond);
  }

  @Test
  void overheadIsTheMedianOfEachRepetitionsRatio() {
    List<JsonNode> rows = new ArrayList<>();
    double[][] reps = {
      {100_000, 98_000, 90_000}, {200_000, 190_000, 180_000}, {100_000, 99_000, 80_000}
    };
    for (int i = 0; i < reps.length; i++) {
      rows.add(row("direct", i + 1, reps[i][0]));
      rows.add(row("routed", i + 1, reps[i][1]));
      rows.add(row("routed-bounded", i + 1, reps[i][2]));
    }
    String report = RoutingReport.render(rows);
    assertThat(report)
        .contains("| 1 | 100,000 | 98,000 | 2.0% | 90,000 | 10.0% |")
        .contains("| median | 100,000 | 99,000 | 2.0% | 90,000 | 10.0% |")
        .contains("MET    routed on a ringmesh server: median overhead 2.0%")
        .contains("MISSED routed-bounded on a ringmesh server: median overhead 10.0%");
  }

  @Test
  void aSingleRepetitionIsNotJudged() {
    String report =
        RoutingReport.render(
            List.of(
                row("direct", 1, 100_000), row("routed", 1, 200_000), row("routed-bounded", 1, 1)));
    assertThat(report)
        .contains("-      routed on a ringmesh server: median overhead -100.0% (not judged")
        .doesNotContain("MET")
        .doesNotContain("MISSED");
  }
}
