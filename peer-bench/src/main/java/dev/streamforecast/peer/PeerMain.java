package dev.streamforecast.peer;

import dev.streamforecast.bench.Figures;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The peer benchmark's entry point: runs {@link PeerBenchmark} in one JMH run and ends with one
 * {@code name=value unit} line per figure. Progress (JMH's included, and everything ND4J prints in the
 * forks) goes to stderr, the summary to stdout.
 */
public final class PeerMain {
    private static final String USAGE = "usage: java -jar peer-bench/target/peer-bench.jar [--quick]\n"
            + "  --quick  fewer and shorter iterations: rough figures in about 30 s";

    private static final String PROCESS_CPU = "processCpuNanos";
    private static final String THREAD_CPU = "threadCpuNanos";
    private static final List<String> PEER_VARIANTS =
            List.of("double", "float", "double" + PeerBenchmark.Peer.DEFAULT_THREADS);
    /** JMH's gc profiler: heap bytes allocated per operation. */
    private static final String ALLOCATED = "gc.alloc.rate.norm";
    private static final long MAX_WAIT_SECONDS = 3600;

    private PeerMain() {}

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        for (String a : args) {
            if ("--quick".equals(a)) {
                quick = true;
            } else if ("--help".equals(a) || "-h".equals(a)) {
                System.out.println(USAGE);
                return;
            } else {
                System.err.println("unknown argument: " + a + "\n" + USAGE);
                System.exit(2);
            }
        }
        Figures figures = new Figures();
        figures.add("machine_cores", Runtime.getRuntime().availableProcessors(), "cores");
        summarise(run(quick), figures);
        System.out.println();
        figures.print(System.out);
    }

    /**
     * Steps per second by wall time (JMH's score) and their ratios; CPU time per step, of the benchmark
     * thread and of the whole process; heap bytes allocated per step.
     */
    private static void summarise(Map<String, RunResult> runs, Figures figures) {
        RunResult ours = runs.get("ours");
        figures.add("peer_ours_step_lstm32", 1e9 / nanos(ours), "steps/s");
        for (String type : List.of("double", "float")) {
            figures.add("peer_dl4j_rnn_time_step_lstm32_" + type, 1e9 / nanos(runs.get(type)), "steps/s");
        }
        for (String type : List.of("double", "float")) {
            figures.add("peer_ratio_ours_over_dl4j_" + type, nanos(runs.get(type)) / nanos(ours), "ratio");
        }
        RunResult defaults = runs.get("double" + PeerBenchmark.Peer.DEFAULT_THREADS);
        figures.add("peer_dl4j_rnn_time_step_lstm32_double_default_threads", 1e9 / nanos(defaults), "steps/s");
        figures.add("peer_dl4j_default_threads", mean(defaults, "nd4jThreads"), "threads");
        figures.add("peer_ours_thread_cpu_per_step", perStep(ours, THREAD_CPU), "ns");
        figures.add("peer_ours_process_cpu_per_step", perStep(ours, PROCESS_CPU), "ns");
        for (String type : List.of("double", "float")) {
            figures.add("peer_dl4j_thread_cpu_per_step_" + type, perStep(runs.get(type), THREAD_CPU), "ns");
        }
        for (String variant : PEER_VARIANTS) {
            figures.add("peer_dl4j_process_cpu_per_step_" + name(variant), perStep(runs.get(variant), PROCESS_CPU), "ns");
        }
        for (String type : List.of("double", "float")) {
            figures.add("peer_ratio_ours_over_dl4j_" + type + "_by_process_cpu",
                    perStep(runs.get(type), PROCESS_CPU) / perStep(ours, PROCESS_CPU), "ratio");
        }
        figures.add("peer_ours_heap_bytes_per_step", secondary(ours, ALLOCATED), "bytes");
        for (String variant : PEER_VARIANTS) {
            figures.add("peer_dl4j_heap_bytes_per_step_" + name(variant), secondary(runs.get(variant), ALLOCATED),
                    "bytes");
        }
    }

    /**
     * Runs every benchmark; results keyed "ours" and by DL4J's variant. DL4J's deep Java call paths take
     * longer than our step to be compiled, so the warm-up is twice the root bench's.
     */
    private static Map<String, RunResult> run(boolean quick) throws Exception {
        Options options = new OptionsBuilder()
                .include(PeerBenchmark.class.getName() + ".*")
                .forks(1)
                .addProfiler(ThreadEnvironment.class)
                .addProfiler(GCProfiler.class)
                .warmupIterations(quick ? 3 : 10)
                .warmupTime(TimeValue.seconds(quick ? 1 : 2))
                .measurementIterations(quick ? 3 : 10)
                .measurementTime(TimeValue.seconds(quick ? 1 : 2))
                .build();
        Collection<RunResult> results = runWhenFree(options);
        Map<String, RunResult> runs = new HashMap<>();
        for (RunResult r : results) {
            String variant = r.getParams().getParam("variant");
            String key = variant == null ? "ours" : variant;
            runs.put(key, r);
            Result<?> score = r.getPrimaryResult();
            System.err.printf(Locale.ROOT, "peer: %-24s %11.1f +- %.1f ns per step; cpu per step: thread %.1f ns, "
                    + "process %.1f ns; %.0f heap bytes per step%n", key, score.getScore(), score.getScoreError(),
                    perStep(r, THREAD_CPU), perStep(r, PROCESS_CPU), secondary(r, ALLOCATED));
        }
        return runs;
    }

    /**
     * Runs JMH, waiting while another JMH run on this machine holds JMH's lock: two benchmark runs at once
     * would spoil both.
     */
    private static Collection<RunResult> runWhenFree(Options options) throws Exception {
        long waitedSeconds = 0;
        while (true) {
            try {
                return new Runner(options, OutputFormatFactory.createFormatInstance(System.err, VerboseMode.NORMAL))
                        .run();
            } catch (RunnerException e) {
                if (e.getMessage() == null || !e.getMessage().contains("JMH lock") || waitedSeconds >= MAX_WAIT_SECONDS) {
                    throw e;
                }
                if (waitedSeconds % 60 == 0) {
                    System.err.println("peer: another JMH run holds its lock; waiting (" + waitedSeconds + " s so far)");
                }
                Thread.sleep(5_000);
                waitedSeconds += 5;
            }
        }
    }

    private static double nanos(RunResult r) {
        return r.getPrimaryResult().getScore();
    }

    private static double secondary(RunResult r, String name) {
        return r.getSecondaryResults().get(name).getScore();
    }

    /** A per-iteration counter over the measured iterations, per step. */
    private static double perStep(RunResult r, String counter) {
        double sum = 0;
        long steps = 0;
        for (IterationResult i : r.getBenchmarkResults().iterator().next().getIterationResults()) {
            sum += i.getSecondaryResults().get(counter).getScore();
            steps += i.getMetadata().getMeasuredOps();
        }
        return sum / steps;
    }

    private static String name(String variant) {
        return variant.replace('-', '_');
    }

    /** A per-iteration counter averaged over the measured iterations (JMH would sum them). */
    private static double mean(RunResult r, String counter) {
        double sum = 0;
        int n = 0;
        for (IterationResult i : r.getBenchmarkResults().iterator().next().getIterationResults()) {
            sum += i.getSecondaryResults().get(counter).getScore();
            n++;
        }
        return sum / n;
    }
}
