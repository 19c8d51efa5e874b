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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.FileUtils;

/**
 * Sustained events per second of the whole job on a local mini cluster: generated events for many
 * keys, the forecaster (or a pass-through keyed operator with comparable state access), a sink that
 * counts what it receives, keyed state in the chosen backend ({@link StateBackends}). The rate is
 * timed inside one run, between two counts of processed events, so start-up, the first event of
 * every key (state creation) and the JIT's warm-up all fall before the window.
 */
public final class JobThroughput {
    private JobThroughput() {}

    /** Events per second with heap state over events n1 to n2 of one run. */
    public static double rate(ModelConfig model, boolean passThrough, int keys, long n1, long n2, int parallelism)
            throws Exception {
        return measure(model, passThrough, keys, n1, n2, parallelism, StateBackends.HASHMAP).eventsPerSecond();
    }

    /**
     * Sustained events per second, and this process's CPU time per event (every thread, RocksDB's own
     * included), over the window from the n1-th to the n2-th processed event of a run of n2 events. The
     * CPU time hardly moves when other work shares the cores; the rate does.
     */
    public static Throughput measure(ModelConfig model, boolean passThrough, int keys, long n1, long n2,
            int parallelism, String backend) throws Exception {
        return measure(new JobSettings(model, Duration.ZERO, Duration.ZERO, null), passThrough, keys, n1, n2,
                parallelism, backend);
    }

    /** As {@link #measure(ModelConfig, boolean, int, long, long, int, String)}, with the job's settings. */
    public static Throughput measure(JobSettings settings, boolean passThrough, int keys, long n1, long n2,
            int parallelism, String backend) throws Exception {
        if (n1 <= 0 || n2 <= n1) {
            throw new IllegalArgumentException("the window needs 0 < n1 < n2, got " + n1 + " and " + n2);
        }
        Path dir = Files.createTempDirectory("job-throughput");
        String run = java.util.UUID.randomUUID().toString();
        LongAdder processed = EventCounter.open(run);
        try {
            StreamExecutionEnvironment env = job(settings, passThrough, keys, n2, parallelism, backend, dir, run);
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            JobClient client = env.executeAsync("throughput");
            CompletableFuture<JobExecutionResult> result = client.getJobExecutionResult();
            long[] start = awaitCount(processed, n1, result, os);
            long[] end = awaitCount(processed, n2, result, os);
            result.get();
            double events = end[0] - start[0];
            return new Throughput(events / ((end[1] - start[1]) / 1e9), (end[2] - start[2]) / 1e3 / events);
        } finally {
            EventCounter.close(run);
            FileUtils.deleteDirectory(dir.toFile());
        }
    }

    /** What {@link #measure} found. */
    public record Throughput(double eventsPerSecond, double cpuMicrosPerEvent) {}

    /**
     * Waits until at least {@code n} events are counted and returns the count, the wall-clock nanos and
     * the process CPU nanos at that moment; fails if the job ends before.
     */
    private static long[] awaitCount(LongAdder processed, long n, CompletableFuture<JobExecutionResult> result,
            OperatingSystemMXBean os) throws Exception {
        while (true) {
            long count = processed.sum();
            if (count >= n) {
                return new long[] {count, System.nanoTime(), os.getProcessCpuTime()};
            }
            if (result.isDone()) {
                result.get(); // rethrows the job's failure
                throw new IllegalStateException("the job ended after " + processed.sum() + " of " + n + " events");
            }
            Thread.sleep(1);
        }
    }

    private static StreamExecutionEnvironment job(JobSettings settings, boolean passThrough, int keys, long events,
            int parallelism, String backend, Path dir, String run) {
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
            source.keyBy(o -> o.key).process(new PassThrough())
                    .sinkTo(new EventCounter.CountingSink<Observation>(run));
        } else {
            ForecastTopology.build(source, settings).forecasts.sinkTo(new EventCounter.CountingSink<Forecast>(run));
        }
        return env;
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
