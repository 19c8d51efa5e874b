package dev.streamforecast.backtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.model.OnlineAutoRegression;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BaselinesTest {

    static Stream<Supplier<Baseline>> all() {
        return Stream.of(Persistence::new, () -> new SeasonalNaive(5), Holt::new, () -> new Holt(0.5, 0.2, 1),
                AutoRegressive::new);
    }

    static double[] walk(int n, long seed) {
        Random rnd = new Random(seed);
        double[] y = new double[n];
        for (int t = 1; t < n; t++) {
            y[t] = y[t - 1] + rnd.nextGaussian() + Math.sin(t / 3.0);
        }
        return y;
    }

    @ParameterizedTest
    @MethodSource("all")
    void sameValuesGiveBitIdenticalForecasts(Supplier<Baseline> factory) {
        Baseline a = factory.get();
        Baseline b = factory.get();
        for (double v : walk(2_000, 1)) {
            a.observe(v);
            b.observe(v);
            assertEquals(Double.doubleToRawLongBits(a.forecast()), Double.doubleToRawLongBits(b.forecast()));
            assertTrue(Double.isFinite(a.forecast()));
        }
    }

    @ParameterizedTest
    @MethodSource("all")
    void forecastIsNaNBeforeTheFirstValueAndNonFiniteValuesAreRefused(Supplier<Baseline> factory) {
        Baseline b = factory.get();
        assertTrue(Double.isNaN(b.forecast()));
        assertThrows(IllegalArgumentException.class, () -> b.observe(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> b.observe(Double.NEGATIVE_INFINITY));
        assertTrue(!b.name().isBlank());
    }

    @Test
    void persistenceForecastsTheLastValue() {
        Persistence p = new Persistence();
        p.observe(3);
        assertEquals(3, p.forecast());
        p.observe(-1.5);
        assertEquals(-1.5, p.forecast());
    }

    @Test
    void seasonalNaiveRepeatsTheValueASeasonBackAfterPersistenceWhileHistoryIsShort() {
        SeasonalNaive s = new SeasonalNaive(3);
        double[] y = {1, 2, 3, 4, 5, 6, 7};
        double[] expected = {1, 2, /* y_{t+1-3}: */ 1, 2, 3, 4, 5};
        for (int t = 0; t < y.length; t++) {
            s.observe(y[t]);
            assertEquals(expected[t], s.forecast(), "after y[" + t + "]");
        }
    }

    @Test
    void seasonalNaiveOfSeasonOneIsPersistence() {
        SeasonalNaive s = new SeasonalNaive(1);
        Persistence p = new Persistence();
        for (double v : walk(100, 2)) {
            s.observe(v);
            p.observe(v);
            assertEquals(p.forecast(), s.forecast());
        }
        assertThrows(IllegalArgumentException.class, () -> new SeasonalNaive(0));
    }

    @Test
    void holtMatchesHandComputedSmoothing() {
        Holt h = new Holt(0.5, 0.5, 1);
        h.observe(1);    // l = 1, b = 0
        assertEquals(1, h.forecast());
        h.observe(3);    // l = 0.5*3 + 0.5*(1+0) = 2, b = 0.5*(2-1) + 0.5*0 = 0.5
        assertEquals(2.5, h.forecast(), 1e-15);
        h.observe(4);    // l = 0.5*4 + 0.5*2.5 = 3.25, b = 0.5*1.25 + 0.5*0.5 = 0.875
        assertEquals(4.125, h.forecast(), 1e-15);

        Holt damped = new Holt(0.5, 0.5, 0.5);
        damped.observe(1);
        damped.observe(3);  // l = 2, b = 0.5*1 + 0.5*0.5*0 = 0.5, forecast = 2 + 0.5*0.5
        assertEquals(2.25, damped.forecast(), 1e-15);
    }

    @Test
    void undampedHoltLearnsALinearTrendExactly() {
        Holt h = new Holt(0.8, 0.3, 1);
        for (int t = 0; t < 500; t++) {
            h.observe(2 + 0.5 * t);
        }
        assertEquals(2 + 0.5 * 500, h.forecast(), 1e-9);
    }

    @Test
    void holtWithAlphaOneAndBetaZeroIsPersistence() {
        Holt h = new Holt(1, 0, 1);
        Persistence p = new Persistence();
        for (double v : walk(100, 3)) {
            h.observe(v);
            p.observe(v);
            assertEquals(p.forecast(), h.forecast());
        }
    }

    @Test
    void holtRefusesSettingsOutsideTheirRanges() {
        assertThrows(IllegalArgumentException.class, () -> new Holt(0, 0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Holt(0.5, 1.1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Holt(0.5, 0.1, 0));
    }

    @Test
    void autoRegressiveForecastsWhatTheModelReturns() {
        OnlineAutoRegression model = new OnlineAutoRegression(3, 1, 100, false, 8);
        OnlineAutoRegression.State s = model.newState();
        AutoRegressive ar = new AutoRegressive(model);
        for (double v : walk(300, 4)) {
            ar.observe(v);
            assertEquals(model.observe(s, v), ar.forecast());
        }
        assertEquals(s, ar.state());
        assertEquals("ar(3)", ar.name());
        assertEquals("ar(24, lambda=0.9995)", new AutoRegressive().name());
    }

    @Test
    void autoRegressiveBaselinesSharingAModelKeepTheirSeriesApart() {
        OnlineAutoRegression model = new OnlineAutoRegression();
        List<double[]> series = List.of(walk(500, 5), walk(500, 6));
        AutoRegressive a = new AutoRegressive(model);
        AutoRegressive b = new AutoRegressive(model);
        AutoRegressive alone = new AutoRegressive(new OnlineAutoRegression());
        for (int t = 0; t < 500; t++) {
            a.observe(series.get(0)[t]);
            b.observe(series.get(1)[t]);
            alone.observe(series.get(0)[t]);
            assertEquals(alone.forecast(), a.forecast());
        }
    }
}
