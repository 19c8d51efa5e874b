package dev.streamforecast.bench;

import dev.streamforecast.app.Logging;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.ParameterLayout;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import dev.streamforecast.stream.JobSettings;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: the benchmark suite, ending with one {@code name=value unit} line per figure so results
 * are easy to track over time. Progress goes to stderr, the summary to stdout. Its own jar
 * ({@code bench/target/forecaster-bench.jar}, run by {@code ./forecaster bench}), so that JMH and the
 * suite stay out of the product's jars.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run the benchmark suite and print one name=value unit line per figure.")
public final class BenchCommand implements Callable<Integer> {

    /** The parts of the suite, in the order they run. */
    enum Part { MODEL, STATE, JOB, CHECKPOINT, LATENCY, SHARED }

    @Option(names = "--quick", description = "Fewer and shorter iterations, smaller runs: rough figures, fast.")
    boolean quick;

    @Option(names = "--only", split = ",", paramLabel = "PART",
            description = "Run only these parts, any case: ${COMPLETION-CANDIDATES} (default: all).")
    EnumSet<Part> only;

    @Option(names = Logging.VERBOSE, description = "Flink's and Kafka's logs on the console instead of a file.")
    boolean verbose;

    public static void main(String[] args) {
        Logging.configure("bench", args, BenchCommand.class);
        // parts as users type them: --only latency
        System.exit(new CommandLine(new BenchCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    /** The model configuration the issue's figures are stated for: LSTM-32, one layer, one input. */
    public static ModelConfig lstm32() {
        return ModelConfig.builder().hidden(32).k1(16).k2(32).linearOrder(0).inputs(List.of("level")).build();
    }

    @Override
    public Integer call() throws Exception {
        EnumSet<Part> parts = only == null || only.isEmpty() ? EnumSet.allOf(Part.class) : only;
        Figures figures = new Figures();
        figures.add("machine_cores", Runtime.getRuntime().availableProcessors(), "cores");
        System.err.println("bench: " + Logging.where());
        try {
            for (Part part : parts) {
                System.err.println("bench: " + part.name().toLowerCase(java.util.Locale.ROOT) + " ...");
                switch (part) {
                    case MODEL: model(figures); break;
                    case STATE: state(figures); break;
                    case JOB: job(figures); break;
                    case CHECKPOINT: CheckpointBench.run(quick, figures); break;
                    case LATENCY: KafkaLatency.run(lstm32(), quick, figures); break;
                    case SHARED: SharedBench.run(quick, figures); break;
                    default: throw new IllegalStateException(part.name());
                }
            }
        } finally {
            // a part that fails still leaves the figures of those before it
            System.out.println();
            figures.print(System.out);
        }
        return 0;
    }

    private void model(Figures figures) throws Exception {
        Options options = new OptionsBuilder()
                .include(ModelBenchmark.class.getName() + ".*")
                .include(PeakBenchmark.class.getName() + ".*")
                .include(KeyedModelBenchmark.class.getName() + ".*")
                .include(HorizonBenchmark.class.getName() + ".*")
                .include(AnomalyBenchmark.class.getName() + ".*")
                .forks(1)
                .warmupIterations(quick ? 2 : 5)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 3 : 10)
                .measurementTime(TimeValue.seconds(1))
                .build();
        Collection<RunResult> results = new Runner(options).run();
        Map<String, Double> nanos = new HashMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            String keys = r.getParams().getParam("keys");
            String horizon = r.getParams().getParam("horizon");
            nanos.put(label.substring(label.lastIndexOf('.') + 1) + (keys == null ? "" : "@" + keys)
                    + (horizon == null ? "" : "@h" + horizon), r.getPrimaryResult().getScore());
        }
        figures.add("model_step_lstm32", 1e9 / nanos.get("step"), "steps/s");
        figures.add("model_observe_lstm32", 1e9 / nanos.get("observe"), "events/s");
        figures.add("model_forward32_lstm32", nanos.get("forward32") / 1e3, "us");
        figures.add("model_tbptt_update_k2_32_adam", nanos.get("tbpttUpdate") / 1e3, "us");
        figures.add("model_tbptt_over_forward32", nanos.get("tbpttUpdate") / nanos.get("forward32"), "ratio");
        figures.add("model_default_hybrid_event", 1e9 / nanos.get("defaultModelEvent"), "events/s");
        // the same model driven as a subtask drives it: one key, or 5,000 keys in turn (state out of cache)
        figures.add("model_step_lstm32_1_key", 1e9 / nanos.get("step@1"), "steps/s");
        figures.add("model_step_lstm32_5000_keys", 1e9 / nanos.get("step@5000"), "steps/s");
        figures.add("model_event_learning_k1_16_1_key", 1e9 / nanos.get("observeLearning@1"), "events/s");
        figures.add("model_event_learning_k1_16_5000_keys", 1e9 / nanos.get("observeLearning@5000"), "events/s");
        // forecast.horizon: the default model forecasting H steps, hourly events with their times
        for (int h : HorizonBenchmark.HORIZONS) {
            figures.add("model_default_event_h" + h, nanos.get("event@h" + h) / 1e3, "us");
        }
        // the anomaly score: the event at H=1 above includes it; without it, and its share (target: at most 5%)
        double score = nanos.get("score");
        figures.add("model_anomaly_score", score, "ns");
        figures.add("model_default_event_h1_without_anomaly_score", (nanos.get("event@h1") - score) / 1e3, "us");
        figures.add("model_anomaly_score_over_event_without_it_h1", score / (nanos.get("event@h1") - score), "ratio");

        // The peak: measured FMA issue rate of one core x the JIT's vector lanes x 2 flops per FMA.
        double fmaPerSecond = 1e9 / nanos.get("scalarFma");
        int lanes = vectorBytes() / Double.BYTES;
        double peak = fmaPerSecond * lanes * 2;
        figures.add("machine_scalar_fma_per_s_one_core", fmaPerSecond, "fma/s");
        figures.add("machine_vector_lanes_double", lanes, "lanes");
        figures.add("machine_peak_flops_double_one_core", peak, "flop/s");
        // 2 flops per multiply-add of the matrix products; activations and element-wise work not counted
        double stepFlops = 2.0 * ParameterLayout.of(lstm32()).multiplyAddsPerStep();
        double stepRate = stepFlops * 1e9 / nanos.get("step");
        figures.add("model_step_flops_lstm32", stepRate, "flop/s");
        figures.add("model_step_fraction_of_peak", stepRate / peak, "ratio");
        double updateRate = 3 * 32 * stepFlops * 1e9 / nanos.get("tbpttUpdate");
        figures.add("model_tbptt_update_flops", updateRate, "flop/s");
        figures.add("model_tbptt_update_fraction_of_peak", updateRate / peak, "ratio");
    }

    /** Widest vector, in bytes, the JIT compiles loops to (HotSpot's MaxVectorSize); 16 if unknown. */
    static int vectorBytes() {
        try {
            var hotspot = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            return Integer.parseInt(hotspot.getVMOption("MaxVectorSize").getValue());
        } catch (RuntimeException e) {
            return 16;
        }
    }

    private static void state(Figures figures) throws IOException {
        stateSize(figures, "lstm32", lstm32());
        stateSize(figures, "default", ModelConfig.builder().build());
        for (int h : HorizonBenchmark.HORIZONS) {
            stateSize(figures, "default_h" + h, ModelConfig.builder().horizon(h).build());
        }
    }

    private void job(Figures figures) throws Exception {
        int keys = 10_000;
        ModelConfig lstm = lstm32();
        // the window opens after 50 events per key: start-up, state creation and the JIT are behind it,
        // and learning (every 16th event of a key) runs at its steady share
        long to = (quick ? 100L : 150L) * keys;
        JobThroughput.Throughput heap = JobThroughput.measure(lstm, false, keys, 50L * keys, to, 2,
                StateBackends.HASHMAP);
        JobThroughput.Throughput pass = JobThroughput.measure(lstm, true, keys, 1_000_000,
                quick ? 3_000_000 : 6_000_000, 2, StateBackends.HASHMAP);
        figures.add("job_events_per_s_lstm32_k1_16", heap.eventsPerSecond(), "events/s");
        figures.add("job_cpu_us_per_event_lstm32_k1_16", heap.cpuMicrosPerEvent(), "us");
        figures.add("job_events_per_s_passthrough", pass.eventsPerSecond(), "events/s");
        figures.add("job_cpu_us_per_event_passthrough", pass.cpuMicrosPerEvent(), "us");
        figures.add("job_ratio_lstm32_to_passthrough", heap.eventsPerSecond() / pass.eventsPerSecond(), "ratio");
        // the product's default event handling: sorted per key within 5 s of event time (keyed state and
        // a timer per event), idle keys expired after 7 days
        JobThroughput.Throughput sorted = JobThroughput.measure(JobSettings.defaults(lstm), false, keys,
                50L * keys, to, 2, StateBackends.HASHMAP);
        figures.add("job_events_per_s_lstm32_k1_16_sorted_5s", sorted.eventsPerSecond(), "events/s");
        figures.add("job_cpu_us_per_event_lstm32_k1_16_sorted_5s", sorted.cpuMicrosPerEvent(), "us");
        // what bounds the rate: learning every 64th event instead of every 16th
        JobThroughput.Throughput sparse = JobThroughput.measure(lstm.toBuilder().k1(64).build(), false, keys,
                64L * keys, (quick ? 128L : 192L) * keys, 2, StateBackends.HASHMAP);
        figures.add("job_events_per_s_lstm32_k1_64", sparse.eventsPerSecond(), "events/s");
        figures.add("job_cpu_us_per_event_lstm32_k1_64", sparse.cpuMicrosPerEvent(), "us");
        // the product out of the box: the default hybrid model (AR(48) + LSTM-32, learning every 8th
        // event) and the default event handling
        JobThroughput.Throughput standard = JobThroughput.measure(JobSettings.defaults(ModelConfig.builder().build()),
                false, keys, 50L * keys, to, 2, StateBackends.HASHMAP);
        figures.add("job_events_per_s_default_config", standard.eventsPerSecond(), "events/s");
        figures.add("job_cpu_us_per_event_default_config", standard.cpuMicrosPerEvent(), "us");
        // state serialised on every access: slower, so a shorter window, still whole multiples of k1 per key
        for (String backend : List.of(StateBackends.ROCKSDB, StateBackends.ROCKSDB_UNCOMPRESSED, StateBackends.FORST)) {
            JobThroughput.Throughput t = JobThroughput.measure(lstm, false, keys, 16L * keys,
                    (quick ? 32L : 64L) * keys, 2, backend);
            String name = backend.replace('-', '_');
            figures.add("job_events_per_s_lstm32_k1_16_" + name, t.eventsPerSecond(), "events/s");
            figures.add("job_cpu_us_per_event_lstm32_k1_16_" + name, t.cpuMicrosPerEvent(), "us");
        }
    }

    /**
     * Checkpointed bytes of one key's state (its binary form, which the Flink serializer writes) against
     * the raw size of what it must hold: the network's parameters and Adam moments at the 4 bytes of
     * float32 they are kept at, the windows of raw values at 8 bytes a double and, for a model with a
     * linear part, that part's coefficients, RLS covariance (its optimiser state) and lags in doubles.
     */
    private static void stateSize(Figures figures, String name, ModelConfig config) throws IOException {
        OnlineForecaster f = new OnlineForecaster(config);
        SeriesState s = f.newState("key");
        Prediction p = new Prediction(config.horizon);
        for (int t = 0; t < 500; t++) {
            f.observe(s, 1_700_000_000_000L + 3_600_000L * t, Math.sin(0.1 * t), null, p);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.writeTo(new DataOutputStream(bytes));
        ParameterLayout layout = f.layout();
        long raw = 4L * 3L * layout.size + 8L * (s.window.length + s.linearWindow.length);
        if (s.linear != null) {
            raw += 8L * (s.linear.theta.length + s.linear.covariance.length + s.linear.lags.length);
        }
        figures.add("state_bytes_per_key_" + name, bytes.size(), "bytes");
        figures.add("state_raw_bytes_per_key_" + name, raw, "bytes");
        figures.add("state_overhead_ratio_" + name, bytes.size() / (double) raw, "ratio");
    }
}
