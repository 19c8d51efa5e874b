package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TimestampsTest {

    private static final long JULY_1_2016 = Instant.parse("2016-07-01T00:00:00Z").toEpochMilli();

    @ParameterizedTest
    @ValueSource(strings = {
        "1467331200000",
        " 1467331200000 ",
        "2016-07-01",
        "2016-07-01T00:00",
        "2016-07-01T00:00:00",
        "2016-07-01 00:00:00",
        "2016-07-01t00:00:00z",
        "2016-07-01T00:00:00Z",
        "2016-07-01T00:00:00.000Z",
        "2016-07-01T02:00:00+02:00",
        "2016-07-01T02:00:00+0200",
        "2016-07-01T02:00:00+02",
        "2016-06-30T19:00:00-05:00",
        "2016-07-01T02:00:00+02:00[Europe/Paris]",
    })
    void everyAcceptedSpellingOfTheSameInstantGivesTheSameMillis(String text) {
        assertEquals(JULY_1_2016, Timestamps.parse(text));
    }

    @ParameterizedTest
    @CsvSource({
        "2016-07-01T00:00:00.5, 500",
        "2016-07-01T00:00:00.123, 123",
        "2016-07-01T00:00:00.123456789Z, 123",
        "2016-07-01 00:00:00.999999, 999",
    })
    void fractionalSecondsAreKeptToTheMillisecondAndTruncatedBelow(String text, long millis) {
        assertEquals(JULY_1_2016 + millis, Timestamps.parse(text));
    }

    @Test
    void negativeEpochMillisAreBefore1970() {
        assertEquals(Instant.parse("1969-12-31T23:59:59Z").toEpochMilli(), Timestamps.parse("-1000"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2016-07-01t13:45              | 2016-07-01T13:45:00Z",
        "2016-07-01 13:45:07.5         | 2016-07-01T13:45:07.500Z",
        "2016-07-01 13:45:07,25        | 2016-07-01T13:45:07.250Z",
        "2016-07-01T13:45:07-0130      | 2016-07-01T15:15:07Z",
        "2016-07-01T13:45:07+05        | 2016-07-01T08:45:07Z",
        "2016-07-01 13:45:07 +02:00    | 2016-07-01T11:45:07Z",
        "2016-02-29 23:59:59.999       | 2016-02-29T23:59:59.999Z",
        "2016-03-27T03:30:00+02:00[Europe/Paris] | 2016-03-27T01:30:00Z",
        "2016-07-01 02:00:00+02:00[Europe/Paris] | 2016-07-01T00:00:00Z",
    })
    void csvSpellingsAndZoneRegionsAreReadAlike(String text, String instant) {
        assertEquals(Instant.parse(instant).toEpochMilli(), Timestamps.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2016-7-01", "2015-02-29", "2016-07-01 10:60", "2016-07-01 10:00:61", "2016-07-01T10",
        "2016-07-01 10:00:00.", "2016-07-01 10:00:00.1234567890", "2016-07-01 10:00:00+19:00",
        "2016-07-01 10:00:00Zz", "12.5", "2016-07-01T00:00:00+02:00[Nowhere/Atlantis]"})
    void malformedIsoIsRefusedSayingWhatWasExpectedWhere(String text) {
        assertRefused(text, "unparseable timestamp '" + text + "'", "ISO-8601 such as 2016-07-01T00:00:00Z (");
    }

    @Test
    void aDateTimeWithoutZoneIsUtc() {
        assertEquals(Timestamps.parse("2016-07-01T12:30:00Z"), Timestamps.parse("2016-07-01T12:30:00"));
    }

    @Test
    void formatIsIsoUtcWithMillisOnlyWhenNonZero() {
        assertEquals("2016-07-01T00:00:00Z", Timestamps.format(JULY_1_2016));
        assertEquals("2016-07-01T00:00:00.250Z", Timestamps.format(JULY_1_2016 + 250));
        assertEquals("1970-01-01T00:00:00Z", Timestamps.format(0));
    }

    @Test
    void formatThenParseIsTheIdentity() {
        for (long ms : new long[] {JULY_1_2016, JULY_1_2016 + 1, -1, Timestamps.MIN, Timestamps.MAX - 1}) {
            assertEquals(ms, Timestamps.parse(Timestamps.format(ms)));
        }
    }

    @Test
    void rangeIsFrom1900InclusiveTo2200Exclusive() {
        assertEquals(Timestamps.MIN, Timestamps.parse("1900-01-01"));
        assertEquals(Timestamps.MAX - 1, Timestamps.parse("2199-12-31T23:59:59.999Z"));
        assertRefused("1899-12-31T23:59:59.999Z", "timestamp out of range", "before 1900-01-01");
        assertRefused("2200-01-01", "timestamp out of range", "2200-01-01");
    }

    @Test
    void microsecondsMistakenForMillisAreOutOfRange() {
        assertRefused("1467331200000000", "timestamp out of range", "2200-01-01",
                "as epoch microseconds it is 2016-07-01T00:00:00Z: convert to epoch milliseconds or ISO-8601");
    }

    @Test
    void epochSecondsUnderMillisecondsAreRefusedNamingTheSettingAndBothDates() {
        assertRefused("1700000000", "timestamp 1700000000 looks like epoch seconds (2023-11-14T22:13:20Z), not "
                + "milliseconds (1970-01-20T16:13:20Z): set events.time-unit=s");
        assertRefused("-1700000000", "looks like epoch seconds (1916-02-18T01:46:40Z)");
    }

    @Test
    void underSecondsIntegersAreEpochSecondsAndMillisecondsAreRefusedWithTheReverseHint() {
        assertEquals(1_700_000_000_000L, Timestamps.parse("1700000000", EpochUnit.S));
        assertEquals(-1_700_000_000_000L, Timestamps.parse("-1700000000", EpochUnit.S));
        assertEquals(5_000L, Timestamps.parse("5", EpochUnit.S));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Timestamps.parse("1700000000000", EpochUnit.S));
        assertEquals("timestamp out of range: 1700000000000 (epoch seconds, +55840-11-08T22:13:20Z) is not before "
                + "2200-01-01; as epoch milliseconds it is 2023-11-14T22:13:20Z: set events.time-unit=ms", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ms | 1700000000000000    | as epoch microseconds it is 2023-11-14T22:13:20Z: convert to epoch milliseconds",
        "ms | 1700000000000000000 | as epoch nanoseconds it is 2023-11-14T22:13:20Z: convert to epoch milliseconds",
        "s  | 1700000000000000    | as epoch microseconds it is 2023-11-14T22:13:20Z: convert to epoch seconds",
        "s  | 1700000000000000000 | as epoch nanoseconds it is 2023-11-14T22:13:20Z: convert to epoch seconds",
        "s  | -9223372036854775807 | (epoch seconds) is before 1900-01-01",
        "ms | -2208988800001      | before 1900-01-01",
        "s  | -2208988801         | before 1900-01-01",
        "s  | 7258118400          | not before 2200-01-01",
    })
    void finerUnitsAndTimesOutside1900To2200AreRefusedInEitherUnit(String unit, String value, String fragment) {
        EpochUnit u = EpochUnit.valueOf(unit.toUpperCase(java.util.Locale.ROOT));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Timestamps.parse(value, u));
        assertTrue(e.getMessage().startsWith("timestamp out of range: " + value), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void theSecondsBandUnderMillisecondsHasTheEdgesItsJavadocGives() {
        long floor = Timestamps.SECONDS_FLOOR;
        assertEquals(floor - 1, Timestamps.parse(Long.toString(floor - 1)), "below the band: counters, synthetic times");
        assertRefused(Long.toString(floor), "looks like epoch seconds (1973-03-03T09:46:40Z)");
        assertRefused(Long.toString(-floor), "looks like epoch seconds (1966-10-31T14:13:20Z)");
        assertRefused("7258118399", "looks like epoch seconds (2199-12-31T23:59:59Z)");
        assertEquals(7_258_118_400L, Timestamps.parse("7258118400"), "as seconds 2200: not a date either way");
        assertRefused("-2208988800", "looks like epoch seconds (1900-01-01T00:00:00Z)");
        assertEquals(-2_208_988_801L, Timestamps.parse("-2208988801"), "as seconds 1899: not a date either way");
    }

    @Test
    void everyIntegerIsReadInTheConfiguredUnitOrRefusedNeverGuessed() {
        SplittableRandom random = new SplittableRandom(20);
        for (int i = 0; i < 200_000; i++) {
            long v = random.nextLong(-Timestamps.MAX, 10 * Timestamps.MAX);
            for (EpochUnit unit : EpochUnit.values()) {
                long ms;
                try {
                    ms = Timestamps.fromEpoch(v, unit);
                } catch (IllegalArgumentException e) {
                    continue;
                }
                assertEquals(v * unit.millis, ms, "an accepted integer is the configured unit, exactly");
                assertTrue(ms >= Timestamps.MIN && ms < Timestamps.MAX);
            }
            boolean asSeconds = Math.abs(v) >= Timestamps.SECONDS_FLOOR && v * 1000 >= Timestamps.MIN
                    && v * 1000 < Timestamps.MAX;
            boolean asMillis = v >= Timestamps.MIN && v < Timestamps.MAX && !asSeconds;
            assertEquals(asMillis, accepted(v, EpochUnit.MS), "ms: " + v);
        }
    }

    private static boolean accepted(long v, EpochUnit unit) {
        try {
            Timestamps.fromEpoch(v, unit);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    void isoTimesAreTheSameInEitherUnit() {
        assertEquals(JULY_1_2016, Timestamps.parse("2016-07-01T00:00:00Z", EpochUnit.S));
        assertRefused("2200-01-01", "timestamp out of range: 2200-01-01T00:00:00Z is not before 2200-01-01");
    }

    @Test
    void digitsBeyondALongAreOutOfRange() {
        assertRefused("99999999999999999999999", "timestamp out of range", "too large");
    }

    @Test
    void checkRangeNamesTheInstant() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Timestamps.checkRange(Instant.parse("1850-06-01T00:00:00Z").toEpochMilli()));
        assertTrue(e.getMessage().contains("1850-06-01T00:00:00Z"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday", "2016-13-01", "2016-02-30", "2016-07-01T25:00", "01/07/2016",
        "2016-07-01T00:00:00 UTC", "2016-07-01T", "1.4673312E12", "-", "0x10"})
    void unparseableTextIsRefusedWithTheExpectedForms(String text) {
        assertRefused(text, "unparseable timestamp '" + text + "'", "expected epoch milliseconds or ISO-8601");
    }

    @Test
    void emptyAndNullAreRefused() {
        assertRefused("  ", "timestamp is empty");
        assertThrows(IllegalArgumentException.class, () -> Timestamps.parse(null));
    }

    private static void assertRefused(String text, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Timestamps.parse(text));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should contain '" + f + "'");
        }
    }
}
