package dev.streamforecast.app;

import dev.streamforecast.bench.JobThroughput;
import dev.streamforecast.bench.ModelBenchmark;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.ParameterLayout;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: the JMH benchmarks of the model, ending with one {@code name=value unit} line per
 * figure so results are easy to track over time.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run the benchmark suite (JMH) and print one name=value unit line per figure.")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "Fewer and shorter iterations: a rough figure in ~30 s.")
    boolean quick;

    @Option(names = "--job", description = "Also the whole job on a local mini cluster: 10,000 keys, learning on, "
            + "against a pass-through keyed job (a few minutes).")
    boolean job;

    @Override
    public Integer call() throws Exception {
        Options options = new OptionsBuilder()
                .include(ModelBenchmark.class.getName() + ".*")
                .forks(1)
                .warmupIterations(quick ? 2 : 5)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 3 : 10)
                .measurementTime(TimeValue.seconds(quick ? 1 : 2))
                .build();
        Collection<RunResult> results = new Runner(options).run();
        Map<String, Double> nanos = new HashMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            nanos.put(label.substring(label.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
        }
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.println();
        line("machine_cores", cores, "cores");
        line("model_step_lstm32", 1e9 / nanos.get("step"), "steps/s");
        line("model_observe_lstm32", 1e9 / nanos.get("observe"), "events/s");
        line("model_forward32_lstm32", nanos.get("forward32") / 1e3, "us");
        line("model_tbptt_update_k2_32_adam", nanos.get("tbpttUpdate") / 1e3, "us");
        line("model_tbptt_over_forward32", nanos.get("tbpttUpdate") / nanos.get("forward32"), "ratio");
        line("model_default_hybrid_event", 1e9 / nanos.get("defaultModelEvent"), "events/s");
        stateSize("lstm32", ModelConfig.builder().linearOrder(0).inputs(java.util.List.of("level")).build());
        stateSize("default", ModelConfig.builder().build());
        if (job) {
            int keys = 10_000;
            // each key needs many events for learning to run at its steady rate (every 16th event)
            ModelConfig lstm = ModelConfig.builder().hidden(32).k1(16).k2(32).linearOrder(0)
                    .inputs(java.util.List.of("level")).build();
            double forecaster = JobThroughput.rate(lstm, false, keys, 50L * keys, (quick ? 100L : 150L) * keys, 2);
            double pass = JobThroughput.rate(lstm, true, keys, 1_000_000, quick ? 3_000_000 : 6_000_000, 2);
            line("job_events_per_s_lstm32_k1_16", forecaster, "events/s");
            line("job_events_per_s_passthrough", pass, "events/s");
            line("job_ratio_lstm32_to_passthrough", forecaster / pass, "ratio");
        }
        return 0;
    }

    /**
     * Checkpointed bytes of one key's state (its binary form, which the Flink serializer writes) against
     * the raw size of its parameters, Adam moments and window at 8 bytes a double.
     */
    private static void stateSize(String name, ModelConfig config) throws java.io.IOException {
        OnlineForecaster f = new OnlineForecaster(config);
        SeriesState s = f.newState("key");
        Prediction p = new Prediction();
        for (int t = 0; t < 500; t++) {
            f.observe(s, Math.sin(0.1 * t), null, p);
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        s.writeTo(new java.io.DataOutputStream(bytes));
        ParameterLayout layout = f.layout();
        long raw = 8L * (3L * layout.size + s.window.length);
        line("state_bytes_per_key_" + name, bytes.size(), "bytes");
        line("state_raw_bytes_per_key_" + name, raw, "bytes");
        line("state_overhead_ratio_" + name, bytes.size() / (double) raw, "ratio");
    }

    private static void line(String name, double value, String unit) {
        System.out.printf(Locale.ROOT, "%s=%.4g %s%n", name, value, unit);
    }
}
