package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.streamforecast.testutil.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class SeriesStateTest {

    /**
     * A state with a non-default value in every field: values around 1000 and a feature up to 0.06 (so
     * both columns' units differ from 1), and a spike near the end (so the linear part holds a lag it
     * does not trust).
     */
    static SeriesState trained(CellType cell) {
        ModelConfig c = ModelConfig.builder().cell(cell).layers(2).hidden(6).features(List.of("a"))
                .k1(3).k2(7).build();
        OnlineForecaster f = new OnlineForecaster(c);
        SeriesState s = f.newState("key");
        Prediction p = new Prediction();
        double[] y = Fixtures.noisySine(200, 17, 0.1, 9);
        for (int t = 0; t < y.length; t++) {
            // a move to 1e7 for three events (a move the guard keeps, the linear part's lags weighed down by
            // it), and a spike as the last event (held out of the memory, and still held)
            boolean far = (t >= 185 && t < 188) || t == 199;
            f.observe(s, far ? 1e7 : 1000 * y[t], new double[] {0.01 * (t % 7)}, p);
        }
        return s;
    }

    /** Asserts that every number {@code s} holds is finite: what the model promises to store. */
    static void assertAllFinite(SeriesState s, String context) {
        List<double[]> arrays = new ArrayList<>();
        for (double[][] t : List.of(s.params, s.adamM, s.adamV)) {
            arrays.addAll(Arrays.asList(t));
        }
        arrays.addAll(List.of(s.hidden, s.snapshots, s.window, s.mean, s.variance, s.linearWindow, s.magnitude,
                s.heldOut, new double[] {s.deltaMean, s.deltaVariance, s.lastValue, s.lastForecast,
                    s.residualVariance, s.changeLog, s.errorLog}));
        if (s.linear != null) {
            OnlineAutoRegression.State l = s.linear;
            arrays.addAll(List.of(l.theta, l.covariance, l.lags, l.lagWeights,
                    new double[] {l.last, l.meanSquare, l.prior, l.innovation}));
        }
        for (double[] a : arrays) {
            for (double v : a) {
                if (!Double.isFinite(v)) { // the message only then: built for every value, it cost seconds per run
                    fail(context + ": the state holds " + v);
                }
            }
        }
    }

    static byte[] bytes(SeriesState s) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        s.writeTo(new DataOutputStream(bos));
        return bos.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void binaryRoundTripIsBitExact(CellType cell) throws IOException {
        SeriesState s = trained(cell);
        SeriesState back = SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes(s))));
        assertEquals(s, back);
        assertEquals(java.util.Arrays.toString(bytes(s)), java.util.Arrays.toString(bytes(back)));
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void parametersAndMomentsAreKeptAtFloat32PrecisionAndStoredInFourBytes(CellType cell) throws IOException {
        SeriesState s = trained(cell);
        int values = 0;
        for (double[] t : s.params) {
            values += t.length;
            for (double v : t) {
                assertTrue(Float32.isExact(v), v + " is not a float32 value");
            }
        }
        // version, tensor count, then per tensor its length, four bytes a value and a count of escapes
        int tensorHeaders = 4 + 8 * s.params.length;
        assertEquals(4 + tensorHeaders + 4 * values, part(s, SeriesState.Part.WEIGHTS).length);
        assertEquals(4 + 2 * (tensorHeaders + 4 * values) + 8, part(s, SeriesState.Part.MOMENTS).length);
    }

    private static byte[] part(SeriesState s, SeriesState.Part part) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        s.write(part, new DataOutputStream(bos));
        return bos.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void partsStoredApartReassembleTheWholeState(CellType cell) throws IOException {
        SeriesState s = trained(cell);
        SeriesState whole = new SeriesState();
        for (SeriesState.Part part : SeriesState.Part.values()) {
            SeriesState alone = new SeriesState();
            alone.read(part, new DataInputStream(new ByteArrayInputStream(part(s, part))));
            for (SeriesState.Part other : SeriesState.Part.values()) {
                assertEquals(other == part, alone.has(other), part + " read alone holds " + other);
            }
            whole.adopt(part, alone);
        }
        assertEquals(s, whole);
        SeriesState copied = new SeriesState();
        for (SeriesState.Part part : SeriesState.Part.values()) {
            SeriesState c = s.copy(part);
            assertEquals(java.util.Arrays.toString(part(s, part)), java.util.Arrays.toString(part(c, part)));
            copied.adopt(part, c);
        }
        assertEquals(s, copied);
        assertNotSame(s.hidden, copied.hidden);
        assertNotSame(s.adamM[0], copied.adamM[0]);
    }

    @Test
    void copyIsDeepAndComplete() throws IOException {
        SeriesState s = trained(CellType.LSTM);
        SeriesState c = s.copy();
        assertEquals(s, c);
        assertNotSame(s.params, c.params);
        assertEquals(java.util.Arrays.toString(bytes(s)), java.util.Arrays.toString(bytes(c)));
    }

    @Test
    void theFixtureHoldsANonDefaultValueInEveryFieldSchemaThreeAdded() {
        SeriesState s = trained(CellType.LSTM);
        assertTrue(s.exponent[0] != 0 && s.exponent[1] != 0, Arrays.toString(s.exponent));
        assertTrue(s.exponent[0] != s.exponent[1], Arrays.toString(s.exponent));
        assertTrue(s.magnitude[0] != 0 && s.magnitude[1] != 0, Arrays.toString(s.magnitude));
        assertTrue(s.nonzero[0] == 200 && s.nonzero[1] > 0 && s.nonzero[1] < 200, Arrays.toString(s.nonzero));
        assertTrue(s.changeLog != 0 && s.changes > 0);
        OnlineAutoRegression.State l = s.linear;
        assertTrue(Arrays.stream(l.lagWeights).min().getAsDouble() < 1e-6, Arrays.toString(l.lagWeights));
        assertTrue(l.prior > 0 && l.innovation > 0 && l.updates > 0);
        assertTrue(s.errorLog != 0 && s.errors > 0 && s.outlierRun == 1 && s.heldOut[0] == 1e7,
                s.errorLog + " " + s.errors + " " + s.outlierRun + " " + Arrays.toString(s.heldOut));
        assertAllFinite(s, "trained");
    }

    @Test
    void equalityNoticesEveryField() {
        SeriesState s = trained(CellType.LSTM);
        Map<String, Consumer<SeriesState>> changes = new LinkedHashMap<>();
        changes.put("params", c -> c.params[0][0] += 1);
        changes.put("adamM", c -> c.adamM[0][0] += 1);
        changes.put("adamV", c -> c.adamV[0][0] += 1);
        changes.put("adamStep", c -> c.adamStep++);
        changes.put("hidden", c -> c.hidden[0] += 1);
        changes.put("snapshots", c -> c.snapshots[0] += 1);
        changes.put("snapshotSteps", c -> c.snapshotSteps[0]++);
        changes.put("nextSnapshot", c -> c.nextSnapshot++);
        changes.put("window", c -> c.window[0] += 1);
        changes.put("mean", c -> c.mean[0] += 1);
        changes.put("variance", c -> c.variance[1] += 1);
        changes.put("deltaMean", c -> c.deltaMean += 1);
        changes.put("deltaVariance", c -> c.deltaVariance += 1);
        changes.put("events", c -> c.events++);
        changes.put("updates", c -> c.updates++);
        changes.put("lastValue", c -> c.lastValue += 1);
        changes.put("lastForecast", c -> c.lastForecast += 1);
        changes.put("residualVariance", c -> c.residualVariance += 1);
        changes.put("residuals", c -> c.residuals++);
        changes.put("linearWindow", c -> c.linearWindow[0] += 1);
        changes.put("exponent", c -> c.exponent[1]++);
        changes.put("magnitude", c -> c.magnitude[1] += 1);
        changes.put("nonzero", c -> c.nonzero[1]++);
        changes.put("changeLog", c -> c.changeLog += 1);
        changes.put("changes", c -> c.changes++);
        changes.put("linear.theta", c -> c.linear.theta[0] += 1);
        changes.put("linear.covariance", c -> c.linear.covariance[0] += 1);
        changes.put("linear.lags", c -> c.linear.lags[0] += 1);
        changes.put("linear.lagWeights", c -> c.linear.lagWeights[0] /= 2);
        changes.put("linear.head", c -> c.linear.head = (c.linear.head + 1) % c.linear.lags.length);
        changes.put("linear.filled", c -> c.linear.filled--);
        changes.put("linear.last", c -> c.linear.last += 1);
        changes.put("linear.meanSquare", c -> c.linear.meanSquare += 1);
        changes.put("linear.prior", c -> c.linear.prior += 1);
        changes.put("linear.innovation", c -> c.linear.innovation += 1);
        changes.put("linear.count", c -> c.linear.count++);
        changes.put("linear.updates", c -> c.linear.updates++);
        changes.put("linear.resets", c -> c.linear.resets++);
        changes.put("anomaly.raw", c -> c.anomaly.raw[3] += 1);
        changes.put("anomaly.largest", c -> c.anomaly.largest += 1);
        changes.put("anomaly.upper", c -> c.anomaly.upper += 1);
        changes.forEach((field, change) -> {
            SeriesState c = s.copy();
            assertEquals(s, c);
            change.accept(c);
            assertNotEquals(s, c, field + " changed, yet the states compare equal");
        });
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = SeriesStateTest.class.getResourceAsStream("/model/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    /** A continuation file's rows after its header: each value and the forecast made after it. */
    private static double[][] continuation(String name) throws IOException {
        String[] lines = new String(resource(name), StandardCharsets.UTF_8).split("\n");
        double[][] rows = new double[lines.length - 1][];
        for (int i = 1; i < lines.length; i++) {
            rows[i - 1] = Arrays.stream(lines[i].split(",")).mapToDouble(Double::parseDouble).toArray();
        }
        return rows;
    }

    /** The configuration the version-2 resources were written with (see their README). */
    private static ModelConfig version2Config() {
        return ModelConfig.builder().hidden(4).k1(4).k2(8).linearOrder(6).build();
    }

    @Test
    void aVersionTwoStateIsReadInTheSeriesOwnUnitsAndContinuesAsWellAsBefore() throws IOException {
        SeriesState s = SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(
                resource("series-state-v2.bin"))));
        assertEquals(600, s.events);
        assertEquals(0, s.exponent[0]);
        // a key around 2e5: log2 about 17.6
        assertEquals(17.6, s.magnitude[0], 0.2);
        assertEquals(600, s.nonzero[0]);
        assertTrue(s.changes > 0);
        // moves about 390 a step: log2 of a typical change about 8
        assertEquals(8, s.changeLog, 1.5);
        assertEquals(OnlineAutoRegression.DEFAULT_DELTA, s.linear.prior);
        assertAllFinite(s, "version 2 read");
        // It round-trips in schema 3 from here on.
        SeriesState again = SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes(s))));
        assertEquals(s, again);

        OnlineForecaster f = new OnlineForecaster(version2Config());
        Prediction p = new Prediction();
        String[] lines = new String(resource("series-state-v2-continuation.csv"), StandardCharsets.UTF_8)
                .split("\n");
        double errorNow = 0;
        double errorBefore = 0;
        double previousNow = s.lastForecast;
        double previousBefore = s.lastForecast;
        for (int i = 1; i < lines.length; i++) {
            String[] fields = lines[i].split(",");
            double value = Double.parseDouble(fields[0]);
            errorNow += Math.abs(value - previousNow);
            errorBefore += Math.abs(value - previousBefore);
            f.observe(s, value, null, p);
            assertTrue(!p.diverged, p.divergence);
            previousNow = p.forecast;
            previousBefore = Double.parseDouble(fields[1]);
        }
        assertTrue(errorNow < 1.05 * errorBefore, "MAE " + errorNow / 200 + " against " + errorBefore / 200
                + " from the version-2 code");
        assertAllFinite(s, "continued");
    }

    @Test
    void aVersionThreeStateIsReadWithoutAHorizonAndContinuesAsWellAsBefore() throws IOException {
        SeriesState s = SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(
                resource("series-state-v3.bin"))));
        assertEquals(600, s.events);
        assertNull(s.horizon);
        String[] lines = new String(resource("series-state-v3-continuation.csv"), StandardCharsets.UTF_8)
                .split("\n");
        // one step: another horizon is another shape (the network's outputs), which the job refuses at restore
        int horizon = 1;
        SeriesState key = s.copy();
        ModelConfig config = version2Config().toBuilder().horizon(horizon).build();
        OnlineForecaster f = new OnlineForecaster(config);
        Prediction p = new Prediction(horizon);
        double errorNow = 0;
        double errorBefore = 0;
        double previousNow = key.lastForecast;
        double previousBefore = key.lastForecast;
        for (int i = 1; i < lines.length; i++) {
            String[] fields = lines[i].split(",");
            double value = Double.parseDouble(fields[0]);
            errorNow += Math.abs(value - previousNow);
            errorBefore += Math.abs(value - previousBefore);
            f.observe(key, 1_700_000_000_000L + 3_600_000L * i, value, null, p);
            assertTrue(!p.diverged, p.divergence);
            assertTrue(p.lowers[horizon - 1] < p.forecasts[horizon - 1]
                    && p.forecasts[horizon - 1] < p.uppers[horizon - 1], "an interval from the first event on");
            previousNow = p.forecast;
            previousBefore = Double.parseDouble(fields[1]);
        }
        assertTrue(errorNow < 1.05 * errorBefore, "H=" + horizon + ": MAE " + errorNow / 200 + " against "
                + errorBefore / 200 + " from the version-3 code");
        assertAllFinite(key, "continued");
        SeriesState again = SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes(key))));
        assertEquals(key, again);
    }

    @Test
    void aVersionFourStateForecastsAsTheCodeThatWroteItToAMillionthAndItsScoresStartAfresh() throws IOException {
        SeriesState s = SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(
                resource("series-state-v4.bin"))));
        assertEquals(600, s.events);
        assertNull(s.anomaly);
        OnlineForecaster f = new OnlineForecaster(version2Config());
        Prediction p = new Prediction();
        double[][] rows = continuation("series-state-v4-continuation.csv");
        for (int i = 0; i < rows.length; i++) {
            f.observe(s, 1_700_000_000_000L + 3_600_000L * (600 + i), rows[i][0], null, p);
            // the score is no input of the model: every forecast is the old code's, but for the carried state
            // now held at float32 (a relative 1e-7 each step)
            assertEquals(rows[i][1], p.forecast, 1e-6 * Math.abs(rows[i][1]), "forecast after continuation row " + i);
            assertEquals(i < AnomalyScore.WARM_UP ? AnomalyScore.Status.WARMING_UP : AnomalyScore.Status.SCORED,
                    p.anomalyStatus, "row " + i);
        }
        assertEquals(rows.length, s.anomaly.events, "scores counted from the restore");
        SeriesState again = SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes(s))));
        assertEquals(s, again);
    }

    /**
     * A shared-scope key of the form keys of that scope had before both scopes were one forecaster, with
     * its network: it continues (its count goes on, its scores start afresh) as accurately as the code
     * that wrote it, which forecast with the hybrid alone; the one forecaster combines its candidates.
     */
    @Test
    void aSharedKeyStateOfVersionOneContinuesAsAccuratelyAsTheCodeThatWroteItAndItsScoresStartAfresh()
            throws IOException {
        SeriesState s = SharedKeyState.read(new DataInputStream(new ByteArrayInputStream(
                resource("shared-key-state-v1.bin"))));
        assertNull(s.anomaly);
        long before = s.events;
        ModelConfig c = version2Config().toBuilder().scope(ModelScope.SHARED).build();
        SharedNetwork n = SharedNetwork.readFrom(new DataInputStream(new ByteArrayInputStream(
                resource("shared-network-v1.bin"))), c);
        OnlineForecaster f = new OnlineForecaster(n);
        Prediction p = new Prediction();
        double[][] rows = continuation("shared-key-state-v1-continuation.csv");
        double ours = 0;
        double old = 0;
        for (int i = 0; i < rows.length; i++) {
            if (i > 0) {
                ours += Math.abs(rows[i][0] - p.forecast);
                old += Math.abs(rows[i][0] - rows[i - 1][1]);
            }
            f.observe(s, OnlineForecaster.keyHash("sensor-7"), Long.MIN_VALUE, rows[i][0], null, p);
            assertTrue(!p.diverged && Double.isFinite(p.forecast), "row " + i);
        }
        assertEquals(before + rows.length, s.events);
        assertTrue(ours <= 1.1 * old, "MAE " + ours / (rows.length - 1) + " against the old code's " + old / (rows.length - 1));
        assertEquals(rows.length, s.anomaly.events);
        SeriesState again = SharedScopeTest.readKey(SharedScopeTest.bytes(s));
        assertEquals(s, again);
    }

    @Test
    void aVersionTwoStateTheOldCodePoisonedIsReportedDivergedAndRestartedAfresh() throws IOException {
        SeriesState s = SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(
                resource("series-state-v2-nan.bin"))));
        assertTrue(Double.isNaN(s.variance[0]));
        OnlineForecaster f = new OnlineForecaster(version2Config());
        Prediction p = new Prediction();
        SeriesState kept = f.observeOrRestart(s, 10.5, null, p, () -> f.newState("poisoned"));
        assertTrue(p.diverged);
        assertTrue(p.divergence.contains("non-finite"), p.divergence);
        assertAllFinite(s, "the discarded state");
        assertNotSame(s, kept);
        assertEquals(1, kept.events);
        assertEquals(10.5, p.forecast);
        f.observe(kept, 11.0, null, p);
        assertTrue(!p.diverged && p.divergence == null);
    }

    @Test
    void anUnknownSchemaVersionIsRefusedWithItsNumber() throws IOException {
        byte[] b = bytes(trained(CellType.RNN));
        b[3] = 99;
        IOException e = assertThrows(IOException.class,
                () -> SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(b))));
        assertEquals(true, e.getMessage().contains("99"), e.getMessage());
    }

    @Test
    void restoredStateContinuesWithIdenticalForecasts() throws IOException {
        ModelConfig c = ModelConfig.builder().k1(4).k2(10).build();
        OnlineForecaster f = new OnlineForecaster(c);
        double[] y = Fixtures.noisySine(400, 21, 0.1, 10);
        SeriesState a = f.newState("k");
        Prediction p = new Prediction();
        for (int t = 0; t < 250; t++) {
            f.observe(a, y[t], null, p);
        }
        SeriesState b = SeriesState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes(a))));
        Prediction q = new Prediction();
        for (int t = 250; t < y.length; t++) {
            f.observe(a, y[t], null, p);
            f.observe(b, y[t], null, q);
            assertEquals(Double.doubleToLongBits(p.forecast), Double.doubleToLongBits(q.forecast));
        }
        assertEquals(a, b);
    }
}
