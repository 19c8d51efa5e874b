package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CsvTimestampsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2016-07-01 00:00:00           | 2016-07-01T00:00:00Z",
        "2016-07-01T00:00:00           | 2016-07-01T00:00:00Z",
        "2016-07-01t13:45              | 2016-07-01T13:45:00Z",
        "2016-07-01                    | 2016-07-01T00:00:00Z",
        "2016-07-01 13:45:07.5         | 2016-07-01T13:45:07.500Z",
        "2016-07-01 13:45:07,25        | 2016-07-01T13:45:07.250Z",
        "2016-07-01T13:45:07.123456789 | 2016-07-01T13:45:07.123Z",
        "2016-07-01T13:45:07Z          | 2016-07-01T13:45:07Z",
        "2016-07-01T13:45:07+02:00     | 2016-07-01T11:45:07Z",
        "2016-07-01T13:45:07-0130      | 2016-07-01T15:15:07Z",
        "2016-07-01T13:45:07+05        | 2016-07-01T08:45:07Z",
        "2016-07-01 13:45:07 +02:00    | 2016-07-01T11:45:07Z",
        "2016-02-29 23:59:59.999       | 2016-02-29T23:59:59.999Z",
        "1467331200000                 | 2016-07-01T00:00:00Z",
        "-1000                         | 1969-12-31T23:59:59Z",
    })
    void parsesIsoWithOrWithoutTAndZoneAndEpochMilliseconds(String text, String instant) {
        assertEquals(Instant.parse(instant).toEpochMilli(), CsvTimestamps.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "yesterday", "2016-7-01", "2016-13-01", "2015-02-29", "2016-07-01 25:00",
        "2016-07-01 10:60", "2016-07-01 10:00:61", "2016-07-01T10", "2016-07-01 10:00:00.", "2016-07-01 10:00:00.1234567890",
        "2016-07-01 10:00:00+19:00", "2016-07-01 10:00:00 UTC", "2016-07-01 10:00:00Zz", "12.5",
        "99999999999999999999"})
    void refusesWhatItCannotReadSayingWhy(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CsvTimestamps.parse(text));
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
    }

    @ParameterizedTest
    @CsvSource({"1900-01-01T00:00:00Z", "2199-12-31T23:59:59.999Z"})
    void acceptsTheEdgesOfItsRange(String instant) {
        assertEquals(Instant.parse(instant).toEpochMilli(), CsvTimestamps.parse(instant));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1899-12-31 23:59:59.999", "2200-01-01", "1467331200000000"})
    void refusesInstantsOutsideItsRangeAsLikelyUnitMistakes(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CsvTimestamps.parse(text));
        assertTrue(e.getMessage().contains("1900..2200"), e.getMessage());
    }
}
