package dev.streamforecast.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Everything one key's forecaster remembers, as primitive arrays: parameters, optimiser moments,
 * carried hidden state, the raw input window, scaler and residual statistics, and counters.
 *
 * <p>This is what Flink keeps in keyed state and what checkpoints carry, in three {@link Part}s that
 * change at different rates. {@link #write} and {@link #read} give each part's compact binary form
 * (schema {@value #SCHEMA_VERSION}), {@link #writeTo} and {@link #readFrom} the whole; a copy or round
 * trip must be bit-exact, so every field is written, tested in {@code SeriesStateTest}. Parameters and
 * moments are always rounded to float32 precision ({@link Float32}), so the binary form stores them in
 * four bytes each, half the size of doubles, without loss; everything else is stored as it is held.
 *
 * <p>Values and the statistics of each input column are held in that column's own units, a power of
 * two ({@link #exponent}); {@link #lastValue} and {@link #lastForecast} are in the series' units. The
 * model never stores a NaN or an infinity.
 */
public final class SeriesState {
    /**
     * Bumped whenever the binary form changes. Version 6 is the one form of both model scopes: the carried
     * state and the saved ones in four bytes a value, which the forecaster rounds them to as it computes
     * them (a state of an earlier version has them rounded as it is read); a key whose network is shared
     * holds no parameters and no moments, and its linear part no covariance. Version 5 adds the outlier guard's statistics
     * ({@link #errorLog}, {@link #errors}, {@link #outlierRun}, {@link #heldOut}); a state of an earlier version starts them
     * from the typical change. Version 6 also adds the anomaly score's state
     * ({@link #anomaly}); a state of an earlier version is read with {@code anomaly} null, and the key's
     * scores start afresh when the forecaster next sees it. Version 4 adds the horizon's state ({@link #horizon}: the
     * cadence, the combination, the intervals of every step) and a linear forecast per step in
     * {@link #linearWindow}; a state of version 3 or 2 has neither and is read with {@code horizon}
     * null, which the forecaster fills when it next sees the key. Version 3 adds each column's units and
     * magnitude and the typical change; version 2 (statistics in the series' own units) is still read,
     * see {@link #adoptRawUnits}. Version 2 stores parameters and moments in four bytes (version 1 held
     * doubles, in one piece; it is not read).
     */
    public static final int SCHEMA_VERSION = 6;

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

    // Running scaling statistics of each input column, and of the value's changes, in the columns' units.
    public double[] mean;
    public double[] variance;
    public double deltaMean;
    public double deltaVariance;

    /** Events seen, and training updates made. */
    public long events;
    public long updates;

    /** The last value, in the series' units. */
    public double lastValue;
    /** The forecast made at the last event (0 before the first), in the series' units. */
    public double lastForecast;
    /** Exponentially weighted mean squared forecast error, in the value's units. */
    public double residualVariance;
    public long residuals;

    /**
     * The linear part's state (null without one), and the change it forecast at each of the last
     * {@link #linearSlots} events for each step: event s's at [(s mod slots) H, ... + H).
     */
    public OnlineAutoRegression.State linear;
    public double[] linearWindow = new double[0];

    /** Per column (the value, then each feature), its units: a value v is held as v * 2^-exponent. */
    public int[] exponent;
    /** Per column, log2 of its typical non-zero |value| in its units (a running mean in the log domain). */
    public double[] magnitude;
    /** Per column, the non-zero values seen. */
    public long[] nonzero;
    /** log2 of the value's typical non-zero change in its units (a running mean in the log domain). */
    public double changeLog;
    /** Non-zero changes seen. */
    public long changes;
    /** The cadence, the combination of candidates and the intervals of steps 1..H; null in a state from before them. */
    public Horizon.State horizon;
    /**
     * log2 of a high quantile (99%) of the one-step forecast's non-zero |errors| in the value's units, a
     * stochastic quantile estimate that the outlier guard measures a value's surprise against; the
     * non-zero errors seen; the outliers in a row just seen; and the values of the
     * first of them that the memory did not keep (the series' units), restored if the run turns out to
     * be a move of the series.
     */
    public double errorLog;
    public long errors;
    public int outlierRun;
    public double[] heldOut = new double[SeriesStatistics.OUTLIER_RUN];
    /** What the key's anomaly scores remember; null in a state from before them. */
    public AnomalyScore.State anomaly;

    public SeriesState() {}

    /**
     * An empty state sized for {@code config}; parameters are zero until initialised. In shared scope
     * the key holds no parameters or moments (they are the shared network's) and its linear part no
     * covariance (it learns with the pooled one).
     */
    public static SeriesState allocate(ModelConfig config) {
        ParameterLayout layout = ParameterLayout.of(config);
        SeriesState s = new SeriesState();
        boolean own = config.scope == ModelScope.KEY;
        boolean adam = own && config.optimizer == OptimizerType.ADAM;
        s.params = own ? layout.allocate() : new double[0][];
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
        s.exponent = new int[config.rawSize()];
        s.magnitude = new double[config.rawSize()];
        s.nonzero = new long[config.rawSize()];
        if (config.linearOrder > 0) {
            s.linear = own ? linearModel(config, null).newState()
                    : new OnlineAutoRegression.State(config.linearOrder, config.linearOrder + config.linearExtras(),
                            config.linearExtras(), config.horizon, 0);
            s.linearWindow = new double[linearSlots(config) * config.horizon];
        }
        s.horizon = new Horizon(config).newState();
        s.anomaly = new AnomalyScore.State();
        return s;
    }

    /** Events whose linear forecasts are kept: a training window's, and every step's until its target arrives. */
    static int linearSlots(ModelConfig c) {
        return Math.max(windowCapacity(c), c.horizon + 1);
    }

    /** Steps the window holds: the k2 inputs of a training window, its last target, and the step before. */
    static int windowCapacity(ModelConfig c) {
        return c.k2 + 2;
    }

    /** The linear part a configuration asks for (its work arrays are per instance), with the pool or its own covariance. */
    static OnlineAutoRegression linearModel(ModelConfig c, PooledCovariance pool) {
        return OnlineAutoRegression.of(c.linearOrder, c.linearForgetting, OnlineAutoRegression.FORECASTER_PRIOR / c.linearOrder,
                OnlineAutoRegression.DEFAULT_CLIP, OnlineAutoRegression.INNOVATION_CLIP, c.linearExtras(), c.horizon, pool);
    }

    /**
     * Snapshots needed so every training window finds its start state: windows start every k1 steps
     * and reach k2 back, plus the one before step 0 used while the history is shorter than k2.
     */
    static int snapshotSlots(ModelConfig c) {
        return (c.k2 + c.k1 - 1) / c.k1 + 1;
    }

    /**
     * The parts of the state, which change at different rates. Each has its own binary form (opening
     * with the schema version), so a state backend that serialises on every access (RocksDB, ForSt) can
     * keep them apart and an event moves only what it needs.
     */
    public enum Part {
        /** The network's parameters: read by every event, written by every update. */
        WEIGHTS,
        /** Adam's moments and step: read and written by updates only. */
        MOMENTS,
        /** Everything else (carried state, windows, statistics, counters, the linear part): every event. */
        RECURRENT
    }

    /** Whether this object holds {@code part} (a state read part by part may hold only some). */
    public boolean has(Part part) {
        switch (part) {
            case WEIGHTS: return params != null;
            case MOMENTS: return adamM != null;
            default: return hidden != null;
        }
    }

    /** Takes {@code part}'s fields from {@code from} by reference. */
    public void adopt(Part part, SeriesState from) {
        switch (part) {
            case WEIGHTS:
                params = from.params;
                break;
            case MOMENTS:
                adamM = from.adamM;
                adamV = from.adamV;
                adamStep = from.adamStep;
                break;
            default:
                hidden = from.hidden;
                snapshots = from.snapshots;
                snapshotSteps = from.snapshotSteps;
                nextSnapshot = from.nextSnapshot;
                window = from.window;
                mean = from.mean;
                variance = from.variance;
                deltaMean = from.deltaMean;
                deltaVariance = from.deltaVariance;
                events = from.events;
                updates = from.updates;
                lastValue = from.lastValue;
                lastForecast = from.lastForecast;
                residualVariance = from.residualVariance;
                residuals = from.residuals;
                linear = from.linear;
                linearWindow = from.linearWindow;
                exponent = from.exponent;
                magnitude = from.magnitude;
                nonzero = from.nonzero;
                changeLog = from.changeLog;
                changes = from.changes;
                horizon = from.horizon;
                errorLog = from.errorLog;
                errors = from.errors;
                outlierRun = from.outlierRun;
                heldOut = from.heldOut;
                anomaly = from.anomaly;
        }
    }

    /** A deep copy of {@code part} alone; the other parts are absent from it. */
    public SeriesState copy(Part part) {
        SeriesState c = new SeriesState();
        switch (part) {
            case WEIGHTS:
                c.params = deepCopy(params);
                break;
            case MOMENTS:
                c.adamM = deepCopy(adamM);
                c.adamV = deepCopy(adamV);
                c.adamStep = adamStep;
                break;
            default:
                c.adopt(Part.RECURRENT, this);
                c.hidden = hidden.clone();
                c.snapshots = snapshots.clone();
                c.snapshotSteps = snapshotSteps.clone();
                c.window = window.clone();
                c.mean = mean.clone();
                c.variance = variance.clone();
                c.linear = linear == null ? null : linear.copy();
                c.linearWindow = linearWindow.clone();
                c.exponent = exponent.clone();
                c.magnitude = magnitude.clone();
                c.nonzero = nonzero.clone();
                c.horizon = horizon == null ? null : horizon.copy();
                c.heldOut = heldOut.clone();
                c.anomaly = anomaly == null ? null : anomaly.copy();
        }
        return c;
    }

    /** A deep copy of every part. */
    public SeriesState copy() {
        SeriesState c = copy(Part.RECURRENT);
        c.adopt(Part.WEIGHTS, copy(Part.WEIGHTS));
        c.adopt(Part.MOMENTS, copy(Part.MOMENTS));
        return c;
    }

    /** Writes {@code part}'s binary form. */
    public void write(Part part, DataOutput out) throws IOException {
        out.writeInt(SCHEMA_VERSION);
        switch (part) {
            case WEIGHTS:
                writeFloatTensors(out, params);
                break;
            case MOMENTS:
                writeFloatTensors(out, adamM);
                writeFloatTensors(out, adamV);
                out.writeLong(adamStep);
                break;
            default:
                writeFloats(out, hidden);
                writeFloats(out, snapshots);
                writeLongs(out, snapshotSteps);
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
                BFloat16.write(out, linearWindow);
                out.writeInt(exponent.length);
                for (int v : exponent) {
                    out.writeInt(v);
                }
                writeArray(out, magnitude);
                writeLongs(out, nonzero);
                out.writeDouble(changeLog);
                out.writeLong(changes);
                out.writeBoolean(horizon != null);
                if (horizon != null) {
                    horizon.writeTo(out);
                }
                out.writeDouble(errorLog);
                out.writeLong(errors);
                out.writeInt(outlierRun);
                writeArray(out, heldOut);
                out.writeBoolean(anomaly != null);
                if (anomaly != null) {
                    anomaly.writeTo(out);
                }
        }
    }

    /**
     * Reads {@code part}'s binary form into this object's fields for that part, in this schema or
     * versions 4, 3 and 2 (without an {@link #anomaly}; see {@link #adoptRawUnits}; versions 3 and 2 have
     * no {@link #horizon}).
     */
    public void read(Part part, DataInput in) throws IOException {
        int version = in.readInt();
        if (version < 2 || version > SCHEMA_VERSION) {
            throw new IOException("unsupported series state schema version " + version
                    + " (this build reads versions 2 to " + SCHEMA_VERSION + ")");
        }
        switch (part) {
            case WEIGHTS:
                params = readFloatTensors(in);
                break;
            case MOMENTS:
                adamM = readFloatTensors(in);
                adamV = readFloatTensors(in);
                adamStep = in.readLong();
                break;
            default:
                hidden = version >= 6 ? readFloats(in) : rounded(readArray(in));
                snapshots = version >= 6 ? readFloats(in) : rounded(readArray(in));
                snapshotSteps = readLongs(in);
                nextSnapshot = in.readInt();
                window = readArray(in);
                mean = readArray(in);
                variance = readArray(in);
                deltaMean = in.readDouble();
                deltaVariance = in.readDouble();
                events = in.readLong();
                updates = in.readLong();
                lastValue = in.readDouble();
                lastForecast = in.readDouble();
                residualVariance = in.readDouble();
                residuals = in.readLong();
                linear = in.readBoolean() ? OnlineAutoRegression.State.readFrom(in) : null;
                linearWindow = version >= 6 ? BFloat16.read(in, 1 << 26) : readArray(in);
                anomaly = null;
                if (version == 2) {
                    adoptRawUnits();
                    adoptTypicalError();
                    horizon = null;
                    break;
                }
                exponent = new int[checkLength(in.readInt())];
                for (int i = 0; i < exponent.length; i++) {
                    exponent[i] = in.readInt();
                }
                magnitude = readArray(in);
                nonzero = readLongs(in);
                changeLog = in.readDouble();
                changes = in.readLong();
                horizon = version >= 4 && in.readBoolean() ? Horizon.State.readFrom(in) : null;
                if (version >= 5) {
                    errorLog = in.readDouble();
                    errors = in.readLong();
                    outlierRun = in.readInt();
                    heldOut = readArray(in);
                    if (heldOut.length != SeriesStatistics.OUTLIER_RUN) {
                        throw new IOException("corrupt series state: " + heldOut.length + " held-out values");
                    }
                } else {
                    adoptTypicalError();
                }
                anomaly = version >= 6 && in.readBoolean() ? AnomalyScore.State.readFrom(in) : null;
                if (exponent.length != mean.length || magnitude.length != mean.length
                        || nonzero.length != mean.length) {
                    throw new IOException("corrupt series state: " + mean.length + " columns, units for "
                            + exponent.length + ", magnitudes for " + magnitude.length);
                }
        }
    }

    /**
     * Fills the fields schema 3 added for a state written before them (binary version 2, or a JSON
     * model without them), whose statistics are in the series' own units: every exponent 0; each
     * column's magnitude and the typical change the medians of the logs over the window, counted as if
     * every event had been non-zero when any in the window is; an unset forecast (an empty state's NaN)
     * 0. Such a key continues where it was, its units moving once its magnitude is far from 1. Needs
     * the recurrent part's other fields.
     */
    public void adoptRawUnits() {
        int columns = mean.length;
        int capacity = columns == 0 ? 0 : window.length / columns;
        int held = (int) Math.min(events, capacity);
        exponent = new int[columns];
        magnitude = new double[columns];
        nonzero = new long[columns];
        double[] logs = new double[Math.max(held, 1)];
        for (int i = 0; i < columns; i++) {
            int n = 0;
            for (int k = 0; k < held; k++) {
                double v = window[(int) ((events - 1 - k) % capacity) * columns + i];
                if (v != 0 && Double.isFinite(v)) {
                    logs[n++] = Scales.log2(v);
                }
            }
            magnitude[i] = n == 0 ? 0.0 : Scales.median(logs, n);
            nonzero[i] = n == 0 ? 0 : events;
        }
        int n = 0;
        for (int k = 0; k + 1 < held; k++) {
            double d = window[(int) ((events - 1 - k) % capacity) * columns]
                    - window[(int) ((events - 2 - k) % capacity) * columns];
            if (d != 0 && Double.isFinite(d)) {
                logs[n++] = Scales.log2(d);
            }
        }
        changeLog = n == 0 ? 0.0 : Scales.median(logs, n);
        changes = n == 0 ? 0 : Math.max(events - 1, 0);
        if (!Double.isFinite(lastForecast)) {
            lastForecast = events == 0 ? 0.0 : lastValue;
        }
    }

    /**
     * Starts the outlier guard's statistics of a state written before them (schema 4 or earlier, or a
     * JSON model without them) from the typical change, as a new key's are: a one-step error is of the
     * order of a change, and the high quantile some two bits above the typical one.
     */
    public void adoptTypicalError() {
        errorLog = changeLog + 2;
        errors = changes;
        outlierRun = 0;
        heldOut = new double[SeriesStatistics.OUTLIER_RUN];
    }

    /** Replaces every NaN and infinity in every part held with 0: what a diverged model leaves behind. */
    public void sanitize() {
        for (double[][] t : new double[][][] {params, adamM, adamV}) {
            if (t != null) {
                for (double[] a : t) {
                    sanitize(a);
                }
            }
        }
        if (hidden == null) {
            return;
        }
        for (double[] a : new double[][] {hidden, snapshots, window, mean, variance, linearWindow, magnitude, heldOut}) {
            sanitize(a);
        }
        deltaMean = finiteOrZero(deltaMean);
        deltaVariance = finiteOrZero(deltaVariance);
        lastValue = finiteOrZero(lastValue);
        lastForecast = finiteOrZero(lastForecast);
        residualVariance = finiteOrZero(residualVariance);
        changeLog = finiteOrZero(changeLog);
        errorLog = finiteOrZero(errorLog);
        if (linear != null) {
            linear.sanitize();
        }
        if (horizon != null) {
            horizon.sanitize();
        }
        if (anomaly != null) {
            anomaly.sanitize();
        }
    }

    private static void sanitize(double[] a) {
        for (int k = 0; k < a.length; k++) {
            a[k] = finiteOrZero(a[k]);
        }
    }

    private static double finiteOrZero(double v) {
        return Double.isFinite(v) ? v : 0.0;
    }

    /** The whole state: every part's binary form, in the order of {@link Part}. */
    public void writeTo(DataOutput out) throws IOException {
        for (Part part : Part.values()) {
            write(part, out);
        }
    }

    /** Reads what {@link #writeTo} wrote. */
    public static SeriesState readFrom(DataInput in) throws IOException {
        SeriesState s = new SeriesState();
        for (Part part : Part.values()) {
            s.read(part, in);
        }
        return s;
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    /** Tensors of float32-rounded values, each in {@link Float32}'s block form: four bytes a value. */
    private static void writeFloatTensors(DataOutput out, double[][] t) throws IOException {
        out.writeInt(t.length);
        int longest = 0;
        for (double[] a : t) {
            longest = Math.max(longest, a.length);
        }
        byte[] block = Float32.scratch(4 * longest);
        for (double[] a : t) {
            out.writeInt(a.length);
            Float32.write(out, a, block);
        }
    }

    /** Values held at float32 (rounded as computed), in four bytes each. */
    static void writeFloats(DataOutput out, double[] a) throws IOException {
        out.writeInt(a.length);
        Float32.write(out, a);
    }

    static double[] readFloats(DataInput in) throws IOException {
        double[] a = new double[checkLength(in.readInt())];
        Float32.read(in, a);
        return a;
    }

    /** {@code a} rounded to float32, as a state of this version holds what earlier ones held in doubles. */
    private static double[] rounded(double[] a) {
        Float32.round(a);
        return a;
    }

    private static double[][] readFloatTensors(DataInput in) throws IOException {
        double[][] t = new double[checkLength(in.readInt())][];
        byte[] block = Float32.scratch(0);
        for (int i = 0; i < t.length; i++) {
            t[i] = new double[checkLength(in.readInt())];
            if (block.length < 4 * t[i].length) {
                block = Float32.scratch(4 * t[i].length);
            }
            Float32.read(in, t[i], block);
        }
        return t;
    }

    /** A double array in one block of big-endian doubles, bit for bit. */
    static void writeArray(DataOutput out, double[] a) throws IOException {
        out.writeInt(a.length);
        byte[] block = Float32.scratch(8 * a.length);
        for (int k = 0; k < a.length; k++) {
            LONGS.set(block, 8 * k, Double.doubleToRawLongBits(a[k]));
        }
        out.write(block, 0, 8 * a.length);
    }

    private static void writeLongs(DataOutput out, long[] a) throws IOException {
        out.writeInt(a.length);
        for (long v : a) {
            out.writeLong(v);
        }
    }

    private static long[] readLongs(DataInput in) throws IOException {
        long[] a = new long[checkLength(in.readInt())];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readLong();
        }
        return a;
    }

    static double[] readArray(DataInput in) throws IOException {
        double[] a = new double[checkLength(in.readInt())];
        byte[] block = Float32.scratch(8 * a.length);
        in.readFully(block, 0, 8 * a.length);
        for (int k = 0; k < a.length; k++) {
            a[k] = Double.longBitsToDouble((long) LONGS.get(block, 8 * k));
        }
        return a;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

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
                && java.util.Objects.equals(linear, s.linear) && Arrays.equals(linearWindow, s.linearWindow)
                && Arrays.equals(exponent, s.exponent) && Arrays.equals(magnitude, s.magnitude)
                && Arrays.equals(nonzero, s.nonzero) && same(changeLog, s.changeLog) && changes == s.changes
                && java.util.Objects.equals(horizon, s.horizon) && same(errorLog, s.errorLog)
                && errors == s.errors && outlierRun == s.outlierRun && Arrays.equals(heldOut, s.heldOut)
                && java.util.Objects.equals(anomaly, s.anomaly);
    }

    private static boolean same(double a, double b) {
        return Double.doubleToLongBits(a) == Double.doubleToLongBits(b);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(params) * 31 + Long.hashCode(events);
    }
}
