package dev.streamforecast.bench;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.ModelScope;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import java.util.List;
import java.util.Locale;

/**
 * {@code model.scope=shared} side by side with {@code key} scope, for the product's default model
 * (AR(48) + LSTM-32, learning every 8th event): a key's checkpointed state in each scope, a checkpoint
 * of 1,000,000 shared-scope keys on the heap backend in a TaskManager of 8 GB of heap (a child JVM, as
 * {@link CheckpointBench} runs its own), and the job's sustained rate at 10,000 keys, learning on, with
 * heap and with RocksDB state; the state and the heap rate again at {@value #HORIZON} steps ahead.
 */
final class SharedBench {
    /** Keys of the checkpoint figure. */
    static final int CHECKPOINT_KEYS = 1_000_000;
    /** Heap of the TaskManager (the child JVM) that holds them. */
    static final long CHECKPOINT_HEAP = 8L << 30;
    /**
     * Events per key before the checkpoint: past k1 = 8, so every key has given a window to the shared
     * network and holds a saved carried state; a key's stored form has the same size from its first
     * event, so more events would only lengthen the load.
     */
    static final int CHECKPOINT_EVENTS_PER_KEY = 10;
    /** Keys of the throughput figures. */
    static final int JOB_KEYS = 10_000;

    private SharedBench() {}

    /** Steps ahead of the figures named {@code _h24}. */
    static final int HORIZON = 24;

    /** The default model in {@code scope}. */
    static ModelConfig model(ModelScope scope) {
        return ModelConfig.builder().scope(scope).build();
    }

    /** The default model in {@code scope}, forecasting {@value #HORIZON} steps. */
    static ModelConfig modelAhead(ModelScope scope) {
        return model(scope).toBuilder().horizon(HORIZON).build();
    }

    static void run(boolean quick, Figures figures) throws Exception {
        for (ModelScope scope : ModelScope.values()) {
            figures.add("state_bytes_per_key_" + name(scope),
                    CheckpointBench.stateBytesPerKey(model(scope), 500), "bytes");
            figures.add("state_bytes_per_key_" + name(scope) + "_h" + HORIZON,
                    CheckpointBench.stateBytesPerKey(modelAhead(scope), 500), "bytes");
        }
        throughput(quick, figures);
        // after the jobs, whose rates the garbage of 10,000 key-scope models would disturb
        for (ModelScope scope : ModelScope.values()) {
            for (boolean learning : new boolean[] {true, false}) {
                figures.add("model_us_per_event_" + name(scope) + (learning ? "" : "_no_learning"),
                        modelMicrosPerEvent(scope, learning), "us");
            }
        }
        int keys = quick ? CHECKPOINT_KEYS / 10 : CHECKPOINT_KEYS;
        String suffix = quick ? "_100k_keys" : "_1m_keys";
        for (String line : CheckpointBench.inChildJvm(StateBackends.HASHMAP, keys, CHECKPOINT_HEAP,
                ModelScope.SHARED.name())) {
            CheckpointBench.Figure f = CheckpointBench.Figure.parse(line);
            figures.add(f.name().replace("_" + StateBackends.HASHMAP, "_shared" + suffix), f.value(), f.unit());
        }
        figures.add("checkpoint_heap_bytes_shared" + suffix, CHECKPOINT_HEAP, "bytes");
    }

    /**
     * Each scope's rate over a window that starts once every key has learned a few times and spans
     * whole multiples of k1 per key; RocksDB, slower, over a shorter one.
     */
    private static void throughput(boolean quick, Figures figures) throws Exception {
        int k1 = model(ModelScope.KEY).k1;
        for (String backend : List.of(StateBackends.HASHMAP, StateBackends.ROCKSDB)) {
            boolean heap = StateBackends.HASHMAP.equals(backend);
            long from = (heap ? 6L : 2L) * k1 * JOB_KEYS;
            long to = from + (quick ? 4L : (heap ? 12L : 6L)) * k1 * JOB_KEYS;
            double[] rates = new double[2];
            for (ModelScope scope : ModelScope.values()) {
                JobThroughput.Throughput t = JobThroughput.measure(model(scope), false, JOB_KEYS, from, to, 2, backend);
                String name = name(scope) + (heap ? "" : "_" + backend);
                figures.add("job_events_per_s_" + name, t.eventsPerSecond(), "events/s");
                figures.add("job_cpu_us_per_event_" + name, t.cpuMicrosPerEvent(), "us");
                rates[scope.ordinal()] = t.eventsPerSecond();
                System.err.printf(Locale.ROOT, "shared: %s scope, %s: %.0f events/s%n", name(scope), backend,
                        t.eventsPerSecond());
            }
            figures.add("job_ratio_shared_to_key" + (heap ? "" : "_" + backend),
                    rates[ModelScope.SHARED.ordinal()] / rates[ModelScope.KEY.ordinal()], "ratio");
        }
        // the same at 24 steps ahead, heap: delayed targets, the steps' combination and intervals per key
        long fromAhead = 6L * k1 * JOB_KEYS;
        double[] ahead = new double[2];
        for (ModelScope scope : ModelScope.values()) {
            JobThroughput.Throughput t = JobThroughput.measure(modelAhead(scope), false, JOB_KEYS, fromAhead,
                    fromAhead + (quick ? 4L : 12L) * k1 * JOB_KEYS, 2, StateBackends.HASHMAP);
            String name = name(scope) + "_h" + HORIZON;
            figures.add("job_events_per_s_" + name, t.eventsPerSecond(), "events/s");
            figures.add("job_cpu_us_per_event_" + name, t.cpuMicrosPerEvent(), "us");
            ahead[scope.ordinal()] = t.eventsPerSecond();
            System.err.printf(Locale.ROOT, "shared: %s scope, h%d: %.0f events/s%n", name(scope), HORIZON,
                    t.eventsPerSecond());
        }
        figures.add("job_ratio_shared_to_key_h" + HORIZON,
                ahead[ModelScope.SHARED.ordinal()] / ahead[ModelScope.KEY.ordinal()], "ratio");
        // what learning costs the shared job: the same without it (k1 past the run)
        long from = 6L * k1 * JOB_KEYS;
        JobThroughput.Throughput idle = JobThroughput.measure(model(ModelScope.SHARED).toBuilder().k1(100_000).build(),
                false, JOB_KEYS, from, from + (quick ? 4L : 12L) * k1 * JOB_KEYS, 2, StateBackends.HASHMAP);
        figures.add("job_events_per_s_shared_no_learning", idle.eventsPerSecond(), "events/s");
        figures.add("job_cpu_us_per_event_shared_no_learning", idle.cpuMicrosPerEvent(), "us");
    }

    /**
     * The model's own time per event in this thread, without Flink: {@value #JOB_KEYS} keys in turn, as
     * a subtask serves them, over events 20 to 60 of every key; without learning, k1 = 100,000. Where
     * a job's time goes: training costs a window's update per k1 events in either scope.
     */
    static double modelMicrosPerEvent(ModelScope scope, boolean learning) {
        ModelConfig c = model(scope);
        if (!learning) {
            c = c.toBuilder().k1(100_000).build();
        }
        Prediction p = new Prediction();
        OnlineForecaster f = new OnlineForecaster(c);
        SeriesState[] states = new SeriesState[JOB_KEYS];
        for (int k = 0; k < JOB_KEYS; k++) {
            states[k] = f.newState("k" + k);
        }
        long start = 0;
        for (int e = 0; e < 60; e++) {
            if (e == 20) {
                start = System.nanoTime();
            }
            for (int k = 0; k < JOB_KEYS; k++) {
                double v = Math.sin(0.05 * e) + 0.01 * (k % 7);
                f.observe(states[k], k, 1_700_000_000_000L + 3_600_000L * e, v, null, p);
            }
        }
        return (System.nanoTime() - start) / 1e3 / (40.0 * JOB_KEYS);
    }

    private static String name(ModelScope scope) {
        return scope.name().toLowerCase(Locale.ROOT);
    }
}
