package io.ringmesh.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A short real chaos run: 3 coordinator processes, 3 client processes, SIGKILL and SIGSTOP faults.
 */
class ChaosRunTest {
  @Test
  @Timeout(240)
  void aShortRunWithKillsAndPausesKeepsEveryPropertyAndRecovers() throws Exception {
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    ChaosOptions options =
        ChaosOptions.defaults(42)
            .withDuration(Duration.ofSeconds(25))
            .withTtl(Duration.ofSeconds(2))
            .withFaults(EnumSet.of(FaultKind.KILL, FaultKind.PAUSE))
            .withKeep(true);
    ChaosReport r;
    try (PrintStream out = new PrintStream(progress, true, StandardCharsets.UTF_8)) {
      r = ChaosRun.run(options, new PrintStream(new TeeStream(out, System.out), true));
    }
    String log = progress.toString(StandardCharsets.UTF_8);
    assertThat(log).contains("seed 42");
    assertThat(r.violations()).as(log).isEmpty();
    // A restart can take 20 s on a loaded 2-core machine, so a 25 s run may fit only one fault.
    assertThat(r.faultCount()).as(log).isPositive();
    assertThat(r.grants()).isPositive();
    assertThat(r.grantsAfterLastHeal()).as(log).isPositive();
    assertThat(r.writesAccepted()).isPositive();
    // --keep: the history and the processes' logs of a passing run are kept for study.
    java.nio.file.Path history = java.util.Objects.requireNonNull(r.historyFile());
    java.util.regex.Matcher kept =
        java.util.regex.Pattern.compile("process logs kept in (\\S+)").matcher(log);
    assertThat(kept.find()).as(log).isTrue();
    java.nio.file.Path dir = java.nio.file.Path.of(kept.group(1));
    try {
      assertThat(java.nio.file.Files.readAllLines(history))
          .anySatisfy(line -> assertThat(line).contains("\"GRANTED\""));
      assertThat(dir.resolve("client-1.log")).exists();
    } finally {
      java.nio.file.Files.deleteIfExists(history);
      RunDirectory.delete(dir);
    }
  }

  /** Copies the progress to the test's output too, for a failing run's report. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
