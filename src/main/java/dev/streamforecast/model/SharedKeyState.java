package dev.streamforecast.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * What one key keeps when it shares its network ({@code model.scope=shared}), and its binary form: a
 * {@link SeriesState} holding only its recurrent part. Parameters and moments are the shared
 * network's, so the state's tensors are empty; its linear part holds coefficients (an offset from the
 * pooled ones), lags and their reliabilities, but no covariance (see {@link PooledCovariance}).
 *
 * <p>The binary form (schema {@value #SCHEMA_VERSION}) stores the carried state and the saved states
 * in four bytes a value, which they are rounded to as they are computed, and everything else as it is
 * held, so a round trip is bit-exact ({@code SharedKeyStateTest}). For the default model (LSTM-32,
 * AR(48), k1 = 8, k2 = 32) it is about 3.5 KB: 1.6 KB of carried and saved states, 0.5 KB of windows,
 * 1.2 KB of the linear part, 0.15 KB of the anomaly score's state, the rest statistics and counters.
 */
public final class SharedKeyState {
    /**
     * Bumped whenever the binary form changes. Version 2 adds the anomaly score's state; a key of version 1
     * is read without one, and its scores start afresh.
     */
    public static final int SCHEMA_VERSION = 2;

    private SharedKeyState() {}

    /** An empty key's state for {@code config}: nothing seen, carried state zero. */
    public static SeriesState allocate(ModelConfig config) {
        ParameterLayout layout = ParameterLayout.of(config);
        SeriesState s = new SeriesState();
        s.params = new double[0][];
        s.adamM = new double[0][];
        s.adamV = new double[0][];
        s.hidden = new double[layout.stateSize];
        int slots = SeriesState.snapshotSlots(config);
        s.snapshots = new double[slots * layout.stateSize];
        s.snapshotSteps = new long[slots];
        Arrays.fill(s.snapshotSteps, -1L);
        int columns = config.rawSize();
        s.window = new double[SeriesState.windowCapacity(config) * columns];
        s.mean = new double[columns];
        s.variance = new double[columns];
        s.exponent = new int[columns];
        s.magnitude = new double[columns];
        s.nonzero = new long[columns];
        if (config.linearOrder > 0) {
            s.linear = new OnlineAutoRegression.State(config.linearOrder, config.linearOrder, 0);
            s.linearWindow = new double[SeriesState.windowCapacity(config)];
        }
        s.anomaly = new AnomalyScore.State();
        return s;
    }

    /** Writes the key's state (its recurrent part) in the shared form. */
    public static void write(SeriesState s, DataOutput out) throws IOException {
        out.writeInt(SCHEMA_VERSION);
        out.writeLong(s.events);
        out.writeLong(s.updates);
        out.writeDouble(s.lastValue);
        out.writeDouble(s.lastForecast);
        writeFloats(out, s.hidden);
        writeFloats(out, s.snapshots);
        out.writeInt(s.snapshotSteps.length);
        for (long v : s.snapshotSteps) {
            out.writeLong(v);
        }
        out.writeInt(s.nextSnapshot);
        writeDoubles(out, s.window);
        writeDoubles(out, s.mean);
        writeDoubles(out, s.variance);
        out.writeDouble(s.deltaMean);
        out.writeDouble(s.deltaVariance);
        out.writeDouble(s.residualVariance);
        out.writeLong(s.residuals);
        out.writeInt(s.exponent.length);
        for (int i = 0; i < s.exponent.length; i++) {
            out.writeInt(s.exponent[i]);
            out.writeDouble(s.magnitude[i]);
            out.writeLong(s.nonzero[i]);
        }
        out.writeDouble(s.changeLog);
        out.writeLong(s.changes);
        OnlineAutoRegression.State l = s.linear;
        out.writeBoolean(l != null);
        if (l != null) {
            writeDoubles(out, l.theta);
            writeDoubles(out, l.lags);
            writeDoubles(out, l.lagWeights);
            out.writeInt(l.head);
            out.writeInt(l.filled);
            out.writeDouble(l.last);
            out.writeDouble(l.meanSquare);
            out.writeDouble(l.innovation);
            out.writeLong(l.count);
            out.writeLong(l.updates);
            writeDoubles(out, s.linearWindow);
        }
        out.writeBoolean(s.anomaly != null);
        if (s.anomaly != null) {
            s.anomaly.writeTo(out);
        }
    }

    /** Reads what {@link #write} wrote, in this schema or version 1. */
    public static SeriesState read(DataInput in) throws IOException {
        int version = in.readInt();
        if (version < 1 || version > SCHEMA_VERSION) {
            throw new IOException("unsupported shared key state schema version " + version + " (this build reads 1 to "
                    + SCHEMA_VERSION + ")");
        }
        SeriesState s = new SeriesState();
        s.params = new double[0][];
        s.adamM = new double[0][];
        s.adamV = new double[0][];
        s.events = in.readLong();
        s.updates = in.readLong();
        s.lastValue = in.readDouble();
        s.lastForecast = in.readDouble();
        s.hidden = readFloats(in);
        s.snapshots = readFloats(in);
        s.snapshotSteps = new long[length(in)];
        for (int i = 0; i < s.snapshotSteps.length; i++) {
            s.snapshotSteps[i] = in.readLong();
        }
        s.nextSnapshot = in.readInt();
        s.window = readDoubles(in);
        s.mean = readDoubles(in);
        s.variance = readDoubles(in);
        s.deltaMean = in.readDouble();
        s.deltaVariance = in.readDouble();
        s.residualVariance = in.readDouble();
        s.residuals = in.readLong();
        int columns = length(in);
        if (columns != s.mean.length) {
            throw new IOException("corrupt shared key state: " + s.mean.length + " columns, units for " + columns);
        }
        s.exponent = new int[columns];
        s.magnitude = new double[columns];
        s.nonzero = new long[columns];
        for (int i = 0; i < columns; i++) {
            s.exponent[i] = in.readInt();
            s.magnitude[i] = in.readDouble();
            s.nonzero[i] = in.readLong();
        }
        s.changeLog = in.readDouble();
        s.changes = in.readLong();
        if (in.readBoolean()) {
            double[] theta = readDoubles(in);
            OnlineAutoRegression.State l = new OnlineAutoRegression.State(theta.length, theta.length, 0);
            System.arraycopy(theta, 0, l.theta, 0, theta.length);
            readInto(in, l.lags);
            readInto(in, l.lagWeights);
            l.head = in.readInt();
            l.filled = in.readInt();
            if (l.head < 0 || l.head >= l.lags.length || l.filled < 0 || l.filled > l.lags.length) {
                throw new IOException("corrupt shared key state: lag head " + l.head + ", filled " + l.filled);
            }
            l.last = in.readDouble();
            l.meanSquare = in.readDouble();
            l.innovation = in.readDouble();
            l.count = in.readLong();
            l.updates = in.readLong();
            s.linear = l;
            s.linearWindow = readDoubles(in);
        }
        s.anomaly = version >= 2 && in.readBoolean() ? AnomalyScore.State.readFrom(in) : null;
        return s;
    }

    private static void writeFloats(DataOutput out, double[] a) throws IOException {
        out.writeInt(a.length);
        Float32.write(out, a);
    }

    private static double[] readFloats(DataInput in) throws IOException {
        double[] a = new double[length(in)];
        Float32.read(in, a);
        return a;
    }

    /** A double array in one block, bit for bit, as {@link SeriesState} writes its arrays. */
    private static void writeDoubles(DataOutput out, double[] a) throws IOException {
        SeriesState.writeArray(out, a);
    }

    private static double[] readDoubles(DataInput in) throws IOException {
        return SeriesState.readArray(in);
    }

    private static void readInto(DataInput in, double[] a) throws IOException {
        double[] read = SeriesState.readArray(in);
        if (read.length != a.length) {
            throw new IOException("corrupt shared key state: " + read.length + " values where " + a.length
                    + " belong");
        }
        System.arraycopy(read, 0, a, 0, a.length);
    }

    private static int length(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > (1 << 24)) {
            throw new IOException("corrupt shared key state: array length " + n);
        }
        return n;
    }
}
