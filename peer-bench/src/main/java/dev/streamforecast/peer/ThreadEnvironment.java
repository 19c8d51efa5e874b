package dev.streamforecast.peer;

import java.io.File;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.ExternalProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.Result;

/**
 * Starts each JMH fork with the thread environment its benchmark asks for: {@code OMP_NUM_THREADS=1},
 * unless its {@code variant} parameter asks for ND4J's default threads, and then without
 * {@code OMP_NUM_THREADS} whatever the caller's environment holds.
 *
 * <p>ND4J sizes its OpenMP threads, its own thread pool and OpenBLAS's threads from that variable when
 * it starts, and its API cannot shrink the pool afterwards (libnd4j's {@code Environment::setMaxThreads}
 * is a no-op in this release), so the variable has to be there when the fork starts. JMH has no option
 * for a fork's environment; a profiler may put a prefix before the fork's command line, so this one puts
 * {@code env}. It measures nothing.
 */
public final class ThreadEnvironment implements ExternalProfiler {
    public static final String VARIABLE = "OMP_NUM_THREADS";

    @Override
    public Collection<String> addJVMInvokeOptions(BenchmarkParams params) {
        String variant = params.getParam("variant");
        if (variant != null && variant.endsWith(PeerBenchmark.Peer.DEFAULT_THREADS)) {
            return List.of("env", "-u", VARIABLE);
        }
        return List.of("env", VARIABLE + "=1");
    }

    @Override
    public Collection<String> addJVMOptions(BenchmarkParams params) {
        return List.of();
    }

    @Override
    public void beforeTrial(BenchmarkParams benchmarkParams) {
        // nothing to prepare
    }

    @Override
    public Collection<? extends Result> afterTrial(BenchmarkResult br, long pid, File stdOut, File stdErr) {
        return List.of();
    }

    @Override
    public boolean allowPrintOut() {
        return true;
    }

    @Override
    public boolean allowPrintErr() {
        return true;
    }

    @Override
    public String getDescription() {
        return "forks start with OMP_NUM_THREADS=1, or without it for ND4J's default threads";
    }
}
