package dev.streamforecast.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The core's fused multiply-add issue rate, the measured half of the floating-point peak estimate.
 *
 * <p>Twelve independent chains of scalar {@code a = fma(a, m, c)} keep every FMA pipe busy (twelve
 * covers a four-cycle latency on two pipes with room to spare), so the time per FMA is one over
 * (clock x FMA pipes). The vector peak is that rate times the lanes of the widest vector the JIT uses,
 * times two flops per FMA: see {@code BenchCommand}. No machine counters are needed, which matters on
 * virtual machines that expose none.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PeakBenchmark {
    private static final int ROUNDS = 1000;
    private static final int CHAINS = 12;
    // a fixed point at c / (1 - m) = 1: the chains stay finite and normal however long they run
    private double m = 0.9999999;
    private double c = 1e-7;

    /** Time per scalar FMA, with twelve independent chains in flight. */
    @Benchmark
    @OperationsPerInvocation(ROUNDS * CHAINS)
    public double scalarFma() {
        double m = this.m;
        double c = this.c;
        double a0 = 0.1, a1 = 0.2, a2 = 0.3, a3 = 0.4, a4 = 0.5, a5 = 0.6;
        double a6 = 0.7, a7 = 0.8, a8 = 0.9, a9 = 1.1, a10 = 1.2, a11 = 1.3;
        for (int i = 0; i < ROUNDS; i++) {
            a0 = Math.fma(a0, m, c);
            a1 = Math.fma(a1, m, c);
            a2 = Math.fma(a2, m, c);
            a3 = Math.fma(a3, m, c);
            a4 = Math.fma(a4, m, c);
            a5 = Math.fma(a5, m, c);
            a6 = Math.fma(a6, m, c);
            a7 = Math.fma(a7, m, c);
            a8 = Math.fma(a8, m, c);
            a9 = Math.fma(a9, m, c);
            a10 = Math.fma(a10, m, c);
            a11 = Math.fma(a11, m, c);
        }
        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    }
}
