package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InputSettingsTest {

    private static InputSettings of(Map<String, String> settings) {
        return InputSettings.of(AppConfig.of(settings));
    }

    @Test
    void defaultsAreADayOfFutureAnd64KilobytesOfPayload() {
        InputSettings s = of(Map.of("model.features", "temp"));
        assertEquals(List.of("temp"), s.features);
        assertEquals(65_536, s.maxPayloadBytes);
        assertNull(s.future.check(86_400_000L, 0, "t"));
        assertEquals("event time 1970-01-02T00:00:00.001Z is more than events.max-future = 1d after t "
                + "1970-01-01T00:00:00Z", s.future.check(86_400_001L, 0, "t"));
        assertEquals(65_536, AppConfig.defaultsOnly().deadLetterLimits().maxPayloadBytes);
        assertEquals(1_048_576 - DeadLetterLimits.RECORD_FRAMING, AppConfig.defaultsOnly().deadLetterLimits().maxRecordBytes);
    }

    @Test
    void zeroOrNoneSwitchesTheFutureRuleOff() {
        for (String off : List.of("0", "0s", "0ms", "none", "NONE")) {
            assertFalse(of(Map.of("events.max-future", off)).future.enabled(), off);
        }
        assertTrue(of(Map.of("events.max-future", "90min")).future.check(5_400_001L, 0, "t")
                .contains("events.max-future = 90min"));
        UserError e = assertThrows(UserError.class,
                () -> AppConfig.of(Map.of("events.max-future", "soon")));
        assertTrue(e.getMessage().startsWith("invalid events.max-future = soon") && e.getMessage().contains("none"),
                e.getMessage());
    }

    @Test
    void integerTimesAreMillisecondsUnlessTheTimeUnitSaysSeconds() {
        assertEquals(EpochUnit.MS, of(Map.of()).timeUnit);
        assertEquals(EpochUnit.S, of(Map.of("events.time-unit", "s")).timeUnit);
        assertEquals(EpochUnit.S, of(Map.of("events.time-unit", "S")).timeUnit);
        UserError e = assertThrows(UserError.class, () -> AppConfig.of(Map.of("events.time-unit", "us")));
        assertTrue(e.getMessage().startsWith("invalid events.time-unit = us") && e.getMessage().contains("ms, s"),
                e.getMessage());
    }

    @Test
    void deadLetterBoundsAreValidatedAgainstEachOtherAndTheProducer() {
        assertEquals(0, of(Map.of("dead-letters.max-payload-bytes", "0")).maxPayloadBytes);
        assertThrows(UserError.class, () -> AppConfig.of(Map.of("dead-letters.max-payload-bytes", "-1")));
        assertThrows(UserError.class, () -> AppConfig.of(Map.of("dead-letters.max-record-bytes", "100")));
        UserError e = assertThrows(UserError.class,
                () -> AppConfig.of(Map.of("dead-letters.max-record-bytes", "20000")));
        assertTrue(e.getMessage().contains("lower it to at most 11544"), e.getMessage());
        assertEquals(19_488, AppConfig.of(Map.of("dead-letters.max-record-bytes", "20000",
                "dead-letters.max-payload-bytes", "11544")).deadLetterLimits().maxRecordBytes);
        assertThrows(UserError.class,
                () -> AppConfig.of(Map.of("kafka.properties.max.request.size", "lots")));
    }
}
