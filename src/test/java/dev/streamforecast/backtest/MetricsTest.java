package dev.streamforecast.backtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricsTest {
    // actual, forecast, lower, upper, persistence
    static final double[][] POINTS = {
        {1, 1.5, 1, 2, 0},
        {2, 2, 1, 3, 1},
        {0, 0, 0.5, 1, 2},
        {-1, 1, -3, -1, 0},
    };

    static Metrics all() {
        Metrics m = new Metrics();
        for (double[] p : POINTS) {
            m.add(p[0], p[1], p[2], p[3], p[4]);
        }
        return m;
    }

    @Test
    void pointErrorsMatchHandComputedValues() {
        Metrics m = all();
        assertEquals(4, m.count());
        // |e| = 0.5, 0, 0, 2
        assertEquals(0.625, m.mae(), 1e-15);
        assertEquals((0.25 + 4) / 4, m.mse(), 1e-15);
        assertEquals(Math.sqrt(1.0625), m.rmse(), 1e-15);
    }

    @Test
    void smapeIsInPercentAndCountsZeroOverZeroAsAPerfectForecast() {
        // 2|e|/(|A|+|F|) = 1/2.5, 0, 0/0 -> 0, 4/2
        assertEquals(100 * (0.4 + 0 + 0 + 2) / 4, all().smape(), 1e-12);
    }

    @Test
    void maseDividesByPersistenceErrorOnTheSamePoints() {
        // sum |e| = 2.5; persistence |A - P| = 1, 1, 2, 1
        assertEquals(0.5, all().mase(), 1e-15);
        assertEquals(4, all().scaledCount());
    }

    @Test
    void maseIgnoresPointsAddedWithoutAPersistenceForecast() {
        Metrics m = new Metrics();
        m.add(1, 1.5, 0);     // |e| 0.5 against naive 1
        m.add(10, 0);         // no reference: counts for MAE only
        assertEquals(0.5, m.mase(), 1e-15);
        assertEquals(1, m.scaledCount());
        assertEquals(5.25, m.mae(), 1e-15);
    }

    @Test
    void maseIsUndefinedWhenPersistenceIsExactOrAbsent() {
        Metrics m = new Metrics();
        m.add(1, 2);
        assertTrue(Double.isNaN(m.mase()));
        m.add(1, 2, 1);
        assertTrue(Double.isNaN(m.mase()));
    }

    @Test
    void intervalCoverageAndMeanWidthCountBoundsAsInside() {
        Metrics m = all();
        // [1,2]∋1, [1,3]∋2, [0.5,1]∌0, [-3,-1]∋-1
        assertEquals(0.75, m.coverage(), 1e-15);
        assertEquals((1 + 2 + 0.5 + 2) / 4, m.meanWidth(), 1e-15);
        assertEquals(4, m.intervalCount());
    }

    @Test
    void intervalFiguresCoverOnlyPointsAddedWithAnInterval() {
        Metrics m = new Metrics();
        m.add(1, 1, 0, 2, Double.NaN);
        m.add(5, 1);
        assertEquals(1.0, m.coverage());
        assertEquals(2.0, m.meanWidth());
        assertEquals(1, m.intervalCount());
        assertEquals(2, m.count());
    }

    @Test
    void mergingAccumulatorsEqualsAccumulatingEverything() {
        Metrics a = new Metrics();
        Metrics b = new Metrics();
        for (int i = 0; i < POINTS.length; i++) {
            double[] p = POINTS[i];
            (i < 1 ? a : b).add(p[0], p[1], p[2], p[3], p[4]);
        }
        Metrics merged = new Metrics().merge(a).merge(b);
        Metrics all = all();
        assertEquals(all.count(), merged.count());
        assertEquals(all.mse(), merged.mse(), 1e-15);
        assertEquals(all.mae(), merged.mae(), 1e-15);
        assertEquals(all.smape(), merged.smape(), 1e-12);
        assertEquals(all.mase(), merged.mase(), 1e-15);
        assertEquals(all.coverage(), merged.coverage(), 1e-15);
        assertEquals(all.meanWidth(), merged.meanWidth(), 1e-15);
    }

    @Test
    void pooledFiguresAreMeansOverAllPointsNotMeansOfSeriesMeans() {
        Metrics a = new Metrics();
        a.add(0, 1);
        Metrics b = new Metrics();
        b.add(0, 3);
        b.add(0, 3);
        assertEquals((1 + 9 + 9) / 3.0, new Metrics().merge(a).merge(b).mse(), 1e-15);
    }

    @Test
    void anEmptyAccumulatorReportsNaNNotZero() {
        Metrics m = new Metrics();
        assertEquals(0, m.count());
        assertTrue(Double.isNaN(m.mse()));
        assertTrue(Double.isNaN(m.mae()));
        assertTrue(Double.isNaN(m.smape()));
        assertTrue(Double.isNaN(m.coverage()));
    }

    @Test
    void invalidPointsAreRefused() {
        Metrics m = new Metrics();
        assertThrows(IllegalArgumentException.class, () -> m.add(1, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> m.add(Double.POSITIVE_INFINITY, 1));
        assertThrows(IllegalArgumentException.class, () -> m.add(1, 1, 2, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> m.add(1, 1, 0, Double.NaN, 0));
        assertThrows(IllegalArgumentException.class, () -> m.add(1, 1, Double.POSITIVE_INFINITY));
        assertEquals(0, m.count());
    }
}
