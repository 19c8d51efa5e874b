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
 * AR(48), k1 = 8, k2 = 32) it is about 3.4 KB: 1.6 KB of carried and saved states, 0.5 KB of windows,
 * 1.2 KB of the linear part, the rest statistics and counters.
 */
public final class SharedKeyState {
    /** Bumped whenever the binary form changes: version 2 adds the outlier guard's statistics (version 1 is read, starting them from the typical change). */
    public static final int SCHEMA_VERSION = 2;

    private SharedKeyState() {}

    /** Reads a key's state in this form, as a {@link SeriesState} without parameters or moments. */
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
        if (version >= 2) {
            s.errorLog = in.readDouble();
            s.errors = in.readLong();
            s.outlierRun = in.readInt();
            readInto(in, s.heldOut);
        } else {
            s.adoptTypicalError();
        }
        return s;
    }

    private static double[] readFloats(DataInput in) throws IOException {
        double[] a = new double[length(in)];
        Float32.read(in, a);
        return a;
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
