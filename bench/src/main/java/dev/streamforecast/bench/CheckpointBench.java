package dev.streamforecast.bench;

import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.ModelScope;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.ParameterLayout;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import dev.streamforecast.stream.ForecastTopology;
import dev.streamforecast.stream.JobSettings;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource.NumberSequenceSplit;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsHistory;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.SubtaskStateStats;
import org.apache.flink.runtime.checkpoint.TaskStateStats;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;

/**
 * Checkpoints of the real forecaster at many keys, per state backend, with the figures read from
 * Flink's own checkpoint statistics: full state size, the bytes this checkpoint persisted (less than
 * the full size for an incremental checkpoint), end-to-end duration and its synchronous and
 * asynchronous parts.
 *
 * <p>A job on a local mini cluster at parallelism 2 with periodic checkpoints to a temporary directory
 * learns from generated events: every key gets {@code eventsPerKey} events in order (enough for
 * training to have run), keys taken a group at a time and interleaved within the group, so that a
 * heap snapshot taken under load copies only the state of the keys being updated, not all of it. Once
 * every event is processed a checkpoint is triggered: the headline figures. Then, for the backends
 * with incremental checkpoints, every key takes one more event and another checkpoint is triggered:
 * what an incremental checkpoint persists when every key has changed.
 *
 * <p>{@link #run} starts one child JVM per backend, its heap sized for the state (the heap backend
 * holds about 11 GB at 100,000 keys), so that the parent's default heap is enough.
 */
public final class CheckpointBench {
    /** Keys per group: all their events are generated before the next group starts. */
    static final int GROUP = 1_000;
    /**
     * Events per key before the measured checkpoint: one training update at k1 = 16, so the Adam moments
     * are no longer zeros (which RocksDB's compression would shrink), few enough that RocksDB, which
     * reads and writes a key's whole state per event, loads 100,000 keys in minutes.
     */
    static final int EVENTS_PER_KEY = 20;
    static final Duration INTERVAL = Duration.ofSeconds(10);

    private CheckpointBench() {}

    /**
     * The suite's part: each backend in its own child JVM with 100,000 keys ({@code quick}: 10,000);
     * a backend whose heap the machine cannot hold is skipped with a message.
     */
    public static void run(boolean quick, Figures figures) throws Exception {
        int keys = quick ? 10_000 : 100_000;
        long perKey = stateBytesPerKey(BenchCommand.lstm32(), EVENTS_PER_KEY);
        figures.add("checkpoint_keys", keys, "keys");
        // the working files and up to two checkpoints, or RocksDB's files with overwritten values
        long disk = (long) (DISK_PER_STATE_BYTE * keys * perKey);
        for (String backend : StateBackends.ALL) {
            long heap = childHeapBytes(backend, keys, memoryBytesPerKey(BenchCommand.lstm32(), perKey));
            long available = availableMemoryBytes();
            long usable = Files.getFileStore(Path.of(System.getProperty("java.io.tmpdir"))).getUsableSpace();
            if (heap + OFF_HEAP_BYTES > available || disk > usable) {
                System.err.printf(Locale.ROOT, "checkpoint %s: skipped, %d keys need about %.1f GB of memory and "
                        + "%.1f GB of temporary disk; %.1f GB and %.1f GB are available%n", backend, keys,
                        (heap + OFF_HEAP_BYTES) / 1e9, disk / 1e9, available / 1e9, usable / 1e9);
                continue;
            }
            for (String line : inChildJvm(backend, keys, heap)) {
                Figure f = Figure.parse(line);
                figures.add(f.name, f.value, f.unit);
            }
        }
    }

    /** Temporary disk per byte of state: measured 2.1 at 100,000 keys (RocksDB's files and checkpoints). */
    static final double DISK_PER_STATE_BYTE = 2.5;

    /** Memory a child needs besides its heap: managed memory, RocksDB's own, metaspace, thread stacks. */
    static final long OFF_HEAP_BYTES = StateBackends.MANAGED_MEMORY.getBytes() + (1L << 30);

    /**
     * The heap backend keeps every key's state as objects ({@code memoryBytesPerKey} each), plus room for
     * the collector; the others need little.
     */
    static long childHeapBytes(String backend, int keys, long memoryBytesPerKey) {
        long base = 2L << 30;
        return StateBackends.HASHMAP.equals(backend) ? base + (long) (1.3 * keys * memoryBytesPerKey) : base;
    }

    /**
     * A key's state in memory, from its checkpointed bytes: parameters and both Adam moments are stored
     * in four bytes (float32) but held as doubles, eight.
     */
    static long memoryBytesPerKey(ModelConfig model, long stateBytesPerKey) {
        return stateBytesPerKey + 4L * 3L * ParameterLayout.of(model).size;
    }

    /** MemAvailable where the system says it (Linux), otherwise the physical memory. */
    static long availableMemoryBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    /**
     * Runs {@link #main} for one backend in a child JVM and returns its figure lines; {@code scope}, if
     * given, runs the default model in that scope ({@link SharedBench}) in place of LSTM-32.
     */
    static List<String> inChildJvm(String backend, int keys, long heapBytes, String... scope) throws Exception {
        Path out = Files.createTempFile("checkpoint-bench", ".txt");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + (heapBytes >> 20) + "m");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.addAll(jvmOpens());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CheckpointBench.class.getName(),
                backend, Integer.toString(keys), out.toString()));
        cmd.addAll(List.of(scope));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread stop = new Thread(child::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(stop);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                System.err.println(line);
            }
            int exit = child.waitFor();
            if (exit != 0) {
                throw new IllegalStateException("checkpoint " + backend + ": child JVM exited with " + exit);
            }
            return Files.readAllLines(out);
        } finally {
            child.destroyForcibly();
            Runtime.getRuntime().removeShutdownHook(stop);
            Files.deleteIfExists(out);
        }
    }

    /**
     * The module opens Flink needs, as this JVM got them: from the command line (tests, {@code -cp}) or,
     * for {@code java -jar}, from the jar's manifest, which a child started with {@code -cp} ignores.
     */
    static List<String> jvmOpens() throws IOException {
        List<String> opts = new ArrayList<>();
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--add-opens=") || a.startsWith("--add-exports=")) {
                opts.add(a);
            } else if ((a.equals("--add-opens") || a.equals("--add-exports")) && i + 1 < args.size()) {
                opts.add(a + "=" + args.get(++i));
            }
        }
        File code = new File(CheckpointBench.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        if (code.isFile()) {
            try (JarFile jar = new JarFile(code)) {
                Attributes main = jar.getManifest() == null ? new Attributes() : jar.getManifest().getMainAttributes();
                for (String kind : List.of("Add-Opens", "Add-Exports")) {
                    String packages = main.getValue(kind);
                    for (String p : packages == null ? new String[0] : packages.trim().split("\\s+")) {
                        opts.add("--" + kind.toLowerCase(Locale.ROOT) + "=" + p + "=ALL-UNNAMED");
                    }
                }
            }
        }
        return opts;
    }

    /**
     * The child side of {@link #run}: {@code BACKEND KEYS OUT-FILE [SCOPE]}; writes its figure lines to
     * OUT-FILE.
     */
    public static void main(String[] args) throws Exception {
        String backend = args[0];
        int keys = Integer.parseInt(args[1]);
        boolean scoped = args.length > 3;
        ModelConfig model = scoped ? SharedBench.model(ModelScope.valueOf(args[3])) : BenchCommand.lstm32();
        int events = scoped ? SharedBench.CHECKPOINT_EVENTS_PER_KEY : EVENTS_PER_KEY;
        Path dir = Files.createTempDirectory("checkpoint-bench-" + backend);
        try {
            Result r = measure(model, backend, keys, events, INTERVAL, dir);
            List<String> lines = new ArrayList<>();
            r.figures().forEach(f -> lines.add(f.toString()));
            Files.write(Path.of(args[2]), lines);
        } finally {
            FileUtils.deleteDirectory(dir.toFile());
        }
        System.exit(0);
    }

    /** What one run measured, from Flink's statistics of the completed checkpoints. */
    public record Result(String backend, int keys, long stateBytesPerKey, double loadEventsPerSecond,
            int periodicCheckpoints, Stats afterLoad, long touchPersistedBytes, Stats afterTouch) {

        /** This run's figures, named after the backend. */
        public List<Figure> figures() {
            String b = backend;
            List<Figure> f = new ArrayList<>();
            f.add(new Figure("checkpoint_bytes_" + b, afterLoad.stateBytes, "bytes"));
            f.add(new Figure("checkpoint_bytes_per_key_" + b, afterLoad.stateBytes / (double) keys, "bytes"));
            f.add(new Figure("checkpoint_over_state_bytes_" + b,
                    afterLoad.stateBytes / (double) keys / stateBytesPerKey, "ratio"));
            f.add(new Figure("checkpoint_persisted_bytes_" + b, afterLoad.persistedBytes, "bytes"));
            f.add(new Figure("checkpoint_duration_ms_" + b, afterLoad.durationMillis, "ms"));
            f.add(new Figure("checkpoint_sync_ms_" + b, afterLoad.syncMillis, "ms"));
            f.add(new Figure("checkpoint_async_ms_" + b, afterLoad.asyncMillis, "ms"));
            if (afterTouch != null) {
                f.add(new Figure("checkpoint_after_touch_persisted_bytes_" + b, touchPersistedBytes, "bytes"));
                f.add(new Figure("checkpoint_after_touch_duration_ms_" + b, afterTouch.durationMillis, "ms"));
            }
            f.add(new Figure("checkpoint_load_events_per_s_" + b, loadEventsPerSecond, "events/s"));
            return f;
        }
    }

    /** One figure as the child JVM hands it to the parent: {@code name=value unit}, value at full precision. */
    public record Figure(String name, double value, String unit) {
        static Figure parse(String line) {
            String[] nameValue = line.split("=", 2);
            String[] valueUnit = nameValue[1].split(" ", 2);
            return new Figure(nameValue[0], Double.parseDouble(valueUnit[0]), valueUnit[1]);
        }

        @Override
        public String toString() {
            return name + "=" + value + " " + unit;
        }
    }

    /**
     * One completed checkpoint: full and persisted bytes, end-to-end duration, and the slowest
     * subtask's synchronous and asynchronous parts and barrier start delay in the operator with the most
     * state.
     */
    public record Stats(long id, long stateBytes, long persistedBytes, long durationMillis, long syncMillis,
            long asyncMillis, long startDelayMillis) {
        static Stats of(CompletedCheckpointStats c) {
            TaskStateStats largest = null;
            for (TaskStateStats t : c.getAllTaskStateStats()) {
                if (largest == null || t.getStateSize() > largest.getStateSize()) {
                    largest = t;
                }
            }
            long sync = 0;
            long async = 0;
            long startDelay = 0;
            if (largest != null) {
                for (SubtaskStateStats s : largest.getSubtaskStats()) {
                    if (s != null) {
                        sync = Math.max(sync, s.getSyncCheckpointDuration());
                        async = Math.max(async, s.getAsyncCheckpointDuration());
                        startDelay = Math.max(startDelay, s.getCheckpointStartDelay());
                    }
                }
            }
            return new Stats(c.getCheckpointId(), c.getStateSize(), c.getCheckpointedSize(),
                    c.getEndToEndDuration(), sync, async, startDelay);
        }
    }

    /**
     * Runs the job for {@code backend} with {@code keys} keys in this JVM, working under {@code dir}
     * (which the caller deletes), and returns what the checkpoints measured.
     */
    public static Result measure(ModelConfig model, String backend, int keys, int eventsPerKey,
            Duration interval, Path dir) throws Exception {
        Configuration conf = new Configuration();
        StateBackends.configure(conf, backend, dir);
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("checkpoints").toUri().toString());
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, interval);
        conf.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, interval.dividedBy(2));
        conf.set(CoreOptions.TMP_DIRS, dir.resolve("tmp").toString());
        conf.set(RestOptions.BIND_PORT, "0");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        // a failure must end the run, not wait for a heartbeat timeout; a long GC pause must not fail it
        conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(2));
        conf.set(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT, Duration.ofSeconds(120));

        String run = Gate.open();
        try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build())) {
            cluster.start();
            StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
            env.setParallelism(2);
            long loadEvents = (long) keys * eventsPerKey;
            DataGeneratorSource<Observation> source = new DataGeneratorSource<>(
                    new Events(keys, eventsPerKey), loadEvents + keys, new GateStrategy(run),
                    TypeInformation.of(Observation.class));
            DataStream<Observation> events = env.fromSource(source, WatermarkStrategy.<Observation>noWatermarks()
                    .withTimestampAssigner((o, t) -> o.ts), "events").setParallelism(1);
            JobSettings settings = new JobSettings(model, Duration.ZERO, Duration.ZERO, null);
            ForecastTopology.build(events, settings).forecasts.sinkTo(new EventCounter.CountingSink<Forecast>(run)).name("count");
            JobID job = cluster.submitJob(env.getStreamGraph()).get().getJobID();
            try {
                progress(backend, keys + " keys, " + eventsPerKey + " events each, checkpoint every "
                        + interval.toSeconds() + " s");
                long start = System.nanoTime();
                Gate.of(run).release(loadEvents);
                awaitProcessed(cluster, job, run, loadEvents);
                double loadRate = loadEvents / ((System.nanoTime() - start) / 1e9);
                Stats afterLoad = checkpoint(cluster, job);
                int periodic = (int) (afterLoad.id - 1);
                progress(backend, "after the load and " + periodic + " periodic checkpoints: " + afterLoad);

                long perKey = stateBytesPerKey(model, eventsPerKey);
                if (StateBackends.HASHMAP.equals(backend)) {
                    // every heap checkpoint is full; and touching every key while a periodic snapshot
                    // still runs would copy every key's state (copy-on-write): twice the heap at 100,000 keys
                    return new Result(backend, keys, perKey, loadRate, periodic, afterLoad, -1, null);
                }
                Gate.of(run).release(loadEvents + keys);
                awaitProcessed(cluster, job, run, loadEvents + keys);
                Stats afterTouch = checkpoint(cluster, job);
                long touchPersisted = persistedBetween(cluster, job, afterLoad.id, afterTouch.id);
                progress(backend, "after one more event per key: " + afterTouch + ", persisted since the load: "
                        + touchPersisted + " bytes");
                return new Result(backend, keys, perKey, loadRate, periodic, afterLoad, touchPersisted, afterTouch);
            } finally {
                cluster.cancelJob(job).get(60, TimeUnit.SECONDS);
                cluster.requestJobResult(job).get(120, TimeUnit.SECONDS);
            }
        } finally {
            Gate.close(run);
        }
    }

    /**
     * The binary form's bytes of one key's state after {@code events} hourly events: what a checkpoint
     * stores per key (in shared scope the key's own part, the weights being the network's).
     */
    static long stateBytesPerKey(ModelConfig model, int events) throws IOException {
        OnlineForecaster f = new OnlineForecaster(model);
        SeriesState s = f.newState("k0");
        Prediction p = new Prediction(model.horizon);
        for (int t = 0; t < events; t++) {
            f.observe(s, 1_700_000_000_000L + 3_600_000L * t, Math.sin(0.05 * t), null, p);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (model.scope == ModelScope.SHARED) {
            s.write(SeriesState.Part.RECURRENT, new DataOutputStream(bytes));
        } else {
            s.writeTo(new DataOutputStream(bytes));
        }
        return bytes.size();
    }

    private static void awaitProcessed(MiniCluster cluster, JobID job, String run, long events) throws Exception {
        Gate gate = Gate.of(run);
        long lastReport = System.nanoTime();
        while (gate.processed.sum() < events) {
            JobStatus status = cluster.getJobStatus(job).get();
            if (status.isTerminalState()) {
                Throwable cause = cluster.requestJobResult(job).get().getSerializedThrowable()
                        .map(t -> t.deserializeError(CheckpointBench.class.getClassLoader())).orElse(null);
                throw new IllegalStateException("job " + status + " after " + gate.processed.sum() + " of "
                        + events + " events", cause);
            }
            if (System.nanoTime() - lastReport > 30e9) {
                System.err.printf("checkpoint: %d of %d events%n", gate.processed.sum(), events);
                lastReport = System.nanoTime();
            }
            Thread.sleep(50);
        }
    }

    /** Triggers a checkpoint and reads its statistics once Flink has recorded them. */
    private static Stats checkpoint(MiniCluster cluster, JobID job) throws Exception {
        long id = cluster.triggerCheckpoint(job, CheckpointType.CONFIGURED).get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            AbstractCheckpointStats stats = history(cluster, job).getCheckpointById(id);
            if (stats instanceof CompletedCheckpointStats) {
                return Stats.of((CompletedCheckpointStats) stats);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("checkpoint " + id + " completed but its statistics did not appear");
            }
            Thread.sleep(50);
        }
    }

    /** Bytes persisted by the checkpoints after {@code afterId} up to and including {@code toId}. */
    private static long persistedBetween(MiniCluster cluster, JobID job, long afterId, long toId) throws Exception {
        long sum = 0;
        for (AbstractCheckpointStats c : history(cluster, job).getCheckpoints()) {
            if (c instanceof CompletedCheckpointStats && c.getCheckpointId() > afterId && c.getCheckpointId() <= toId) {
                sum += c.getCheckpointedSize();
            }
        }
        return sum;
    }

    private static CheckpointStatsHistory history(MiniCluster cluster, JobID job) throws Exception {
        return cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot().getHistory();
    }

    private static void progress(String backend, String message) {
        System.err.println("checkpoint " + backend + ": " + message);
    }

    /**
     * Event {@code i}: keys come a group at a time, interleaved within the group, each key's events in
     * order; after the load, one more event for every key in turn.
     */
    static final class Events implements GeneratorFunction<Long, Observation> {
        private static final long serialVersionUID = 1L;
        private final int keys;
        private final int eventsPerKey;

        Events(int keys, int eventsPerKey) {
            this.keys = keys;
            this.eventsPerKey = eventsPerKey;
        }

        @Override
        public Observation map(Long index) {
            long i = index;
            long load = (long) keys * eventsPerKey;
            int key;
            int step;
            if (i < load) {
                long block = (long) GROUP * eventsPerKey;
                int group = (int) (i / block);
                int size = Math.min(GROUP, keys - group * GROUP);
                int j = (int) (i % block);
                key = group * GROUP + j % size;
                step = j / size;
            } else {
                key = (int) (i - load);
                step = eventsPerKey;
            }
            return new Observation("k" + key, step * 1000L, Math.sin(0.05 * step) + 0.01 * (key % 7));
        }
    }

    /**
     * Lets the source emit only as many events as the benchmark has released, then leaves it idle but
     * running (a finished job takes no checkpoints). The source runs inside this JVM's mini cluster.
     */
    static final class Gate {
        private static final Map<String, Gate> OPEN = new ConcurrentHashMap<>();
        private static final CompletableFuture<Void> NOW = CompletableFuture.completedFuture(null);

        /** Forecasts the job has emitted: one per processed event. */
        final LongAdder processed;
        private long released;
        private CompletableFuture<Void> raised = new CompletableFuture<>();

        private Gate(LongAdder processed) {
            this.processed = processed;
        }

        static String open() {
            String id = java.util.UUID.randomUUID().toString();
            OPEN.put(id, new Gate(EventCounter.open(id)));
            return id;
        }

        static Gate of(String id) {
            Gate g = OPEN.get(id);
            if (g == null) {
                throw new IllegalStateException("the benchmark's source runs only in the JVM that started it");
            }
            return g;
        }

        static void close(String id) {
            OPEN.remove(id);
            EventCounter.close(id);
        }

        /** Lets the source emit events up to {@code total} in all. */
        void release(long total) {
            CompletableFuture<Void> waiting;
            synchronized (this) {
                released = total;
                waiting = raised;
                raised = new CompletableFuture<>();
            }
            waiting.complete(null);
        }

        /** Completes once event number {@code n} (1-based) may be emitted. */
        synchronized CompletableFuture<Void> whenReleased(long n) {
            return n <= released ? NOW : raised.thenCompose(v -> whenReleased(n));
        }
    }

    /** The source's rate limiter: one permit per event, as many as the gate has released. */
    static final class GateStrategy implements RateLimiterStrategy<NumberSequenceSplit> {
        private static final long serialVersionUID = 1L;
        private final String run;

        GateStrategy(String run) {
            this.run = run;
        }

        @Override
        public RateLimiter<NumberSequenceSplit> createRateLimiter(int parallelism) {
            Gate gate = Gate.of(run);
            return new RateLimiter<>() {
                private long granted;

                @Override
                public CompletionStage<Void> acquire(int permits) {
                    granted += permits;
                    return gate.whenReleased(granted);
                }
            };
        }
    }
}
