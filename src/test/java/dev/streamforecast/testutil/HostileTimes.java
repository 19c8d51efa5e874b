package dev.streamforecast.testutil;

import dev.streamforecast.io.EpochUnit;
import java.time.Instant;
import java.util.List;

/**
 * Integer event times no input should carry, or only under one {@code events.time-unit}: epoch seconds,
 * milliseconds, microseconds (the year-55969 time) and nanoseconds, negative times, 1899, 2200 and the
 * year 5138; with what each input path must make of each under either unit: the instant it reads, or
 * words of the refusal's reason.
 */
public final class HostileTimes {
    /**
     * One integer time and its outcomes.
     *
     * @param underMs under {@code events.time-unit=ms}: an ISO instant if read, else words of the reason
     * @param underS the same under {@code events.time-unit=s}
     */
    public record Case(long value, String underMs, String underS) {
        /** The outcome under {@code unit}. */
        public String under(EpochUnit unit) {
            return unit == EpochUnit.MS ? underMs : underS;
        }

        /** The instant read under {@code unit}, or null when it is refused. */
        public Instant read(EpochUnit unit) {
            String o = under(unit);
            return o.matches("-?\\d{4}-\\d\\d-\\d\\dT[0-9:]+Z") ? Instant.parse(o) : null;
        }
    }

    public static final List<Case> INTEGERS = List.of(
            new Case(1_700_000_000L, "looks like epoch seconds (2023-11-14T22:13:20Z), not milliseconds",
                    "2023-11-14T22:13:20Z"),
            new Case(1_700_000_000_000L, "2023-11-14T22:13:20Z",
                    "as epoch milliseconds it is 2023-11-14T22:13:20Z: set events.time-unit=ms"),
            new Case(1_704_067_200_000_000L, "(epoch milliseconds, +55969-09-28T00:00:00Z) is not before 2200-01-01; "
                    + "as epoch microseconds it is 2024-01-01T00:00:00Z: convert to epoch milliseconds",
                    "as epoch microseconds it is 2024-01-01T00:00:00Z: convert to epoch seconds"),
            new Case(1_704_067_200_000_000_000L, "as epoch nanoseconds it is 2024-01-01T00:00:00Z",
                    "as epoch nanoseconds it is 2024-01-01T00:00:00Z"),
            new Case(-1_700_000_000L, "looks like epoch seconds (1916-02-18T01:46:40Z)", "1916-02-18T01:46:40Z"),
            new Case(-1_700_000_000_000L, "1916-02-18T01:46:40Z",
                    "before 1900-01-01; as epoch milliseconds it is 1916-02-18T01:46:40Z"),
            new Case(-2_208_988_800_001L, "is before 1900-01-01", "is before 1900-01-01"),
            new Case(7_258_118_400_000L, "is not before 2200-01-01", "is not before 2200-01-01"),
            new Case(100_000_000_000_000L, "(epoch milliseconds, 5138-11-16T09:46:40Z) is not before 2200-01-01; as "
                    + "epoch microseconds it is 1973-03-03T09:46:40Z", "as epoch microseconds it is 1973-03-03T09:46:40Z"));

    private HostileTimes() {}
}
