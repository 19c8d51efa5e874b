package dev.streamforecast.backtest;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.ModelSnapshot;
import dev.streamforecast.event.Observation;
import dev.streamforecast.event.RawRecord;
import dev.streamforecast.stream.ForecastTopology;
import dev.streamforecast.stream.JobSettings;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Replays history through the live topology: same operator, same state, bounded input, event time.
 *
 * <p>The forecasts come back sorted by key and event time, so the output does not depend on how the
 * parallel instances interleaved; with learning driven by event counts, two replays of the same input
 * are byte-identical.
 */
public final class Backtest {
    private Backtest() {}

    /** What a replay produced. */
    public static final class Result {
        public final List<Forecast> forecasts;
        public final List<DeadLetter> deadLetters;
        /** Trained models by key, in their JSON form, when the settings asked for them. */
        public final Map<String, String> models;
        public final double seconds;

        Result(List<Forecast> forecasts, List<DeadLetter> deadLetters, Map<String, String> models, double seconds) {
            this.forecasts = forecasts;
            this.deadLetters = deadLetters;
            this.models = models;
            this.seconds = seconds;
        }
    }

    /** Replays observations held in memory (a file that was read), in their order. */
    public static Result replay(List<Observation> observations, JobSettings settings, int parallelism,
            Configuration flink, PrintStream progress) throws Exception {
        StreamExecutionEnvironment env = environment(flink, parallelism);
        DataStream<Observation> source = env.fromData(observations, TypeInformation.of(Observation.class))
                .name("history").uid("history")
                .assignTimestampsAndWatermarks(ForecastTopology.watermarks(settings)).name("event-time");
        return execute(env, ForecastTopology.build(source, settings), observations.size(), progress);
    }

    /** Replays raw records (a bounded Kafka topic) through the parse stage and the topology. */
    public static Result replayRaw(StreamExecutionEnvironment env, DataStream<RawRecord> raw,
            JobSettings settings, PrintStream progress) throws Exception {
        return execute(env, ForecastTopology.buildFromRaw(raw, settings), -1, progress);
    }

    /** A local environment for replays: streaming mode (the live operator, timers and all). */
    public static StreamExecutionEnvironment environment(Configuration flink, int parallelism) {
        Configuration c = new Configuration(flink);
        c.setString("pipeline.generic-types", "false");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(c);
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        if (parallelism > 0) {
            env.setParallelism(parallelism);
        }
        return env;
    }

    private static Result execute(StreamExecutionEnvironment env, ForecastTopology.Outputs out, long expected,
            PrintStream progress) throws Exception {
        long start = System.nanoTime();
        CloseableIterator<Forecast> forecasts = out.forecasts.collectAsync();
        CloseableIterator<DeadLetter> dead = out.deadLetters.collectAsync();
        CloseableIterator<ModelSnapshot> models = out.models.collectAsync();
        env.executeAsync("backtest");
        CompletableFuture<List<DeadLetter>> deadList = CompletableFuture.supplyAsync(() -> drain(dead));
        CompletableFuture<List<ModelSnapshot>> modelList = CompletableFuture.supplyAsync(() -> drain(models));
        List<Forecast> all = new ArrayList<>();
        long lastReport = start;
        while (forecasts.hasNext()) {
            all.add(forecasts.next());
            long now = System.nanoTime();
            if (progress != null && now - lastReport > 2_000_000_000L) {
                lastReport = now;
                report(progress, all.size(), expected, (now - start) / 1e9);
            }
        }
        forecasts.close();
        all.sort(Comparator.comparing((Forecast f) -> f.key).thenComparingLong(f -> f.ts));
        Map<String, String> byKey = new TreeMap<>();
        for (ModelSnapshot m : modelList.get()) {
            byKey.put(m.key, m.json);
        }
        List<DeadLetter> deadLetters = new ArrayList<>(deadList.get());
        deadLetters.sort(Comparator.comparing((DeadLetter d) -> d.origin).thenComparing(d -> d.payload));
        double seconds = (System.nanoTime() - start) / 1e9;
        if (progress != null) {
            report(progress, all.size(), expected, seconds);
        }
        return new Result(all, deadLetters, byKey, seconds);
    }

    private static void report(PrintStream progress, long done, long expected, double seconds) {
        double rate = done / Math.max(seconds, 1e-9);
        if (expected > 0) {
            progress.printf(Locale.ROOT, "backtest: %,d / %,d events (%.0f%%), %,.0f events/s, ETA %.0f s%n",
                    done, expected, 100.0 * done / expected, rate, Math.max(0, (expected - done) / rate));
        } else {
            progress.printf(Locale.ROOT, "backtest: %,d events, %,.0f events/s%n", done, rate);
        }
    }

    private static <T> List<T> drain(CloseableIterator<T> it) {
        List<T> out = new ArrayList<>();
        try (it) {
            while (it.hasNext()) {
                out.add(it.next());
            }
        } catch (Exception e) {
            throw new IllegalStateException("collecting replay output failed", e);
        }
        return out;
    }
}
