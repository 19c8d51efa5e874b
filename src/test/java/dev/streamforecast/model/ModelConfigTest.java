package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelConfigTest {

    private static ModelConfig unusual() {
        return ModelConfig.fromMap(Map.of("train.optimizer", "sgd", "train.learning-rate", "0.01",
                "model.target", "level", "model.seed", "7", "forecast.interval-level", "0.8",
                "model.linear-forgetting", "1", "train.l2", "1e-4"));
    }

    @Test
    void fingerprintsOfUnchangedSettingsAreThoseForecastRecordsAlreadyCarry() {
        // ids computed by the release before the settings table; forecasts written then carry them
        assertEquals("lstm-32x1-c1ebde63", ModelConfig.builder().build().id());
        assertEquals("gru-16x2-fa5e7877", ModelConfig.builder().cell(CellType.GRU).hidden(16).layers(2)
                .features(List.of("load", "temp")).build().id());
        assertEquals("lstm-32x1-98324d9d", ModelConfig.builder().linearOrder(0).inputs(List.of("level")).k1(16)
                .build().id());
        assertEquals("lstm-32x1-c7cf01ca", unusual().id());
        assertEquals("cell=LSTM hidden=32 layers=1 features= inputs=level,delta,linear k1=8 k2=32 optimizer=ADAM "
                + "lr=0.003 beta1=0.9 beta2=0.999 eps=1.0E-8 clip=1.0 l2=0.0 target=DELTA scalerHalfLife=0.0 "
                + "inputClip=8.0 interval=0.9 residualHalfLife=200.0 seed=42 linear=48/0.9995",
                ModelConfig.builder().build().describe());
    }

    @Test
    void everySettingSurvivesTheTripThroughItsText() {
        for (ModelConfig c : List.of(ModelConfig.builder().build(), unusual(), ModelConfig.builder()
                .cell(CellType.RNN).features(List.of("b", "a")).inputs(List.of("delta", "level")).build())) {
            Map<String, String> text = c.toMap();
            ModelConfig back = ModelConfig.fromMap(text);
            assertEquals(c.describe(), back.describe());
            assertEquals(text, back.toMap());
            for (Setting<?> s : ModelConfig.settings()) {
                assertEquals(c.get(s), back.get(s), s.name);
            }
        }
    }

    @Test
    void everySettingIsReadFromItsNameAndEveryDefaultIsTheTablesDefault() {
        ModelConfig defaults = ModelConfig.builder().build();
        Map<String, String> names = new LinkedHashMap<>();
        for (Setting<?> s : ModelConfig.settings()) {
            assertEquals(s.defaultText, defaults.toMap().get(s.name), s.name);
            names.put(s.name, s.defaultText);
        }
        assertEquals(defaults, ModelConfig.fromMap(names));
        assertEquals(30, names.size());
    }

    @Test
    void badValuesNameTheSettingTheTextAndWhatItAccepts() {
        assertEquals("invalid model.hidden = -1: expected an integer in [1, 4096]", message("model.hidden", "-1"));
        assertEquals("invalid model.hidden = lots: expected an integer in [1, 4096]", message("model.hidden", "lots"));
        assertEquals("invalid model.cell = transformer: expected one of lstm, gru, rnn",
                message("model.cell", "transformer"));
        assertEquals("invalid train.learning-rate = NaN: expected a number in (0, 10)",
                message("train.learning-rate", "NaN"));
        assertEquals("invalid train.clip-norm = -1: expected a number >= 0", message("train.clip-norm", "-1"));
        assertEquals("invalid model.input-clip = 0: expected a number > 0", message("model.input-clip", "0"));
        assertEquals("invalid model.inputs = level,level: expected distinct names from level, delta, linear, "
                + "at least one", message("model.inputs", "level,level"));
        assertEquals("invalid model.features = a,,b: expected distinct non-empty names, comma-separated",
                message("model.features", "a,,b"));
        assertEquals("invalid model.inputs = linear: expected an input besides linear when model.linear-order=0",
                assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromMap(
                        Map.of("model.inputs", "linear", "model.linear-order", "0"))).getMessage());
        assertEquals("invalid train.k2 = 0: expected an integer in [1, 10000]",
                assertThrows(IllegalArgumentException.class, () -> ModelConfig.builder().k2(0).build()).getMessage());
    }

    private static String message(String key, String value) {
        return assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromMap(Map.of(key, value)))
                .getMessage();
    }

    @Test
    void inputsAreKeptInTheirCanonicalOrderSoEqualSettingsGiveEqualIds() {
        ModelConfig a = ModelConfig.fromMap(Map.of("model.inputs", "linear, level"));
        ModelConfig b = ModelConfig.fromMap(Map.of("model.inputs", "level,linear"));
        assertEquals(List.of("level", "linear"), a.inputs);
        assertEquals(b.id(), a.id());
        assertEquals(List.of("level"), ModelConfig.fromMap(Map.of("model.inputs", "level,linear",
                "model.linear-order", "0")).inputs);
    }

    @Test
    void theNameSaysWhatRuns() {
        assertEquals("ar48+lstm32", ModelConfig.builder().build().name());
        assertEquals("gru16x2", ModelConfig.builder().cell(CellType.GRU).hidden(16).layers(2).linearOrder(0)
                .build().name());
        assertEquals("ar24+rnn8", ModelConfig.fromMap(Map.of("model.cell", "RNN", "model.hidden", "8",
                "model.linear-order", "24")).name());
        assertEquals("an online AR(48) on differences, corrected by an LSTM of 32 units in 1 layer; the network "
                + "learns every 8 events over the last 32", ModelConfig.builder().build().summary());
        assertEquals("a GRU of 16 units in 2 layers predicting the change, with covariates load; the network learns "
                + "every 8 events over the last 32", ModelConfig.builder().cell(CellType.GRU).hidden(16).layers(2)
                .linearOrder(0).features(List.of("load")).build().summary());
    }

    @Test
    void aSharedNetworkTakesStepsAheadCalendarInputsAndEveryOtherFeatureAsAKeyScopeModelDoes() {
        ModelConfig c = ModelConfig.fromMap(Map.of("model.scope", "shared", "forecast.horizon", "24",
                "model.calendar", "week", "model.candidates", "hybrid,seasonal", "forecast.intervals", "gaussian"));
        assertEquals(ModelScope.SHARED, c.scope);
        assertEquals(24, c.horizon);
        assertEquals(Calendar.Mode.WEEK, c.calendarMode());
        assertEquals(List.of("hybrid", "seasonal"), c.candidates);
    }
}
