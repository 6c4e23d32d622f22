package io.ringmesh.node.internal.runtime;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}. */
public final class Durations {
  private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m|h)");

  private Durations() {}

  /**
   * Parses {@code value}.
   *
   * @throws IllegalArgumentException naming the value and the accepted forms
   */
  public static Duration parse(String value) {
    Matcher m = FORM.matcher(value.strip());
    if (!m.matches() && value.strip().startsWith("-")) {
      throw new IllegalArgumentException(
          "'" + value + "' is negative; a duration is 0 or more, e.g. 500ms, 10s, 2m or 1h");
    }
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + value + "' is not a duration; write a number and a unit: 500ms, 10s, 2m or 1h");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  /**
   * Writes {@code d} in the form {@link #parse} reads, in the largest unit that holds it exactly
   * ({@code 90s}, not {@code PT1M30S}); a part below a millisecond is dropped.
   */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1_000 == 0) {
      return ms / 1_000 + "s";
    }
    return ms + "ms";
  }
}
