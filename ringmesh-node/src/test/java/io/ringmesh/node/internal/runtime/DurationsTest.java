package io.ringmesh.node.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class DurationsTest {
  @Test
  void formatWritesTheLargestExactUnitAndParseReadsItBack() {
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.format(Duration.ofMinutes(2))).isEqualTo("2m");
    assertThat(Durations.format(Duration.ofHours(3))).isEqualTo("3h");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    for (String written : new String[] {"250ms", "10s", "59s", "61m", "2h"}) {
      assertThat(Durations.format(Durations.parse(written))).isEqualTo(written);
    }
  }

  @Test
  void aNegativeValueIsCalledNegative() {
    assertThatThrownBy(() -> Durations.parse("-1s"))
        .hasMessage("'-1s' is negative; a duration is 0 or more, e.g. 500ms, 10s, 2m or 1h");
  }

  @Test
  void aValueThatIsNotADurationIsNamedWithTheForms() {
    assertThatThrownBy(() -> Durations.parse("5 seconds"))
        .hasMessage(
            "'5 seconds' is not a duration; write a number and a unit: 500ms, 10s, 2m or 1h");
  }
}
