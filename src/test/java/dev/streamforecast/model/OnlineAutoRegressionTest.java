package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.testutil.Allocations;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OnlineAutoRegressionTest {
    private static final double NO_CLIP = Double.POSITIVE_INFINITY;

    /** y_t = y_{t-1} + d_t with d_t = c + a1 d_{t-1} + a2 d_{t-2} + sigma N(0, 1). */
    static double[] integratedAr2(int n, double c, double a1, double a2, double sigma, long seed) {
        Random rnd = new Random(seed);
        double[] y = new double[n];
        double d1 = 0;
        double d2 = 0;
        for (int t = 1; t < n; t++) {
            double d = c + a1 * d1 + a2 * d2 + sigma * rnd.nextGaussian();
            y[t] = y[t - 1] + d;
            d2 = d1;
            d1 = d;
        }
        return y;
    }

    static OnlineAutoRegression.State run(OnlineAutoRegression m, double[] y) {
        OnlineAutoRegression.State s = m.newState();
        for (double v : y) {
            m.observe(s, v);
        }
        return s;
    }

    static byte[] bytes(OnlineAutoRegression.State s) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        s.writeTo(new DataOutputStream(bos));
        return bos.toByteArray();
    }

    static OnlineAutoRegression.State read(byte[] b) throws IOException {
        return OnlineAutoRegression.State.readFrom(new DataInputStream(new ByteArrayInputStream(b)));
    }

    @Test
    void recoversTheCoefficientsOfAnAr2OnDifferences() {
        double[] y = integratedAr2(20_000, 0, 0.6, -0.3, 1.0, 1);
        OnlineAutoRegression.State s = run(new OnlineAutoRegression(2, 1.0, 100, false, 8), y);
        assertEquals(0.6, s.theta[0], 0.02);
        assertEquals(-0.3, s.theta[1], 0.02);
    }

    @Test
    void higherOrderLagsOfAnAr2ComeOutNearZero() {
        double[] y = integratedAr2(20_000, 0, 0.6, -0.3, 1.0, 2);
        OnlineAutoRegression.State s = run(new OnlineAutoRegression(24, 1.0, 100, false, 8), y);
        assertEquals(0.6, s.theta[0], 0.03);
        assertEquals(-0.3, s.theta[1], 0.03);
        for (int i = 2; i < 24; i++) {
            assertEquals(0, s.theta[i], 0.03, "lag " + (i + 1));
        }
    }

    @Test
    void theInterceptRecoversADriftInTheDifferences() {
        double[] y = integratedAr2(20_000, 0.2, 0.5, 0, 1.0, 3);
        OnlineAutoRegression.State s = run(new OnlineAutoRegression(1, 1.0, 100, true, 8), y);
        assertEquals(0.5, s.theta[0], 0.02);
        assertEquals(0.2, s.theta[1], 0.03);
    }

    /**
     * RLS after K rows is exactly weighted ridge regression:
     * theta = (lambda^K I / p0 + sum_k lambda^(K-k) x_k x_k')^-1 sum_k lambda^(K-k) x_k d_k, with
     * p0 = delta / ms the prior P was set to at the first update.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void matchesWeightedRidgeRegressionSolvedDirectly(boolean intercept) {
        int p = 5;
        double lambda = 0.98;
        double delta = 10;
        double[] y = integratedAr2(400, 0.1, 0.4, 0.2, 1.0, 4);
        OnlineAutoRegression m = new OnlineAutoRegression(p, lambda, delta, intercept, NO_CLIP);
        OnlineAutoRegression.State s = run(m, y);

        int n = m.parameters();
        double[] d = new double[y.length];
        for (int t = 1; t < y.length; t++) {
            d[t] = y[t] - y[t - 1];
        }
        // Rows: target d_t with regressor [d_{t-1}, ..., d_{t-p}, (1)], once p earlier differences exist.
        int first = p + 1;
        int rows = y.length - first;
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        DMatrixRMaj b = new DMatrixRMaj(n, 1);
        double[] x = new double[n];
        for (int t = first; t < y.length; t++) {
            double w = Math.pow(lambda, y.length - 1 - t);
            for (int i = 0; i < p; i++) {
                x[i] = d[t - 1 - i];
            }
            if (intercept) {
                x[p] = 1;
            }
            for (int i = 0; i < n; i++) {
                b.add(i, 0, w * x[i] * d[t]);
                for (int j = 0; j < n; j++) {
                    a.add(i, j, w * x[i] * x[j]);
                }
            }
        }
        assertTrue(s.prior > 0 && s.prior != delta, "prior " + s.prior);
        for (int i = 0; i < n; i++) {
            a.add(i, i, Math.pow(lambda, rows) / s.prior);
        }
        DMatrixRMaj theta = new DMatrixRMaj(n, 1);
        assertTrue(CommonOps_DDRM.solve(a, b, theta));
        for (int i = 0; i < n; i++) {
            assertEquals(theta.get(i, 0), s.theta[i], 1e-9 * (1 + Math.abs(theta.get(i, 0))), "theta " + i);
        }

        double expected = y[y.length - 1];
        for (int i = 0; i < p; i++) {
            expected += theta.get(i, 0) * d[y.length - 1 - i];
        }
        if (intercept) {
            expected += theta.get(p, 0);
        }
        assertEquals(expected, m.forecast(s), 1e-9);
        assertEquals(0, s.resets);
    }

    @Test
    void forecastsPersistenceUntilOrderDifferencesAreKnown() {
        OnlineAutoRegression m = new OnlineAutoRegression(3, 1.0, 100, false, 8);
        OnlineAutoRegression.State s = m.newState();
        assertTrue(Double.isNaN(m.forecast(s)));
        assertEquals(1.0, m.observe(s, 1.0));
        assertEquals(3.0, m.observe(s, 3.0));
        assertEquals(2.0, m.observe(s, 2.0));
        // Now three differences are known: theta is still 0, so still persistence, but it starts learning.
        assertEquals(5.0, m.observe(s, 5.0));
        m.observe(s, 4.0);
        assertTrue(s.theta[0] != 0);
    }

    @Test
    void observeReturnsWhatForecastRepeatsWithoutLearning() {
        OnlineAutoRegression m = new OnlineAutoRegression();
        OnlineAutoRegression.State s = m.newState();
        double[] y = integratedAr2(500, 0, 0.5, 0.1, 1.0, 5);
        for (double v : y) {
            double f = m.observe(s, v);
            OnlineAutoRegression.State before = s.copy();
            assertEquals(f, m.forecast(s));
            assertEquals(before, s);
        }
    }

    @Test
    void binaryRoundTripIsBitExactAndForecastsContinueIdentically() throws IOException {
        OnlineAutoRegression m = new OnlineAutoRegression(6, 0.999, 100, true, 8);
        double[] y = integratedAr2(3_000, 0.05, 0.5, -0.2, 1.0, 6);
        OnlineAutoRegression.State s = m.newState();
        for (int t = 0; t < 2_000; t++) {
            m.observe(s, y[t]);
        }
        byte[] b = bytes(s);
        assertEquals(s.stateSize(), b.length);
        OnlineAutoRegression.State back = read(b);
        assertEquals(s, back);
        assertArrayEquals(b, bytes(back));
        for (int t = 2_000; t < y.length; t++) {
            assertEquals(Double.doubleToRawLongBits(m.observe(s, y[t])),
                    Double.doubleToRawLongBits(m.observe(back, y[t])));
        }
        assertArrayEquals(bytes(s), bytes(back));
    }

    @Test
    void copyIsDeepAndComplete() throws IOException {
        OnlineAutoRegression m = new OnlineAutoRegression();
        OnlineAutoRegression.State s = run(m, integratedAr2(300, 0, 0.5, 0, 1, 7));
        OnlineAutoRegression.State c = s.copy();
        assertEquals(s, c);
        assertNotSame(s.covariance, c.covariance);
        assertArrayEquals(bytes(s), bytes(c));
        m.observe(c, 1e3);
        assertTrue(!s.equals(c));
    }

    @Test
    void anUnknownSchemaVersionIsRefusedWithItsNumber() throws IOException {
        byte[] b = bytes(new OnlineAutoRegression().newState());
        b[3] = 99;
        IOException e = assertThrows(IOException.class, () -> read(b));
        assertTrue(e.getMessage().contains("99"), e.getMessage());
    }

    @Test
    void aCorruptShapeIsRefusedBeforeAllocating() throws IOException {
        byte[] b = bytes(new OnlineAutoRegression().newState());
        b[4] = 0x7f; // order 2^30 + 24
        assertThrows(IOException.class, () -> read(b));
    }

    @Test
    void aStateOfAnotherShapeIsRefused() {
        OnlineAutoRegression.State s = new OnlineAutoRegression(4, 1, 1, false, 8).newState();
        OnlineAutoRegression other = new OnlineAutoRegression(4, 1, 1, true, 8);
        assertThrows(IllegalArgumentException.class, () -> other.observe(s, 1.0));
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void nonFiniteInputIsRefusedAndTheStateLeftUntouched(double bad) {
        OnlineAutoRegression m = new OnlineAutoRegression();
        OnlineAutoRegression.State s = run(m, integratedAr2(100, 0, 0.5, 0, 1, 8));
        OnlineAutoRegression.State before = s.copy();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.observe(s, bad));
        assertTrue(e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        assertEquals(before, s);
    }

    static double mse(double[] y, double[] f, int from, int to) {
        double sum = 0;
        for (int t = from; t < to; t++) {
            double e = y[t] - f[t - 1];
            sum += e * e;
        }
        return sum / (to - from);
    }

    static double[] forecasts(OnlineAutoRegression m, double[] y) {
        OnlineAutoRegression.State s = m.newState();
        double[] f = new double[y.length];
        for (int t = 0; t < y.length; t++) {
            f[t] = m.observe(s, y[t]);
            assertTrue(Double.isFinite(f[t]), "forecast after step " + t + " is " + f[t]);
        }
        return f;
    }

    @Test
    void aSpikeOf1e9GivesFiniteForecastsAndTheFitRecovers() {
        double[] y = integratedAr2(6_000, 0, 0.6, -0.3, 1.0, 9);
        double before = mse(y, forecasts(new OnlineAutoRegression(), y), 3_000, 6_000);
        y[2_000] = 1e9;
        double after = mse(y, forecasts(new OnlineAutoRegression(), y), 3_000, 6_000);
        assertEquals(before, after, 0.05 * before);
    }

    /**
     * Why differences are winsorised: the spike's rows, weighted 1e18 in the least squares, pin theta
     * (theta_0 goes to about -1) long after forgetting should have dropped them.
     */
    @Test
    void withoutWinsorisingASpikeRuinsTheFitForThousandsOfSteps() {
        double[] y = integratedAr2(6_000, 0, 0.6, -0.3, 1.0, 9);
        OnlineAutoRegression raw = new OnlineAutoRegression(24, 0.9995, 100, false, NO_CLIP);
        double before = mse(y, forecasts(raw, y), 3_000, 6_000);
        y[2_000] = 1e9;
        assertTrue(mse(y, forecasts(raw, y), 3_000, 6_000) > 10 * before);
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 0.999, 0.99})
    void aConstantSeriesIsForecastExactlyAndSetsNoCovarianceUntilItMoves(double lambda) {
        OnlineAutoRegression m = new OnlineAutoRegression(24, lambda, 100, false, 8);
        OnlineAutoRegression.State s = m.newState();
        for (int t = 0; t < 20_000; t++) {
            assertEquals(42.5, m.observe(s, 42.5));
        }
        // Nothing has moved: no information, no scale for a prior, so P is never set and cannot grow.
        assertEquals(0, s.prior);
        assertEquals(0, s.updates);
        // And it learns once the series moves.
        double[] y = integratedAr2(2_000, 0, 0.5, 0, 1, 10);
        for (double v : y) {
            assertTrue(Double.isFinite(m.observe(s, 42.5 + v)));
        }
        assertTrue(s.prior > 0 && s.updates > 1_000);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.999, 0.99})
    void aSeriesThatStopsMovingResetsTheCovarianceForgettingInflates(double lambda) {
        OnlineAutoRegression m = new OnlineAutoRegression(24, lambda, 100, false, 8);
        OnlineAutoRegression.State s = m.newState();
        double[] y = integratedAr2(1_000, 0, 0.5, 0, 1, 12);
        for (double v : y) {
            m.observe(s, v);
        }
        double last = y[y.length - 1];
        for (int t = 0; t < 30_000; t++) {
            double f = m.observe(s, last);
            if (t >= 24) { // once the moves have left the lags
                assertEquals(last, f);
            }
        }
        for (double v : s.covariance) {
            assertTrue(Double.isFinite(v));
        }
        // P = P / lambda without information grows past the bound: it must have been reset.
        assertTrue(s.resets > 0);
    }

    @Test
    void extremeButFiniteValuesNeverGiveNonFiniteForecastsOrState() {
        OnlineAutoRegression m = new OnlineAutoRegression(4, 0.99, 100, true, NO_CLIP);
        OnlineAutoRegression.State s = m.newState();
        double[] values = {1, 2, 1e300, -1e300, Double.MAX_VALUE, -Double.MAX_VALUE, 1e-320, 0, 1e308, 3, -1e200,
            1e200, 5, 6, 7, 8, 9, 10, 11, 12};
        for (int round = 0; round < 50; round++) {
            for (double v : values) {
                assertTrue(Double.isFinite(m.observe(s, v)));
            }
        }
        for (double v : s.theta) {
            assertTrue(Double.isFinite(v));
        }
        for (double v : s.covariance) {
            assertTrue(Double.isFinite(v));
        }
        assertTrue(Double.isFinite(s.meanSquare));
    }

    @ParameterizedTest
    @ValueSource(doubles = {3e-3, 1.0, 7e4})
    void thePoolHoldsAKeysExtrasAsTheUnitlessInputsGivenWhateverTheKeysScale(double scale) {
        PooledCovariance pool = new PooledCovariance(3, 1.0);
        OnlineAutoRegression m = OnlineAutoRegression.of(2, 1.0, 1.0, NO_CLIP, NO_CLIP, 1, 1, pool);
        OnlineAutoRegression.State s = m.newState();
        double[] constant = {1.0};
        for (double v : integratedAr2(500, 0, 0.5, 0.1, scale, 3)) {
            m.observe(s, v, constant);
        }
        assertTrue(pool.rows() > PooledCovariance.REFRESH, pool.rows() + " rows pooled");
        // every row's extra is 1: its second moment is the rows' total weight, as for a key of any other scale
        double weight = pool.weight + pool.blockWeight;
        assertEquals(weight, pool.moments[2][2] + pool.block[2][2], 1e-12 * weight);
    }

    @Test
    void observeAllocatesNothing() {
        OnlineAutoRegression m = new OnlineAutoRegression();
        OnlineAutoRegression.State s = m.newState();
        double[] y = integratedAr2(50_000, 0, 0.5, 0.1, 1, 11);
        for (int t = 0; t < 10_000; t++) {
            m.observe(s, y[t]);
        }
        double[] sink = {0};
        long allocated = Allocations.measure(() -> {
            for (int t = 10_000; t < y.length; t++) {
                sink[0] += m.observe(s, y[t]);
            }
        });
        assertTrue(Double.isFinite(sink[0]));
        // A few bytes of slack for the measurement itself; 40,000 calls allocating anything would be more.
        assertTrue(allocated < 1_000, allocated + " bytes allocated by 40,000 observe calls");
    }
}
