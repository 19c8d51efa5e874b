package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.testutil.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OnlineForecasterTest {

    private static ModelConfig config() {
        return ModelConfig.builder().build();
    }

    /** Online one-step forecasts over the second half of the stream; returns {model MSE, persistence MSE}. */
    private static double[] secondHalfMse(ModelConfig config, double[] y) {
        OnlineForecaster f = new OnlineForecaster(config);
        SeriesState s = f.newState("series");
        Prediction p = new Prediction();
        double model = 0;
        double persistence = 0;
        int scored = 0;
        double previousForecast = Double.NaN;
        for (int t = 0; t < y.length; t++) {
            if (t > y.length / 2) {
                model += sq(y[t] - previousForecast);
                persistence += sq(y[t] - y[t - 1]);
                scored++;
            }
            f.observe(s, y[t], null, p);
            previousForecast = p.forecast;
        }
        return new double[] {model / scored, persistence / scored};
    }

    private static double sq(double v) {
        return v * v;
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void learnsANoisySineWaveOnline(CellType cell) {
        double[] y = Fixtures.noisySine(6000, 40, 0.1, 1);
        double[] mse = secondHalfMse(config().toBuilder().cell(cell).build(), y);
        assertTrue(mse[0] < 0.7 * mse[1], cell + ": model " + mse[0] + " vs persistence " + mse[1]);
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void learnsAnAr2ProcessOnline(CellType cell) {
        double[] y = Fixtures.ar2(6000, 0.6, -0.5, 1.0, 2);
        double[] mse = secondHalfMse(config().toBuilder().cell(cell).build(), y);
        assertTrue(mse[0] < 0.7 * mse[1], cell + ": model " + mse[0] + " vs persistence " + mse[1]);
    }

    @Test
    void sameEventsGiveBitIdenticalForecastsAndWeights() {
        double[] y = Fixtures.noisySine(1500, 30, 0.2, 3);
        ModelConfig c = config().toBuilder().layers(2).build();
        SeriesState a = run(c, "k", y);
        SeriesState b = run(c, "k", y);
        assertEquals(a, b);
        assertTrue(java.util.Arrays.deepEquals(a.params, b.params));
        assertTrue(a.updates > 100);
    }

    @Test
    void differentKeysStartFromDifferentSeededWeights() {
        OnlineForecaster f = new OnlineForecaster(config());
        double[] a = f.layout().flatten(f.newState("alpha").params);
        double[] b = f.layout().flatten(f.newState("beta").params);
        assertArrayEquals(a, f.layout().flatten(f.newState("alpha").params));
        assertTrue(!java.util.Arrays.equals(a, b));
    }

    @Test
    void lstmForgetGateBiasStartsAtOne() {
        OnlineForecaster f = new OnlineForecaster(config());
        ParameterLayout layout = f.layout();
        double[] bias = f.newState("k").params[layout.bias(0)];
        for (int j = 0; j < layout.hidden; j++) {
            assertEquals(1.0, bias[layout.hidden + j]);
        }
    }

    @Test
    void nonFiniteInputsAreRefusedAndLeaveTheStateUntouched() {
        ModelConfig c = config().toBuilder().features(List.of("temp")).build();
        OnlineForecaster f = new OnlineForecaster(c);
        SeriesState s = f.newState("k");
        Prediction p = new Prediction();
        f.observe(s, 1.0, new double[] {2.0}, p);
        SeriesState before = s.copy();
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> f.observe(s, Double.NaN, new double[] {2.0}, p));
        assertTrue(nan.getMessage().contains("finite"), nan.getMessage());
        IllegalArgumentException inf = assertThrows(IllegalArgumentException.class,
                () -> f.observe(s, 1.0, new double[] {Double.POSITIVE_INFINITY}, p));
        assertTrue(inf.getMessage().contains("temp"), inf.getMessage());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> f.observe(s, 1.0, new double[0], p));
        assertTrue(count.getMessage().contains("expected 1 features"), count.getMessage());
        assertEquals(before, s);
    }

    @ParameterizedTest
    @EnumSource(TargetType.class)
    void aHugeSpikeNeverMakesWeightsOrForecastsNaN(TargetType target) {
        double[] y = Fixtures.noisySine(3000, 25, 0.1, 4);
        y[1000] = 1e9;
        y[2000] = -1e9;
        ModelConfig c = config().toBuilder().target(target).scalerHalfLife(300).build();
        OnlineForecaster f = new OnlineForecaster(c);
        SeriesState s = f.newState("k");
        Prediction p = new Prediction();
        for (double v : y) {
            f.observe(s, v, null, p);
            assertTrue(Double.isFinite(p.forecast) && Fixtures.intervalOrNone(p.lower, p.upper));
        }
        for (double w : f.layout().flatten(s.params)) {
            assertTrue(Double.isFinite(w));
        }
        // and it still tracks the series afterwards
        assertTrue(Math.abs(p.forecast - y[y.length - 1]) < 2.0, "last forecast " + p.forecast);
    }

    @ParameterizedTest
    @EnumSource(TargetType.class)
    void aConstantSeriesIsForecastAsItselfWithoutNaN(TargetType target) {
        OnlineForecaster f = new OnlineForecaster(config().toBuilder().target(target).build());
        SeriesState s = f.newState("k");
        Prediction p = new Prediction();
        for (int t = 0; t < 500; t++) {
            f.observe(s, 1234.5, null, p);
            assertTrue(Double.isFinite(p.forecast));
        }
        assertEquals(1234.5, p.forecast, 1e-3);
        for (double w : f.layout().flatten(s.params)) {
            assertTrue(Double.isFinite(w));
        }
    }

    @Test
    void forecastsComeBackInTheSeriesOwnUnits() {
        double[] y = Fixtures.noisySine(3000, 40, 0.05, 5);
        for (int i = 0; i < y.length; i++) {
            y[i] = 50_000 + 2_000 * y[i];
        }
        double[] mse = secondHalfMse(config(), y);
        assertTrue(mse[0] < 0.7 * mse[1], "model " + mse[0] + " vs persistence " + mse[1]);
    }

    @Test
    void trainsEveryK1EventsAndCountsUpdates() {
        ModelConfig c = config().toBuilder().k1(5).k2(12).build();
        OnlineForecaster f = new OnlineForecaster(c);
        SeriesState s = f.newState("k");
        Prediction p = new Prediction();
        for (int t = 1; t <= 103; t++) {
            f.observe(s, Math.sin(t), null, p);
            assertEquals(t % 5 == 0, p.trained, "event " + t);
        }
        assertEquals(103, s.events);
        assertEquals(20, s.updates);
    }

    @Test
    void intervalCoversRoughlyItsLevelOnStationaryNoise() {
        double[] y = Fixtures.ar2(8000, 0.5, 0.0, 1.0, 6);
        OnlineForecaster f = new OnlineForecaster(config());
        SeriesState s = f.newState("k");
        Prediction p = new Prediction();
        int inside = 0;
        int scored = 0;
        double lower = 0;
        double upper = 0;
        for (int t = 0; t < y.length; t++) {
            if (t > 2000) {
                scored++;
                inside += y[t] >= lower && y[t] <= upper ? 1 : 0;
            }
            f.observe(s, y[t], null, p);
            lower = p.lower;
            upper = p.upper;
        }
        double coverage = inside / (double) scored;
        assertTrue(coverage > 0.85 && coverage < 0.95, "coverage " + coverage);
    }

    static SeriesState run(ModelConfig c, String key, double[] y) {
        OnlineForecaster f = new OnlineForecaster(c);
        SeriesState s = f.newState(key);
        Prediction p = new Prediction();
        for (double v : y) {
            f.observe(s, v, null, p);
        }
        return s;
    }
}
