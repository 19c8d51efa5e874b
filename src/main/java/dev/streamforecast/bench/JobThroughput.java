package dev.streamforecast.bench;

import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.stream.ForecastTopology;
import dev.streamforecast.stream.JobSettings;
import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import org.apache.flink.util.FileUtils;

/**
 * Sustained events per second of the whole job on a local mini cluster: generated events for many
 * keys, the forecaster (or a pass-through keyed operator with comparable state access), a discarding
 * sink, keyed state in the chosen backend ({@link StateBackends}). Two runs of different lengths are
 * timed and the rate taken from their difference, so start-up and the first event of every key (state
 * creation) cancel out.
 */
public final class JobThroughput {
    private JobThroughput() {}

    /** Events per second with heap state: (n2 - n1) / (t(n2) - t(n1)). */
    public static double rate(ModelConfig model, boolean passThrough, int keys, long n1, long n2, int parallelism)
            throws Exception {
        return measure(model, passThrough, keys, n1, n2, parallelism, StateBackends.HASHMAP).eventsPerSecond();
    }

    /** Events per second with keyed state in {@code backend}: (n2 - n1) / (t(n2) - t(n1)). */
    public static double rate(ModelConfig model, boolean passThrough, int keys, long n1, long n2, int parallelism,
            String backend) throws Exception {
        return measure(model, passThrough, keys, n1, n2, parallelism, backend).eventsPerSecond();
    }

    /**
     * Sustained events per second, and this process's CPU time per event (every thread, RocksDB's own
     * included), each from the difference of a run of n1 and a run of n2 events, after a first run of n1
     * events that only warms up the JIT compiler (whose work would otherwise land in the first run
     * alone). The CPU time hardly moves when other work shares the cores; the rate does.
     */
    public static Throughput measure(ModelConfig model, boolean passThrough, int keys, long n1, long n2,
            int parallelism, String backend) throws Exception {
        run(model, passThrough, keys, n1, parallelism, backend);
        double[] r1 = run(model, passThrough, keys, n1, parallelism, backend);
        double[] r2 = run(model, passThrough, keys, n2, parallelism, backend);
        return new Throughput((n2 - n1) / (r2[0] - r1[0]), (r2[1] - r1[1]) / (n2 - n1) * 1e6);
    }

    /** What {@link #measure} found. */
    public record Throughput(double eventsPerSecond, double cpuMicrosPerEvent) {}

    /** Wall-clock and process CPU seconds of one run. */
    static double[] run(ModelConfig model, boolean passThrough, int keys, long events, int parallelism,
            String backend) throws Exception {
        Path dir = Files.createTempDirectory("job-throughput");
        try {
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu = os.getProcessCpuTime();
            double seconds = run(model, passThrough, keys, events, parallelism, backend, dir);
            return new double[] {seconds, (os.getProcessCpuTime() - cpu) / 1e9};
        } finally {
            FileUtils.deleteDirectory(dir.toFile());
        }
    }

    private static double run(ModelConfig model, boolean passThrough, int keys, long events, int parallelism,
            String backend, Path dir) throws Exception {
        Configuration conf = new Configuration();
        conf.setString("pipeline.generic-types", "false");
        StateBackends.configure(conf, backend, dir);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        // one generator thread keeps every key's events in order; the keyed work runs in parallel
        DataStream<Observation> source = env.fromSequence(0, events - 1).setParallelism(1)
                .map(i -> new Observation("k" + (i % keys), i / keys * 1000L, Math.sin(0.05 * (i / keys))
                        + 0.01 * (i % 7))).returns(Observation.class).setParallelism(1)
                .assignTimestampsAndWatermarks(WatermarkStrategy.<Observation>forMonotonousTimestamps()
                        .withTimestampAssigner((o, t) -> o.ts)).setParallelism(1);
        if (passThrough) {
            source.keyBy(o -> o.key).process(new PassThrough()).sinkTo(new DiscardingSink<>());
        } else {
            JobSettings settings = new JobSettings(model, Duration.ZERO, Duration.ZERO, null);
            ForecastTopology.build(source, settings).forecasts.sinkTo(new DiscardingSink<Forecast>());
        }
        long start = System.nanoTime();
        env.execute("throughput");
        return (System.nanoTime() - start) / 1e9;
    }

    /** A keyed operator that reads and writes one value of state per event, and emits the event. */
    static final class PassThrough extends KeyedProcessFunction<String, Observation, Observation> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<Long> count;

        @Override
        public void open(OpenContext ctx) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        }

        @Override
        public void processElement(Observation o, Context ctx, Collector<Observation> out) throws Exception {
            Long c = count.value();
            count.update(c == null ? 1L : c + 1);
            out.collect(o);
        }
    }
}
