package dev.streamforecast.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.io.EpochUnit;
import dev.streamforecast.io.UserError;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.stream.JobSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A call's config MAP is read by the job's settings table: the same names, values and complaints. */
class FunctionSettingsTest {
    private static String refusal(Map<String, String> config) {
        return assertThrows(UserError.class, () -> FunctionSettings.of(config)).getMessage();
    }

    @Test
    void theForecastersOwnSettingsApply() {
        JobSettings s = FunctionSettings.of(Map.of("model.hidden", "16", "train.k1", "4",
                "events.max-out-of-orderness", "0s", "events.max-wait", "1min", "model.on-shape-change", "reset",
                "anomaly.threshold", "0.7"));
        assertEquals(ModelConfig.builder().hidden(16).k1(4).build().id(), s.model.id());
        assertEquals(Duration.ZERO, s.maxOutOfOrderness);
        assertEquals(Duration.ofMinutes(1), s.maxWait);
        assertEquals(JobSettings.ShapeChange.RESET, s.onShapeChange);
        assertEquals(0.7, s.anomalyThreshold);
        assertEquals(ModelConfig.builder().build().id(), FunctionSettings.of(null).model.id(), "no config: the defaults");
    }

    @Test
    void theTimeRulesApplyAsInTheJob() {
        Map<String, String> config = Map.of("events.max-future", "7d", "events.time-unit", "s");
        assertEquals("event time 1970-01-08T00:00:00.001Z is more than events.max-future = 7d after t "
                + "1970-01-01T00:00:00Z", FunctionSettings.of(config).maxFuture.check(604_800_001L, 0, "t"));
        assertEquals(EpochUnit.S, FunctionSettings.timeUnit(config));
        assertEquals(EpochUnit.MS, FunctionSettings.timeUnit(null));
        assertTrue(FunctionSettings.of(null).maxFuture.enabled(), "the default day applies in SQL too");
        assertFalse(FunctionSettings.of(Map.of("events.max-future", "none")).maxFuture.enabled());
    }

    @Test
    void aBadKeyOrValueIsRefusedNamingIt() {
        String typo = refusal(Map.of("model.hiden", "16"));
        assertTrue(typo.startsWith("FORECAST config: unknown setting 'model.hiden' (did you mean model.hidden?)"), typo);
        String value = refusal(Map.of("model.hidden", "lots"));
        assertTrue(value.startsWith("FORECAST config: ") && value.contains("model.hidden"), value);
        Map<String, String> nulls = new HashMap<>();
        nulls.put("train.k1", null);
        assertEquals("FORECAST config: the value of 'train.k1' is NULL", refusal(nulls));
    }

    @Test
    void settingsOfTheDataStreamJobsPlumbingAreRefusedSayingWhereTheyBelongInSql() {
        String kafka = refusal(Map.of("kafka.input-topic", "x"));
        assertTrue(kafka.contains("'kafka.input-topic' does not apply to the SQL function")
                && kafka.contains("WITH options"), kafka);
        assertTrue(refusal(Map.of("job.parallelism", "2")).contains("parallelism.default"));
        assertTrue(refusal(Map.of("events.idle-state-retention", "1d")).contains("keeps every key's state"));
        assertTrue(refusal(Map.of("anomaly.topic", "alarms")).contains("WHERE anomalous"));
        String scope = refusal(Map.of("model.scope", "shared"));
        assertTrue(scope.contains("keyed state only") && scope.contains("operator state")
                && scope.contains("DataStream job"), "the reason, and where a shared network runs: " + scope);
    }
}
