package dev.streamforecast.backtest;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.ModelSnapshot;
import dev.streamforecast.event.Observation;
import dev.streamforecast.event.Parsed;
import dev.streamforecast.stream.ForecastTopology;
import dev.streamforecast.stream.JobSettings;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
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
        return execute(env, ForecastTopology.build(source, settings.forReplay()), observations.size(), progress);
    }

    /** Replays decoded source records (a bounded Kafka topic, watermarked per partition). */
    public static Result replayParsed(StreamExecutionEnvironment env, DataStream<Parsed> parsed,
            JobSettings settings, PrintStream progress) throws Exception {
        return execute(env, ForecastTopology.buildFromParsed(parsed, settings.forReplay()), -1, progress);
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

    /**
     * One record type for everything a replay emits, so a single collect stream carries it all: with one
     * iterator per output, the local cluster could shut down before the later ones were drained.
     */
    public static class Output {
        public Forecast forecast;
        public DeadLetter deadLetter;
        public ModelSnapshot model;

        public Output() {}

        static Output of(Forecast f) {
            Output o = new Output();
            o.forecast = f;
            return o;
        }

        static Output of(DeadLetter d) {
            Output o = new Output();
            o.deadLetter = d;
            return o;
        }

        static Output of(ModelSnapshot m) {
            Output o = new Output();
            o.model = m;
            return o;
        }
    }

    private static Result execute(StreamExecutionEnvironment env, ForecastTopology.Outputs out, long expected,
            PrintStream progress) throws Exception {
        long start = System.nanoTime();
        DataStream<Output> all = out.forecasts.map(Output::of).returns(Output.class).name("forecasts")
                .union(out.deadLetters.map(Output::of).returns(Output.class).name("dead-letters"),
                        out.models.map(Output::of).returns(Output.class).name("models"));
        List<Forecast> forecasts = new ArrayList<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        Map<String, String> models = new TreeMap<>();
        long lastReport = start;
        long first = 0;
        try (CloseableIterator<Output> it = all.executeAndCollect("backtest")) {
            while (it.hasNext()) {
                Output o = it.next();
                if (first == 0) {
                    first = System.nanoTime();
                }
                if (o.forecast != null) {
                    forecasts.add(o.forecast);
                } else if (o.deadLetter != null) {
                    deadLetters.add(o.deadLetter);
                } else {
                    models.put(o.model.key, o.model.json);
                }
                long now = System.nanoTime();
                if (progress != null && now - lastReport > 2_000_000_000L && now - first > 1_000_000_000L) {
                    lastReport = now;
                    report(progress, forecasts.size(), expected, (now - first) / 1e9);
                }
            }
        }
        forecasts.sort(Comparator.comparing((Forecast f) -> f.key).thenComparingLong(f -> f.ts));
        deadLetters.sort(Comparator.comparing((DeadLetter d) -> String.valueOf(d.origin))
                .thenComparing(d -> String.valueOf(d.kind)).thenComparing(d -> String.valueOf(d.payloadText())));
        double seconds = (System.nanoTime() - start) / 1e9;
        if (expected >= 0 && forecasts.size() + deadLetters.size() != expected) {
            // Every input event ends as a forecast or a dead letter; anything else is a lost record.
            throw new IllegalStateException("replay incomplete: " + expected + " events in, " + forecasts.size()
                    + " forecasts and " + deadLetters.size() + " dead letters out");
        }
        if (progress != null) {
            report(progress, forecasts.size(), expected, seconds);
        }
        return new Result(forecasts, deadLetters, models, seconds);
    }

    /**
     * One progress line, written in one piece: it is printed from a thread of its own, and a line written
     * in fragments (as {@code printf} writes its format's parts) could be split by another writer's line,
     * such as the one an out-of-memory halt writes.
     */
    private static void report(PrintStream progress, long done, long expected, double seconds) {
        double rate = done / Math.max(seconds, 1e-9);
        String line = expected > 0
                ? String.format(Locale.ROOT, "backtest: %,d / %,d events (%.0f%%), %,.0f forecasts/s, ETA %.0f s%n",
                        done, expected, 100.0 * done / expected, rate, Math.max(0, (expected - done) / rate))
                : String.format(Locale.ROOT, "backtest: %,d events, %,.0f events/s%n", done, rate);
        progress.print(line);
    }
}
