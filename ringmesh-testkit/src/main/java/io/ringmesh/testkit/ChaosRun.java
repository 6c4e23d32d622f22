package io.ringmesh.testkit;

import io.ringmesh.testkit.internal.ChaosDriver;
import java.io.IOException;
import java.io.PrintStream;

/**
 * The chaos suite: runs real coordinator and client processes on this machine for {@link
 * ChaosOptions#duration}, injecting seeded faults one at a time, and checks the recorded history
 * (mutual exclusion as the fenced resource saw it, tokens strictly increasing per lock, no
 * acknowledged operation lost, liveness after the last heal). See {@code docs/reliability.md}.
 *
 * <p>Every process, directory and network namespace it creates is removed when it returns or
 * throws, and on Ctrl-C. Safe to call from one thread at a time per JVM.
 */
public final class ChaosRun {
  private ChaosRun() {}

  /**
   * Runs one chaos run, printing progress lines to {@code progress}.
   *
   * @return the report; violations are reported in it, not thrown
   * @throws IOException if a process, port or namespace could not be set up
   * @throws IllegalStateException if a coordinator or client did not come up
   */
  public static ChaosReport run(ChaosOptions options, PrintStream progress)
      throws IOException, InterruptedException {
    try (ChaosDriver driver = new ChaosDriver(options, progress)) {
      return driver.run();
    }
  }
}
