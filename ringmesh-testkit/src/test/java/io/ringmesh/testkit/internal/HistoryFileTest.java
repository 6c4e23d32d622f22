package io.ringmesh.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringmesh.testkit.internal.Event.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class HistoryFileTest {
  @Test
  void aFailedRunsHistoryIsOneJsonEventPerLineThatReadsBackInOrder(@TempDir Path dir)
      throws Exception {
    List<Event> events =
        List.of(
            Event.at(1_000, "client-1", Type.ACQUIRE_INVOKED, "lock-a", 0),
            new Event(1_005, 1_000, "client-1", Type.GRANTED, "lock-a", 17, ""),
            Event.at(1_006, "client-1", Type.WRITE_ACCEPTED, "lock-a", 17),
            Event.at(2_000, "driver", Type.FAULT_INJECTED, "c2", 0).withDetail("kill: SIGKILL"));
    Path file = dir.resolve("history.jsonl");

    ChaosDriver.writeHistory(events, file);

    ObjectMapper json = new ObjectMapper();
    List<Event> read = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      read.add(json.readValue(line, Event.class));
    }
    assertThat(read).containsExactlyElementsOf(events);
  }
}
