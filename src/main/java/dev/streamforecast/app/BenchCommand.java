package dev.streamforecast.app;

import dev.streamforecast.bench.ModelBenchmark;
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
        return 0;
    }

    private static void line(String name, double value, String unit) {
        System.out.printf(Locale.ROOT, "%s=%.4g %s%n", name, value, unit);
    }
}
