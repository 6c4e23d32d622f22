package io.ringmesh.node.internal.demo;

import java.io.PrintStream;

/**
 * A one-line progress bar on stderr for a phase of known length, redrawn at most every 200 ms. Not
 * thread-safe: one thread reports.
 */
final class Progress {
  private final PrintStream out;
  private final String label;
  private long lastDraw;

  Progress(PrintStream out, String label) {
    this.out = out;
    this.label = label;
  }

  /** Shows {@code fraction} (0..1) done and a short status. */
  void show(double fraction, String status) {
    long now = System.nanoTime();
    if (now - lastDraw < 200_000_000L && fraction < 1) {
      return;
    }
    lastDraw = now;
    int width = 30;
    int done = (int) Math.round(Math.max(0, Math.min(1, fraction)) * width);
    out.printf(
        "\r  %-28s [%s%s] %3.0f%%  %-40s",
        label, "#".repeat(done), " ".repeat(width - done), 100 * Math.min(1, fraction), status);
    out.flush();
  }

  /** Ends the bar's line. */
  void done(String status) {
    show(1, status);
    out.println();
  }
}
