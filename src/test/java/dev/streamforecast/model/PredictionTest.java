package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleFunction;
import org.junit.jupiter.api.Test;

/** When a forecast has an interval: the same rule for every step and both model scopes. */
class PredictionTest {

    private static final int EVENTS = 300;

    private static double value(int t) {
        return 20 + Math.sin(0.3 * t) + 0.2 * Math.sin(1.7 * t);
    }

    /** A key-scope forecaster of four steps, fed one key: the prediction after each value. */
    private static DoubleFunction<Prediction> keyScope() {
        OnlineForecaster f = new OnlineForecaster(ModelConfig.builder().horizon(4).build());
        SeriesState s = f.newState("k");
        Prediction p = new Prediction(4);
        long[] ts = {0};
        return v -> {
            f.observe(s, ts[0] += 3_600_000L, v, null, p);
            return p;
        };
    }

    /** A shared-scope forecaster, fed one key. */
    private static DoubleFunction<Prediction> sharedScope() {
        OnlineForecaster f = new OnlineForecaster(ModelConfig.builder().scope(ModelScope.SHARED).build());
        SeriesState s = f.newState("k");
        Prediction p = new Prediction();
        long[] ts = {1_700_000_000_000L};
        return v -> {
            f.observe(s, OnlineForecaster.keyHash("k"), ts[0] += 3_600_000L, v, null, p);
            return p;
        };
    }

    @Test
    void aKeysFirstTwoForecastsHaveNoIntervalAndEveryLaterOneHasOneAroundTheForecastInBothScopes() {
        for (DoubleFunction<Prediction> scope : java.util.List.of(keyScope(), sharedScope())) {
            for (int t = 0; t < EVENTS; t++) {
                Prediction p = scope.apply(value(t));
                for (int h = 0; h < p.horizon(); h++) {
                    if (t < 2) {
                        // one value, then one change: nothing the interval could be scaled by
                        assertFalse(p.hasInterval(h), "event " + (t + 1));
                        assertTrue(Double.isNaN(p.lowers[h]) && Double.isNaN(p.uppers[h]));
                    } else {
                        assertTrue(p.lowers[h] < p.forecasts[h] && p.forecasts[h] < p.uppers[h],
                                "event " + (t + 1) + " step " + (h + 1) + ": " + p.forecasts[h] + " ["
                                        + p.lowers[h] + ", " + p.uppers[h] + "]");
                    }
                }
                assertEquals(p.lowers[0], p.lower);
                assertEquals(p.uppers[0], p.upper);
            }
        }
    }

    @Test
    void aKeyThatHasNeverChangedHasNoIntervalRatherThanOneOfZeroWidthInBothScopes() {
        for (DoubleFunction<Prediction> scope : java.util.List.of(keyScope(), sharedScope())) {
            for (int t = 0; t < 50; t++) {
                Prediction p = scope.apply(7.0);
                assertEquals(7.0, p.forecast);
                assertFalse(p.hasInterval(0), "event " + (t + 1) + ": [" + p.lower + ", " + p.upper + "]");
            }
            scope.apply(8.0);
            scope.apply(7.5);
            Prediction p = scope.apply(7.0);
            assertTrue(p.lower < p.forecast && p.forecast < p.upper, "after it moved: [" + p.lower + ", " + p.upper + "]");
        }
    }

    @Test
    void aHalfWidthThatIsZeroOrBelowTheForecastsPrecisionIsNoInterval() {
        Prediction p = new Prediction(3);
        p.write(0, 1.5, 0.25, 0);
        p.write(1, 1.5, 0.0, 0);
        p.write(2, 1.0, 1e-20, 60); // 2^60 units: 1.15e18 +- 1.15e-2
        assertEquals(1.25, p.lower);
        assertEquals(1.75, p.upper);
        assertTrue(p.hasInterval(0));
        assertFalse(p.hasInterval(1));
        assertEquals(1.5, p.forecasts[1]);
        assertFalse(p.hasInterval(2));
        assertEquals(Math.scalb(1.0, 60), p.forecasts[2]);
    }
}
