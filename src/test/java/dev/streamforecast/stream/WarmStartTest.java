package dev.streamforecast.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.ModelJson;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A warm-start model is taken only under the shaping settings it was made under: each setting that
 * differs is named, by the one check every path calls (the commands before a job starts, and the
 * operators of both scopes when they start a key or a network).
 */
class WarmStartTest {
    private static ModelConfig config(Map<String, String> settings) {
        return ModelConfig.fromMap(settings);
    }

    /** A model trained on a few events under {@code made}, in its JSON form. */
    private static String model(ModelConfig made) {
        OnlineForecaster f = new OnlineForecaster(made);
        SeriesState s = f.newState("exported");
        Prediction p = new Prediction(made.horizon);
        for (int t = 0; t < 40; t++) {
            f.observe(s, 3_600_000L * t, 10 + Math.sin(t), null, p);
        }
        return ModelJson.write(made, s, "exported");
    }

    private static JobSettings job(ModelConfig model, String warm) {
        return JobSettings.defaults(model).withWarmStart(warm);
    }

    private static String refusal(ModelConfig made, ModelConfig used) {
        return assertThrows(IllegalArgumentException.class, () -> job(used, model(made)).warmStart()).getMessage();
    }

    @Test
    void aModelMadeStepsAheadIsRefusedForOneStepNamingTheHorizon() {
        assertEquals("the model was made under other shaping settings (the model's -> this job's): "
                + "forecast.horizon: 24 -> 1", refusal(config(Map.of("forecast.horizon", "24")), config(Map.of())));
    }

    @Test
    void everyShapingSettingThatDiffersIsNamed() {
        String m = refusal(config(Map.of("model.hidden", "32", "model.layers", "1")),
                config(Map.of("model.hidden", "16", "model.layers", "2", "model.cell", "gru")));
        assertEquals("the model was made under other shaping settings (the model's -> this job's): "
                + "model.cell: lstm -> gru; model.hidden: 32 -> 16; model.layers: 1 -> 2", m);
        assertTrue(refusal(config(Map.of()), config(Map.of("model.linear-order", "24")))
                .endsWith("model.linear-order: 48 -> 24"));
        assertTrue(refusal(config(Map.of()), config(Map.of("model.features", "load")))
                .contains("model.features: '' -> load"));
    }

    @Test
    void aModelOfTheSameShapeStartsKeysOfEitherScope() {
        String json = model(config(Map.of()));
        assertNotNull(job(config(Map.of("train.learning-rate", "0.01")), json).warmStart());
        assertNotNull(job(config(Map.of("model.scope", "shared")), json).warmStart());
        assertNull(job(config(Map.of()), null).warmStart());
    }

    @ParameterizedTest
    @ValueSource(strings = {"key", "shared"})
    void anOperatorGivenAModelOfAnotherShapeFailsAtStartNamingIt(String scope) throws Exception {
        ModelConfig used = config(Map.of("model.scope", scope, "model.hidden", "8"));
        JobSettings settings = job(used, model(config(Map.of())));
        ForecastFunction f = new ForecastFunction(settings, ForecastTopology.DEAD_LETTERS, ForecastTopology.MODELS);
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast>(
                new KeyedProcessOperator<>(f), obs -> obs.key, Types.STRING)) {
            Exception e = assertThrows(Exception.class, () -> {
                h.open();
                h.processElement(new Observation("a", 0, 1.0), 0);
            });
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            assertTrue(root.getMessage().contains("model.hidden: 32 -> 8"), root.getMessage());
        }
    }
}
