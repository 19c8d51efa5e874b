package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every model setting either changes what model.scope=shared forecasts or is refused there by name: no
 * setting is accepted in shared scope and then ignored. Each setting is checked with a value other
 * than its default, by running three keys through the shared forecaster with and without it.
 */
class SharedScopeSettingsTest {
    /** Settings whose change the comparison needs another setting for: it is given beside them, and in the baseline. */
    private static final Map<String, Map<String, String>> CONTEXT = Map.of(
            // the network predicts a change or a value only where there is no linear part
            "model.target", Map.of("model.linear-order", "0"));
    /** A value other than the default for each setting; a new setting needs one here. */
    private static final Map<String, String> OTHER = new LinkedHashMap<>();

    static {
        OTHER.put("model.cell", "gru");
        OTHER.put("model.hidden", "16");
        OTHER.put("model.layers", "2");
        OTHER.put("model.features", "load");
        OTHER.put("model.inputs", "level,delta");
        OTHER.put("train.k1", "4");
        OTHER.put("train.k2", "16");
        OTHER.put("train.optimizer", "sgd");
        OTHER.put("train.learning-rate", "0.03");
        OTHER.put("train.beta1", "0.5");
        OTHER.put("train.beta2", "0.9");
        OTHER.put("train.epsilon", "0.001");
        OTHER.put("train.clip-norm", "0.01");
        OTHER.put("train.l2", "0.01");
        OTHER.put("model.target", "value");
        OTHER.put("model.scaler-half-life", "20");
        OTHER.put("model.input-clip", "0.5");
        OTHER.put("forecast.interval-level", "0.5");
        OTHER.put("forecast.residual-half-life", "10");
        OTHER.put("model.seed", "7");
        OTHER.put("model.linear-order", "8");
        OTHER.put("model.linear-forgetting", "0.95");
        OTHER.put("train.batch", "2");
        OTHER.put("forecast.horizon", "24");
        OTHER.put("model.calendar", "week");
        OTHER.put("model.time-zone", "Europe/Paris");
        OTHER.put("model.candidates", "hybrid,seasonal");
        OTHER.put("forecast.intervals", "gaussian");
    }

    private static Map<String, String> shared(Map<String, String> settings) {
        Map<String, String> m = new HashMap<>(settings);
        m.put("model.scope", "shared");
        return m;
    }

    /** Step 1's forecast and interval of every event of three keys, interleaved, through one shared network. */
    private static List<Double> forecasts(ModelConfig config) {
        SharedForecaster f = new SharedForecaster(SharedNetwork.create(config), new BatchTrainer(config));
        SeriesState[] keys = {f.newState(), f.newState(), f.newState()};
        Prediction p = new Prediction();
        double[] features = new double[config.features.size()];
        List<Double> out = new ArrayList<>();
        for (int t = 0; t < 300; t++) {
            for (int k = 0; k < keys.length; k++) {
                Arrays.fill(features, Math.cos(0.1 * t + k));
                double value = 10 * (k + 1) + Math.sin(2 * Math.PI * t / 24.0) + 0.3 * Math.sin(0.7 * t * (k + 1));
                f.observe(keys[k], k, value, features, p);
                out.add(p.forecast);
                out.add(p.lower);
                out.add(p.upper);
            }
        }
        return out;
    }

    @Test
    void everySettingOfTheModelHasAnotherValueHere() {
        Set<String> settings = ModelConfig.settings().stream().map(s -> s.name)
                .filter(n -> !n.equals("model.scope")).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(settings, new TreeSet<>(OTHER.keySet()));
    }

    @Test
    void everySettingSharedScopeAcceptsChangesItsForecasts() {
        List<String> ignored = new ArrayList<>();
        for (Map.Entry<String, String> e : OTHER.entrySet()) {
            Map<String, String> baseline = shared(CONTEXT.getOrDefault(e.getKey(), Map.of()));
            Map<String, String> changed = new HashMap<>(baseline);
            changed.put(e.getKey(), e.getValue());
            ModelConfig config;
            try {
                config = ModelConfig.fromMap(changed);
            } catch (IllegalArgumentException refused) {
                assertTrue(refused.getMessage().startsWith("invalid " + e.getKey() + " = "), refused.getMessage());
                continue;
            }
            if (forecasts(config).equals(forecasts(ModelConfig.fromMap(baseline)))) {
                ignored.add(e.getKey() + "=" + e.getValue());
            }
        }
        assertEquals(List.of(), ignored, "accepted in model.scope=shared, yet its forecasts are the same");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "forecast.horizon | 24 | model.scope=shared forecasts one step ahead; steps ahead need model.scope=key",
        "model.calendar | week | model.scope=shared has no calendar inputs; they need model.scope=key",
        "model.time-zone | Europe/Paris | model.scope=shared has no calendar inputs to read in a time zone; they "
                + "need model.scope=key",
        "model.candidates | hybrid,seasonal | model.scope=shared forecasts with the hybrid alone; a choice of "
                + "candidates needs model.scope=key",
        "forecast.intervals | gaussian | model.scope=shared sizes every interval as +-z times the key's residual "
                + "RMS; a choice of method needs model.scope=key"})
    void sharedScopeRefusesASettingItDoesNotHonourByName(String setting, String value, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromMap(shared(Map.of(setting, value))));
        assertEquals("invalid " + setting + " = " + value + ": " + why, e.getMessage());
        assertEquals(value, ModelConfig.fromMap(Map.of(setting, value)).toMap().get(setting), "key scope takes it");
    }

    @Test
    void sharedScopeTakesTheDefaultsOfWhatItDoesNotHonour() {
        ModelConfig config = ModelConfig.fromMap(shared(Map.of("model.calendar", "none",
                "model.candidates", "persistence,seasonal,linear,hybrid", "forecast.intervals", "conformal",
                "model.time-zone", "UTC", "forecast.horizon", "1")));
        assertEquals(ModelScope.SHARED, config.scope);
        assertFalse(config.describe().contains("candidates"), config.describe());
    }
}
