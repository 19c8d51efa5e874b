package dev.streamforecast.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Everything one key's forecaster remembers, as primitive arrays: parameters, optimiser moments,
 * carried hidden state, the raw input window, scaler and residual statistics, and counters.
 *
 * <p>This is what Flink keeps in keyed state and what checkpoints carry. {@link #writeTo} and
 * {@link #readFrom} give its compact binary form (schema {@value #SCHEMA_VERSION}); a copy or round trip
 * must be bit-exact, so every field is written, tested in {@code SeriesStateTest}. Parameters and
 * moments are always rounded to float32 precision ({@link Float32}), so the binary form stores them in
 * four bytes each, half the size of doubles, without loss; everything else is stored as it is held.
 */
public final class SeriesState {
    /**
     * Bumped whenever the binary form changes; readers accept every version they know. Version 1 held
     * parameters and moments as doubles; reading it rounds them to float32 as version 2 keeps them.
     */
    public static final int SCHEMA_VERSION = 2;

    // Model parameters and Adam moments: tensors as ParameterLayout splits them.
    public double[][] params;
    public double[][] adamM;
    public double[][] adamV;
    public long adamStep;

    /** Carried state after the last event: per layer h, then c for LSTM. */
    public double[] hidden;
    /** Carried states saved before the steps where future training windows start. */
    public double[] snapshots;
    /** The step index each snapshot was taken before, -1 for an empty slot. */
    public long[] snapshotSteps;
    public int nextSnapshot;

    /** Raw events (value, features) of the last {@code k2 + 2} steps, step s at slot {@code s % (k2 + 2)}. */
    public double[] window;

    // Running scaling statistics of each input column, and of the value's changes.
    public double[] mean;
    public double[] variance;
    public double deltaMean;
    public double deltaVariance;

    /** Events seen, and training updates made. */
    public long events;
    public long updates;

    public double lastValue;
    /** The forecast made at the last event, for the residual when the next value arrives. */
    public double lastForecast = Double.NaN;
    /** Exponentially weighted mean squared forecast error, in the series' units. */
    public double residualVariance;
    public long residuals;

    /** The linear part's state (null without one), and its forecast change at each window step. */
    public OnlineAutoRegression.State linear;
    public double[] linearWindow = new double[0];

    public SeriesState() {}

    /** An empty state sized for {@code config}; parameters are zero until initialised. */
    public static SeriesState allocate(ModelConfig config) {
        ParameterLayout layout = ParameterLayout.of(config);
        SeriesState s = new SeriesState();
        s.params = layout.allocate();
        boolean adam = config.optimizer == OptimizerType.ADAM;
        s.adamM = adam ? layout.allocate() : new double[0][];
        s.adamV = adam ? layout.allocate() : new double[0][];
        s.hidden = new double[layout.stateSize];
        int slots = snapshotSlots(config);
        s.snapshots = new double[slots * layout.stateSize];
        s.snapshotSteps = new long[slots];
        Arrays.fill(s.snapshotSteps, -1L);
        s.window = new double[windowCapacity(config) * config.rawSize()];
        s.mean = new double[config.rawSize()];
        s.variance = new double[config.rawSize()];
        if (config.linearOrder > 0) {
            s.linear = linearModel(config).newState();
            s.linearWindow = new double[windowCapacity(config)];
        }
        return s;
    }

    /** Steps the window holds: the k2 inputs of a training window, its last target, and the step before. */
    static int windowCapacity(ModelConfig c) {
        return c.k2 + 2;
    }

    /** The linear part a configuration asks for (its work arrays are per instance). */
    static OnlineAutoRegression linearModel(ModelConfig c) {
        return new OnlineAutoRegression(c.linearOrder, c.linearForgetting, OnlineAutoRegression.DEFAULT_DELTA,
                false, OnlineAutoRegression.DEFAULT_CLIP);
    }

    /**
     * Snapshots needed so every training window finds its start state: windows start every k1 steps
     * and reach k2 back, plus the one before step 0 used while the history is shorter than k2.
     */
    static int snapshotSlots(ModelConfig c) {
        return (c.k2 + c.k1 - 1) / c.k1 + 1;
    }

    public SeriesState copy() {
        SeriesState s = new SeriesState();
        s.params = deepCopy(params);
        s.adamM = deepCopy(adamM);
        s.adamV = deepCopy(adamV);
        s.adamStep = adamStep;
        s.hidden = hidden.clone();
        s.snapshots = snapshots.clone();
        s.snapshotSteps = snapshotSteps.clone();
        s.nextSnapshot = nextSnapshot;
        s.window = window.clone();
        s.mean = mean.clone();
        s.variance = variance.clone();
        s.deltaMean = deltaMean;
        s.deltaVariance = deltaVariance;
        s.events = events;
        s.updates = updates;
        s.lastValue = lastValue;
        s.lastForecast = lastForecast;
        s.residualVariance = residualVariance;
        s.residuals = residuals;
        s.linear = linear == null ? null : linear.copy();
        s.linearWindow = linearWindow.clone();
        return s;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(SCHEMA_VERSION);
        writeFloatTensors(out, params);
        writeFloatTensors(out, adamM);
        writeFloatTensors(out, adamV);
        out.writeLong(adamStep);
        writeArray(out, hidden);
        writeArray(out, snapshots);
        out.writeInt(snapshotSteps.length);
        for (long v : snapshotSteps) {
            out.writeLong(v);
        }
        out.writeInt(nextSnapshot);
        writeArray(out, window);
        writeArray(out, mean);
        writeArray(out, variance);
        out.writeDouble(deltaMean);
        out.writeDouble(deltaVariance);
        out.writeLong(events);
        out.writeLong(updates);
        out.writeDouble(lastValue);
        out.writeDouble(lastForecast);
        out.writeDouble(residualVariance);
        out.writeLong(residuals);
        out.writeBoolean(linear != null);
        if (linear != null) {
            linear.writeTo(out);
        }
        writeArray(out, linearWindow);
    }

    public static SeriesState readFrom(DataInput in) throws IOException {
        int version = in.readInt();
        if (version != 1 && version != SCHEMA_VERSION) {
            throw new IOException("unsupported series state schema version " + version
                    + " (this build reads versions 1 to " + SCHEMA_VERSION + ")");
        }
        SeriesState s = new SeriesState();
        if (version == 1) {
            s.params = readTensors(in);
            s.adamM = readTensors(in);
            s.adamV = readTensors(in);
            Float32.round(s.params);
            Float32.round(s.adamM);
            Float32.round(s.adamV);
        } else {
            s.params = readFloatTensors(in);
            s.adamM = readFloatTensors(in);
            s.adamV = readFloatTensors(in);
        }
        s.adamStep = in.readLong();
        s.hidden = readArray(in);
        s.snapshots = readArray(in);
        int n = checkLength(in.readInt());
        s.snapshotSteps = new long[n];
        for (int i = 0; i < n; i++) {
            s.snapshotSteps[i] = in.readLong();
        }
        s.nextSnapshot = in.readInt();
        s.window = readArray(in);
        s.mean = readArray(in);
        s.variance = readArray(in);
        s.deltaMean = in.readDouble();
        s.deltaVariance = in.readDouble();
        s.events = in.readLong();
        s.updates = in.readLong();
        s.lastValue = in.readDouble();
        s.lastForecast = in.readDouble();
        s.residualVariance = in.readDouble();
        s.residuals = in.readLong();
        s.linear = in.readBoolean() ? OnlineAutoRegression.State.readFrom(in) : null;
        s.linearWindow = readArray(in);
        return s;
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    /** Tensors of float32-rounded values, in {@link Float32}'s form: four bytes each. */
    private static void writeFloatTensors(DataOutput out, double[][] t) throws IOException {
        out.writeInt(t.length);
        for (double[] a : t) {
            out.writeInt(a.length);
            for (double v : a) {
                Float32.write(out, v);
            }
        }
    }

    private static double[][] readFloatTensors(DataInput in) throws IOException {
        double[][] t = new double[checkLength(in.readInt())][];
        for (int i = 0; i < t.length; i++) {
            double[] a = new double[checkLength(in.readInt())];
            for (int j = 0; j < a.length; j++) {
                a[j] = Float32.read(in);
            }
            t[i] = a;
        }
        return t;
    }

    private static double[][] readTensors(DataInput in) throws IOException {
        double[][] t = new double[checkLength(in.readInt())][];
        for (int i = 0; i < t.length; i++) {
            t[i] = readArray(in);
        }
        return t;
    }

    private static void writeArray(DataOutput out, double[] a) throws IOException {
        out.writeInt(a.length);
        for (double v : a) {
            out.writeDouble(v);
        }
    }

    private static double[] readArray(DataInput in) throws IOException {
        double[] a = new double[checkLength(in.readInt())];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readDouble();
        }
        return a;
    }

    private static int checkLength(int n) throws IOException {
        if (n < 0 || n > (1 << 26)) {
            throw new IOException("corrupt series state: array length " + n);
        }
        return n;
    }

    /** Bitwise equality of every field, NaN equal to NaN: what a round trip must preserve. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SeriesState)) {
            return false;
        }
        SeriesState s = (SeriesState) o;
        return Arrays.deepEquals(params, s.params) && Arrays.deepEquals(adamM, s.adamM)
                && Arrays.deepEquals(adamV, s.adamV) && adamStep == s.adamStep
                && Arrays.equals(hidden, s.hidden) && Arrays.equals(snapshots, s.snapshots)
                && Arrays.equals(snapshotSteps, s.snapshotSteps) && nextSnapshot == s.nextSnapshot
                && Arrays.equals(window, s.window) && Arrays.equals(mean, s.mean)
                && Arrays.equals(variance, s.variance) && same(deltaMean, s.deltaMean)
                && same(deltaVariance, s.deltaVariance) && events == s.events && updates == s.updates
                && same(lastValue, s.lastValue) && same(lastForecast, s.lastForecast)
                && same(residualVariance, s.residualVariance) && residuals == s.residuals
                && java.util.Objects.equals(linear, s.linear) && Arrays.equals(linearWindow, s.linearWindow);
    }

    private static boolean same(double a, double b) {
        return Double.doubleToLongBits(a) == Double.doubleToLongBits(b);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(params) * 31 + Long.hashCode(events);
    }
}
