package dev.streamforecast.bench;

import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.stream.ForecastTopology;
import dev.streamforecast.stream.JobSettings;
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
        return rate(model, passThrough, keys, n1, n2, parallelism, StateBackends.HASHMAP);
    }

    /** Events per second with keyed state in {@code backend}: (n2 - n1) / (t(n2) - t(n1)). */
    public static double rate(ModelConfig model, boolean passThrough, int keys, long n1, long n2, int parallelism,
            String backend) throws Exception {
        double t1 = run(model, passThrough, keys, n1, parallelism, backend);
        double t2 = run(model, passThrough, keys, n2, parallelism, backend);
        return (n2 - n1) / (t2 - t1);
    }

    static double run(ModelConfig model, boolean passThrough, int keys, long events, int parallelism,
            String backend) throws Exception {
        Path dir = Files.createTempDirectory("job-throughput");
        try {
            return run(model, passThrough, keys, events, parallelism, backend, dir);
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
