package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.model.CellType;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import dev.streamforecast.testutil.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelJsonTest {

    @ParameterizedTest
    @EnumSource(CellType.class)
    void jsonRoundTripIsBitExact(CellType cell) {
        ModelConfig c = ModelConfig.builder().cell(cell).hidden(5).layers(2).features(List.of("a", "b"))
                .k1(2).k2(5).build();
        OnlineForecaster f = new OnlineForecaster(c);
        SeriesState s = f.newState("k");
        Prediction p = new Prediction();
        double[] y = Fixtures.noisySine(120, 13, 0.3, 3);
        for (int t = 0; t < y.length; t++) {
            f.observe(s, y[t] * 1e-7 + 3e5, new double[] {t, -t * 0.1}, p);
        }
        ModelJson.Model back = ModelJson.read(ModelJson.write(c, s, "k"));
        assertEquals(c, back.config);
        assertEquals(s, back.state);
        assertEquals("k", back.key);
    }

    @Test
    void aFreshStateWithNaNForecastRoundTrips() {
        ModelConfig c = ModelConfig.builder().build();
        SeriesState s = new OnlineForecaster(c).newState("fresh");
        assertEquals(s, ModelJson.read(ModelJson.write(c, s, "fresh")).state);
    }

    @Test
    void foreignOrBrokenFilesAreRefusedClearly() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelJson.read("{"))
                .getMessage().contains("not valid JSON"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelJson.read("{\"a\":1}"))
                .getMessage().contains("not a model file"));
    }

    @Test
    void configMapRoundTripsAndBadValuesNameTheKey() {
        ModelConfig c = ModelConfig.builder().cell(CellType.GRU).features(List.of("x")).k1(3).build();
        assertEquals(c, ModelConfig.fromMap(c.toMap()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromMap(java.util.Map.of("model.cell", "transformer")));
        assertEquals("invalid model.cell = transformer: expected one of lstm, gru, rnn", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromMap(java.util.Map.of("train.k1", "0")));
        assertTrue(e.getMessage().startsWith("invalid train.k1 = 0"), e.getMessage());
    }
}
