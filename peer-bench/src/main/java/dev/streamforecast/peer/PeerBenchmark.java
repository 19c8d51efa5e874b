package dev.streamforecast.peer;

import dev.streamforecast.model.Network;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.SeriesState;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One streaming step of an LSTM with 32 hidden units, one layer and one input, batch 1, hidden state
 * carried from call to call: ours ({@code Network.step}) and Deeplearning4j's ({@code rnnTimeStep}),
 * both on the same weights, each call on a new input value written into a preallocated input.
 * Alongside, per measured iteration, the CPU time of the process and of the benchmark thread and the
 * threads ND4J runs on (counters of the {@link Cpu} state both methods take for that alone).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PeerBenchmark {
    /** Threads one ND4J operation may use in this fork (0 when ND4J is not loaded). */
    static volatile int nd4jThreads;

    /**
     * CPU time during each measured iteration, of the whole process and of the benchmark thread: a
     * measure of the work per step that, unlike wall time, hardly grows when other processes take the
     * cores, and that counts the work the step leaves to other threads (ND4J's, the garbage collector's).
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Cpu {
        private final com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private final ThreadMXBean threadsBean = ManagementFactory.getThreadMXBean();
        private long thread;
        private long process0;
        private long thread0;

        @Setup(Level.Iteration)
        public void start() {
            thread = Thread.currentThread().getId();
            process0 = os.getProcessCpuTime();
            thread0 = threadsBean.getThreadCpuTime(thread);
        }

        public long processCpuNanos() {
            return os.getProcessCpuTime() - process0;
        }

        public long threadCpuNanos() {
            return threadsBean.getThreadCpuTime(thread) - thread0;
        }

        public int nd4jThreads() {
            return nd4jThreads;
        }
    }

    /** Our network and one key's state, as ModelBenchmark sets them up. */
    @State(Scope.Thread)
    public static class Ours {
        Network network;
        SeriesState state;
        double[] x;

        @Setup
        public void setUp() {
            OnlineForecaster forecaster = PeerModels.ours();
            network = forecaster.network();
            state = forecaster.newState("peer");
            x = new double[] {0.3};
        }
    }

    /**
     * DL4J's network with our weights: in double or float on one thread, or in double with ND4J's default
     * threads ({@link ThreadEnvironment} starts the fork accordingly).
     */
    @State(Scope.Thread)
    public static class Peer {
        public static final String DEFAULT_THREADS = "-default-threads";

        @Param({"double", "float", "double" + DEFAULT_THREADS})
        public String variant;

        MultiLayerNetwork net;
        INDArray input;
        double x;

        @Setup
        public void setUp() {
            // the fork's environment decides the threads; check it did
            if (!variant.endsWith(DEFAULT_THREADS)) {
                Nd4jThreads.requireOne();
            }
            System.err.println("peer: ND4J threads: " + Nd4jThreads.describe());
            nd4jThreads = Nd4jThreads.most();
            DataType dataType = DataType.valueOf(variant.replace(DEFAULT_THREADS, "").toUpperCase(Locale.ROOT));
            OnlineForecaster ours = PeerModels.ours();
            net = PeerModels.dl4j(dataType);
            PeerModels.copy(ours.layout(), ours.newState("peer").params, net);
            input = Nd4j.create(dataType, 1, PeerModels.INPUTS);
            x = 0.3;
        }
    }

    @Benchmark
    public double oursStep(Ours s, Cpu cpu) {
        s.x[0] = -s.x[0];
        return s.network.step(s.state.params, s.state.hidden, s.x);
    }

    @Benchmark
    public double dl4jRnnTimeStep(Peer s, Cpu cpu) {
        s.x = -s.x;
        s.input.putScalar(0, s.x);
        return s.net.rnnTimeStep(s.input).getDouble(0);
    }
}
