package dev.streamforecast.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;

/**
 * One network shared by many keys: its weights and optimiser moments, the training windows gathered
 * for its next batched update, and the pooled covariance of the keys' linear parts. In a Flink job each
 * parallel instance of the forecasting operator holds one, a replica, in operator state; each key's
 * keyed state holds only what is its own (see {@link SharedForecaster}).
 *
 * <p>All replicas start from the same seeded weights ({@code model.seed}, not the key), so a replay is
 * reproducible and replicas merged after a rescale ({@link #merge}) average networks that began alike.
 * Like every stored parameter, weights and moments are float32 values ({@link Float32}).
 */
public final class SharedNetwork {
    /**
     * Bumped whenever the binary form changes: version 2 gathers windows of one target per step ahead
     * (version 1, of one step, is read).
     */
    public static final int SCHEMA_VERSION = 2;
    /** What the shared weights' seed is mixed with, in place of a key. */
    static final String SEED_NAME = "shared network";

    final ModelConfig config;
    final ParameterLayout layout;
    final double[][] params;
    final double[][] adamM;
    final double[][] adamV;
    long adamStep;
    /** Batched updates applied. */
    long updates;
    /** Windows learned from. */
    long windows;
    /** Times the weights diverged and started afresh. */
    long resets;
    /** Why they last did, or null. */
    String lastReset;
    final WindowBatch batch;
    /** The linear parts' pooled covariance; null without a linear part. */
    final PooledCovariance pool;
    /** The workspace that applies the batch (not state). */
    private final BatchTrainer trainer;

    private SharedNetwork(ModelConfig config) {
        this.config = config;
        this.layout = ParameterLayout.of(config);
        this.params = layout.allocate();
        boolean adam = config.optimizer == OptimizerType.ADAM;
        this.adamM = adam ? layout.allocate() : new double[0][];
        this.adamV = adam ? layout.allocate() : new double[0][];
        this.batch = new WindowBatch(config.batch, config.k2, config.inputSize(), layout.stateSize, config.horizon);
        this.pool = config.linearOrder > 0
                ? new PooledCovariance(config.linearOrder + config.linearExtras(), config.linearForgetting) : null;
        this.trainer = new BatchTrainer(config);
    }

    /** A fresh network: weights seeded from {@code model.seed}, moments zero, nothing gathered or pooled. */
    public static SharedNetwork create(ModelConfig config) {
        SharedNetwork n = new SharedNetwork(config);
        n.initialise();
        return n;
    }

    /**
     * A fresh network whose weights (and moments, if shaped alike) are a trained model's, and whose pooled
     * covariance is the model's where it has one (an export of a shared network): a warm start.
     *
     * @throws IllegalArgumentException if the model's parameters are shaped otherwise
     */
    public static SharedNetwork create(ModelConfig config, SeriesState warm, PooledCovariance pool) {
        SharedNetwork n = new SharedNetwork(config);
        SeriesState fresh = new OnlineForecaster(config.toBuilder().scope(ModelScope.KEY).build()).newState(warm);
        copy(fresh.params, n.params);
        if (fresh.adamM.length == n.adamM.length) {
            copy(fresh.adamM, n.adamM);
            copy(fresh.adamV, n.adamV);
            n.adamStep = fresh.adamStep;
        }
        if (pool != null && n.pool != null && pool.n == n.pool.n) {
            n.pool.adopt(pool);
        }
        return n;
    }

    /**
     * A key's state with this network's weights and moments in place of its own (none): the whole model
     * that key forecasts with, as an export writes it. A copy; {@code s} is left as it is.
     */
    public SeriesState withWeightsOf(SeriesState s) {
        SeriesState c = s.copy(SeriesState.Part.RECURRENT);
        c.params = deepCopy(params);
        c.adamM = deepCopy(adamM);
        c.adamV = deepCopy(adamV);
        c.adamStep = adamStep;
        return c;
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    /** Applies the gathered windows as one update now; whether the weights changed. */
    boolean apply() {
        return trainer.apply(this);
    }

    /** The pooled covariance of the keys' linear parts, or null without a linear part. */
    public PooledCovariance pool() {
        return pool;
    }

    /** Seeded weights and zero moments: how a network starts, and restarts after diverging. */
    void initialise() {
        Initializer.initialise(params, layout, Initializer.seedFor(config.seed, SEED_NAME));
        for (int i = 0; i < adamM.length; i++) {
            java.util.Arrays.fill(adamM[i], 0.0);
            java.util.Arrays.fill(adamV[i], 0.0);
        }
        adamStep = 0;
    }

    public ModelConfig config() {
        return config;
    }

    /** The weights, tensors as {@link ParameterLayout} splits them; read-only for callers. */
    public double[][] params() {
        return params;
    }

    public long updates() {
        return updates;
    }

    public long windows() {
        return windows;
    }

    public long resets() {
        return resets;
    }

    /** Why the weights last started afresh, or null. */
    public String lastReset() {
        return lastReset;
    }

    /** Windows gathered for the next update. */
    public int pending() {
        return batch.size();
    }

    /** Rows the pooled covariance has taken, 0 without a linear part. */
    public long pooledRows() {
        return pool == null ? 0 : pool.rows;
    }

    /**
     * The network of several replicas, in the order given (a replica's subtask index): weights and
     * moments the mean of theirs, rounded to float32; the optimiser's step and the counters the largest
     * of theirs; the pooled covariances merged; the windows they had gathered learned from in that
     * order, a batch at a time. Every instance that merges the same replicas gets the same network.
     */
    public static SharedNetwork merge(List<SharedNetwork> replicas) {
        SharedNetwork first = replicas.get(0);
        if (replicas.size() == 1) {
            return first;
        }
        SharedNetwork m = new SharedNetwork(first.config);
        double k = 1.0 / replicas.size();
        for (SharedNetwork r : replicas) {
            if (!r.config.equals(first.config)) {
                throw new IllegalArgumentException("replicas of different configurations: " + r.config.describe()
                        + " and " + first.config.describe());
            }
            addScaled(r.params, k, m.params);
            addScaled(r.adamM, k, m.adamM);
            addScaled(r.adamV, k, m.adamV);
            m.adamStep = Math.max(m.adamStep, r.adamStep);
            m.updates = Math.max(m.updates, r.updates);
            m.windows = Math.max(m.windows, r.windows);
            m.resets = Math.max(m.resets, r.resets);
        }
        Float32.round(m.params);
        Float32.round(m.adamM);
        Float32.round(m.adamV);
        if (m.pool != null) {
            java.util.List<PooledCovariance> pools = new java.util.ArrayList<>();
            for (SharedNetwork r : replicas) {
                pools.add(r.pool);
            }
            PooledCovariance merged = PooledCovariance.merge(pools);
            m.pool.adopt(merged);
        }
        for (SharedNetwork r : replicas) {
            for (int i = 0; i < r.batch.size(); i++) {
                m.gather(r.batch, i);
            }
        }
        return m;
    }

    /**
     * Adds window {@code i} of {@code from} to the batch, applying the batch first if it holds a window
     * of the same key, and after if it is then full; returns whether a batch was applied.
     */
    boolean gather(WindowBatch from, int i) {
        return gather(from.keys[i], from.starts[i], from.inputs[i], from.targets[i], from.available[i], from.lengths[i]);
    }

    /**
     * Adds a key's window to the batch: the batch is applied first if it holds a window of the same key
     * (a batch holds one window per key), and after if it is then full; returns whether it was applied.
     */
    boolean gather(long key, double[] start, double[] xs, double[] ys, int[] known, int length) {
        boolean applied = batch.holds(key) && apply();
        batch.add(key, start, xs, ys, known, length);
        if (batch.full()) {
            applied |= apply();
        }
        return applied;
    }

    private static void addScaled(double[][] from, double k, double[][] to) {
        for (int i = 0; i < from.length; i++) {
            Network.axpy(from[i], k, to[i], 0, from[i].length);
        }
    }

    private static void copy(double[][] from, double[][] to) {
        for (int i = 0; i < from.length; i++) {
            System.arraycopy(from[i], 0, to[i], 0, from[i].length);
        }
    }

    /** Weights and moments in four bytes each, the gathered windows and the pool bit for bit. */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(SCHEMA_VERSION);
        out.writeUTF(config.describe());
        writeTensors(out, params);
        writeTensors(out, adamM);
        writeTensors(out, adamV);
        out.writeLong(adamStep);
        out.writeLong(updates);
        out.writeLong(windows);
        out.writeLong(resets);
        batch.writeTo(out);
        out.writeBoolean(pool != null);
        if (pool != null) {
            pool.writeTo(out);
        }
    }

    /**
     * Reads what {@link #writeTo} wrote, for {@code config}; the gathered windows are learned from if this
     * job's batch (a smaller {@code train.batch}) fills with them.
     *
     * @throws IOException if it was written under settings that shape it otherwise (other tensors, another
     *     batch or window, another linear order): the caller decides whether that fails the job
     */
    public static SharedNetwork readFrom(DataInput in, ModelConfig config) throws IOException {
        int version = in.readInt();
        if (version < 1 || version > SCHEMA_VERSION) {
            throw new IOException("unsupported shared network schema version " + version + " (this build reads 1 to "
                    + SCHEMA_VERSION + ")");
        }
        String written = in.readUTF();
        SharedNetwork n = new SharedNetwork(config);
        readTensors(in, n.params, written);
        readTensors(in, n.adamM, written);
        readTensors(in, n.adamV, written);
        n.adamStep = in.readLong();
        n.updates = in.readLong();
        n.windows = in.readLong();
        n.resets = in.readLong();
        WindowBatch gathered = WindowBatch.readFrom(in, config.k2, config.inputSize(), n.layout.stateSize,
                config.horizon, version == 1);
        boolean pooled = in.readBoolean();
        if (pooled != (n.pool != null)) {
            throw new IOException("the shared network was written " + (pooled ? "with" : "without")
                    + " a linear part (" + written + ")");
        }
        if (pooled) {
            PooledCovariance p = PooledCovariance.readFrom(in);
            if (p.n != n.pool.n) {
                throw new IOException("the shared network's linear part has " + p.n + " coefficients, this job's "
                        + n.pool.n);
            }
            n.pool.adopt(p);
        }
        // into this job's batch (train.batch may have changed): the same windows, applied if it fills
        for (int i = 0; i < gathered.size(); i++) {
            n.gather(gathered, i);
        }
        return n;
    }

    private static void writeTensors(DataOutput out, double[][] t) throws IOException {
        out.writeInt(t.length);
        for (double[] a : t) {
            out.writeInt(a.length);
            Float32.write(out, a);
        }
    }

    private static void readTensors(DataInput in, double[][] into, String written) throws IOException {
        int n = in.readInt();
        if (n != into.length) {
            throw new IOException("the shared network has " + n + " tensors, this job's " + into.length + " ("
                    + written + ")");
        }
        for (double[] a : into) {
            int length = in.readInt();
            if (length != a.length) {
                throw new IOException("a shared network tensor of " + length + " values, this job's " + a.length
                        + " (" + written + ")");
            }
            Float32.read(in, a);
        }
    }
}
