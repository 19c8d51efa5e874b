package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
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
        assertRefused("1467331200000000", "timestamp out of range", "2200-01-01");
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
