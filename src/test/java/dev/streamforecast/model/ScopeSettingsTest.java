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
import org.junit.jupiter.params.provider.EnumSource;

/**
 * In either model scope, every model setting either changes what the forecaster forecasts or is refused
 * by name: no setting is accepted and then ignored. Shared scope honours every one; key scope refuses
 * those of how a shared network learns. Each setting is checked with a value other than its default, by
 * running three keys with hourly times through one forecaster with and without it.
 */
class ScopeSettingsTest {
    /** Settings whose change the comparison needs another setting for: it is given beside them, and in the baseline. */
    private static final Map<String, Map<String, String>> CONTEXT = Map.of(
            // the network predicts a change or a value only where there is no linear part
            "model.target", Map.of("model.linear-order", "0"),
            // the time zone is read only by calendar inputs, on by default at horizons above one
            "model.time-zone", Map.of("model.calendar", "week"));
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
        OTHER.put("model.target", "level");
        OTHER.put("model.scaler-half-life", "20");
        OTHER.put("model.input-clip", "0.5");
        OTHER.put("forecast.interval-level", "0.5");
        OTHER.put("forecast.residual-half-life", "10");
        OTHER.put("model.seed", "7");
        OTHER.put("model.linear-order", "8");
        OTHER.put("model.linear-forgetting", "0.95");
        OTHER.put("train.batch", "2");
        OTHER.put("train.shared-budget", "500");
        OTHER.put("forecast.horizon", "24");
        OTHER.put("model.calendar", "week");
        OTHER.put("model.time-zone", "Europe/Paris");
        OTHER.put("model.candidates", "hybrid,seasonal");
        OTHER.put("forecast.intervals", "gaussian");
    }

    private static Map<String, String> in(ModelScope scope, Map<String, String> settings) {
        Map<String, String> m = new HashMap<>(settings);
        m.put("model.scope", scope.name().toLowerCase(java.util.Locale.ROOT));
        return m;
    }

    /** Every step's forecast and interval of every event of three keys, hourly and interleaved, through one forecaster. */
    private static List<Double> forecasts(ModelConfig config) {
        OnlineForecaster f = new OnlineForecaster(config);
        SeriesState[] keys = {f.newState("a"), f.newState("b"), f.newState("c")};
        Prediction p = new Prediction(config.horizon);
        double[] features = new double[config.features.size()];
        List<Double> out = new ArrayList<>();
        for (int t = 0; t < 300; t++) {
            for (int k = 0; k < keys.length; k++) {
                Arrays.fill(features, Math.cos(0.1 * t + k));
                double value = 10 * (k + 1) + Math.sin(2 * Math.PI * t / 24.0) + 0.3 * Math.sin(0.7 * t * (k + 1));
                f.observe(keys[k], k, 1_700_000_000_000L + 3_600_000L * t, value, features, p);
                for (int h = 0; h < config.horizon; h++) {
                    out.add(p.forecasts[h]);
                    out.add(p.lowers[h]);
                    out.add(p.uppers[h]);
                }
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

    @ParameterizedTest
    @EnumSource(ModelScope.class)
    void everySettingAScopeAcceptsChangesItsForecasts(ModelScope scope) {
        List<String> ignored = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (Map.Entry<String, String> e : OTHER.entrySet()) {
            Map<String, String> baseline = in(scope, CONTEXT.getOrDefault(e.getKey(), Map.of()));
            Map<String, String> changed = new HashMap<>(baseline);
            changed.put(e.getKey(), e.getValue());
            ModelConfig config;
            try {
                config = ModelConfig.fromMap(changed);
            } catch (IllegalArgumentException no) {
                assertTrue(no.getMessage().startsWith("invalid " + e.getKey() + " = "), no.getMessage());
                refused.add(e.getKey());
                continue;
            }
            if (forecasts(config).equals(forecasts(ModelConfig.fromMap(baseline)))) {
                ignored.add(e.getKey() + "=" + e.getValue());
            }
        }
        assertEquals(List.of(), ignored, "accepted in model.scope=" + scope + ", yet its forecasts are the same");
        assertEquals(scope == ModelScope.SHARED ? List.of() : List.of("train.batch", "train.shared-budget"), refused);
    }

    @ParameterizedTest
    @CsvSource({"train.batch, 2", "train.shared-budget, 500"})
    void keyScopeRefusesHowASharedNetworkLearnsByName(String setting, String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromMap(Map.of(setting, value)));
        assertTrue(e.getMessage().startsWith("invalid " + setting + " = " + value + ": it is how a shared network "
                + "learns"), e.getMessage());
        assertEquals(value, ModelConfig.fromMap(in(ModelScope.SHARED, Map.of(setting, value))).toMap().get(setting));
    }
}
