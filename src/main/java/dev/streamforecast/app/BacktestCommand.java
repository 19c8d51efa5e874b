package dev.streamforecast.app;

import dev.streamforecast.backtest.Backtest;
import dev.streamforecast.backtest.Evaluation;
import dev.streamforecast.backtest.Metrics;
import dev.streamforecast.backtest.Protocol;
import dev.streamforecast.backtest.Report;
import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.DeadLetterCodec;
import dev.streamforecast.io.ForecastCodec;
import dev.streamforecast.io.HistoryFile;
import dev.streamforecast.io.InputSettings;
import dev.streamforecast.io.KafkaIO;
import dev.streamforecast.io.Timestamps;
import dev.streamforecast.io.UserError;
import dev.streamforecast.stream.ForecastTopology;
import dev.streamforecast.stream.JobSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code backtest}: replay history through the live topology and score it against baselines. */
@Command(name = "backtest", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Replay a file or a Kafka topic through the forecasting job; write every forecast, "
                + "score it against persistence, seasonal naive, Holt and online AR, optionally as an HTML report.")
public final class BacktestCommand implements Callable<Integer> {
    @Option(names = {"-i", "--input"}, description = "History file to replay.")
    Path input;

    @Option(names = {"-f", "--format"}, description = "auto (detect from the file), csv-wide, csv-long or jsonl "
            + "(default: ${DEFAULT-VALUE}).")
    String format = HistoryFile.AUTO;

    @Option(names = "--kafka", description = "Replay the config's input topic instead of a file.")
    boolean kafka;

    @Option(names = "--from", description = "With --kafka: start at this record time (ISO-8601 or epoch ms); default earliest.")
    String from;

    @Option(names = "--to", description = "With --kafka: stop before this record time; default the end offsets at start.")
    String to;

    @Option(names = {"-o", "--output"}, required = true, description = "Forecasts as JSON lines, per key in event-time order.")
    Path output;

    @Option(names = "--report", description = "Self-contained HTML report to write.")
    Path report;

    @Option(names = {"-c", "--config"}, description = "Configuration file (properties).")
    Path config;

    @Option(names = "--set", description = "Override one setting, e.g. --set train.k1=4 (repeatable).")
    List<String> overrides = List.of();

    @Option(names = "--protocol", description = "Scoring protocol: none (raw units, all rows), ett (first 14,400 "
            + "rows, standardised on 2,880, scored on 3,600..14,400) or nab (standardised on the first 20%%, "
            + "scored on the last 75%%); custom bounds with the options below (default: ${DEFAULT-VALUE}).")
    String protocol = "none";

    @Option(names = "--rows", description = "Custom protocol: rows used per key.")
    Integer rows;

    @Option(names = "--standardise-rows", description = "Custom protocol: standardise on the first N rows.")
    Integer standardiseRows;

    @Option(names = "--score-from", description = "Custom protocol: first scored row (earlier rows are warm-up).")
    Integer scoreFrom;

    @Option(names = "--score-to", description = "Custom protocol: end of the scored rows (exclusive).")
    Integer scoreTo;

    @Option(names = "--season", description = "Season of the seasonal-naive baseline, in events (default: ${DEFAULT-VALUE}).")
    int season = 24;

    @Option(names = {"-p", "--parallelism"}, description = "Parallelism of the replay (default: ${DEFAULT-VALUE}).")
    int parallelism = 2;

    @Option(names = "--export-model", description = "Write a key's trained model (JSON, usable as model.warm-start): KEY=FILE (repeatable).")
    List<String> exports = List.of();

    @Override
    public Integer call() throws Exception {
        AppConfig c = RunCommand.load(config, overrides);
        Map<String, Path> exportFiles = new LinkedHashMap<>();
        for (String e : exports) {
            int eq = e.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--export-model expects KEY=FILE, got '" + e + "'");
            }
            exportFiles.put(e.substring(0, eq), Path.of(e.substring(eq + 1)));
        }
        Protocol scoring = protocol();
        // Replays keep every key to the end and may export models when the input ends.
        JobSettings settings = LiveJob.settings(c).withIdleStateRetention(Duration.ZERO)
                .withModelExport(!exportFiles.isEmpty());

        List<DeadLetter> rejected = new ArrayList<>();
        Backtest.Result result;
        String source;
        if (kafka) {
            source = "kafka topic " + c.get("kafka.input-topic") + " at " + c.get("kafka.bootstrap-servers");
            StreamExecutionEnvironment env = Backtest.environment(LiveJob.flinkConfiguration(c), parallelism);
            OffsetsInitializer start = from == null ? OffsetsInitializer.earliest()
                    : OffsetsInitializer.timestamp(Timestamps.parse(from));
            OffsetsInitializer stop = to == null ? OffsetsInitializer.latest()
                    : OffsetsInitializer.timestamp(Timestamps.parse(to));
            var parsed = env.fromSource(KafkaIO.parsedSource(c.kafkaClientProperties(), c.get("kafka.input-topic"),
                    c.get("kafka.group-id") + "-backtest", start, stop, InputSettings.of(c)),
                    ForecastTopology.sourceWatermarks(settings), "kafka-history");
            result = Backtest.replayParsed(env, parsed, settings, System.err);
        } else {
            if (input == null) {
                throw new IllegalArgumentException("give --input FILE (or --kafka to replay the config's topic)");
            }
            // the far-future rule's reference, taken once so that the whole replay judges alike
            long replayStart = System.currentTimeMillis();
            HistoryFile.Contents file = HistoryFile.read(input, format, InputSettings.of(c), replayStart);
            if (file.detected != null) {
                System.err.println("backtest: reading " + input + " as " + file.format + " (" + file.detected + ")");
            }
            rejected.addAll(file.deadLetters);
            if (file.problem != null) {
                Path dead = writeDeadLetters(rejected, output, c.deadLetterLimits().maxPayloadBytes);
                throw new UserError(file.problem + "; every refusal, with its reason, is in " + dead);
            }
            source = input + " (" + file.format + ")";
            List<Observation> history = file.observations;
            System.err.printf(Locale.ROOT, "backtest: read %,d events from %s%s%n", history.size(), input,
                    rejected.isEmpty() ? "" : ", " + rejected.size() + " rows refused");
            result = Backtest.replay(history, settings, parallelism, LiveJob.flinkConfiguration(c), System.err);
        }
        rejected.addAll(result.deadLetters);

        writeForecasts(result.forecasts, output);
        if (!rejected.isEmpty()) {
            Path deadFile = writeDeadLetters(rejected, output, c.deadLetterLimits().maxPayloadBytes);
            System.err.printf(Locale.ROOT, "backtest: %d input records refused, with reasons, in %s%n",
                    rejected.size(), deadFile);
        }
        for (Map.Entry<String, Path> e : exportFiles.entrySet()) {
            String json = result.models.get(e.getKey());
            if (json == null) {
                throw new IllegalArgumentException("--export-model: no key '" + e.getKey() + "' in the replay; keys: "
                        + result.models.keySet());
            }
            Files.writeString(e.getValue(), json);
            System.err.println("backtest: model of '" + e.getKey() + "' written to " + e.getValue());
        }

        Evaluation eval = Evaluation.of(result.forecasts, scoring, Evaluation.baselines(season));
        printTable(eval);
        List<String> notes = List.of(
                "Input: " + source + ", " + result.forecasts.size() + " forecasts, replayed in "
                        + String.format(Locale.ROOT, "%.1f s", result.seconds) + " at parallelism " + parallelism,
                "Scoring: " + (scoring == null ? "raw units, every row after each key's first" : scoring.toString()),
                "Each row is scored against the forecast made after the row before it, before the model learned the row.",
                "Model " + c.model().id() + ".");
        if (report != null) {
            Report.write(report, "Backtest: " + (kafka ? c.get("kafka.input-topic") : input.getFileName()),
                    series(eval), rows(eval), c.asMap(), notes);
            System.err.println("backtest: report written to " + report);
        }
        System.err.printf(Locale.ROOT, "backtest: %,d forecasts written to %s in %.1f s%n", result.forecasts.size(),
                output, result.seconds);
        return 0;
    }

    private Protocol protocol() {
        if (rows != null || standardiseRows != null || scoreFrom != null || scoreTo != null) {
            if (rows == null || standardiseRows == null || scoreFrom == null || scoreTo == null) {
                throw new IllegalArgumentException("a custom protocol needs --rows, --standardise-rows, --score-from "
                        + "and --score-to together");
            }
            return Protocol.rows(rows, standardiseRows, scoreFrom, scoreTo);
        }
        switch (protocol.toLowerCase(Locale.ROOT)) {
            case "none": return null;
            case "ett": return Protocol.ETT;
            case "nab": return Protocol.NAB;
            default: throw new IllegalArgumentException("invalid --protocol " + protocol + ": expected none, ett or nab");
        }
    }

    /**
     * Reads a history file ({@code auto} detects the format) with the default input settings; refused
     * rows become dead letters with file, line and reason.
     *
     * @throws UserError if the file cannot be read in that format, or is unusable (see {@link HistoryFile})
     */
    static List<Observation> read(Path file, String format, List<String> features, List<DeadLetter> rejected)
            throws IOException {
        HistoryFile.Contents contents = HistoryFile.read(file, format, InputSettings.defaults(features),
                System.currentTimeMillis());
        rejected.addAll(contents.deadLetters);
        if (contents.problem != null) {
            throw new UserError(contents.problem);
        }
        return contents.observations;
    }

    /** Writes dead letters as JSON lines beside {@code output}, payloads cut to the cap; returns the file. */
    static Path writeDeadLetters(List<DeadLetter> deadLetters, Path output, int maxPayloadBytes) throws IOException {
        Path file = output.resolveSibling(output.getFileName() + ".dead-letters.jsonl");
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            for (DeadLetter d : deadLetters) {
                out.write(DeadLetterCodec.encode(d, maxPayloadBytes, Integer.MAX_VALUE));
                out.write('\n');
            }
        }
        return file;
    }

    static void writeForecasts(List<Forecast> forecasts, Path file) throws IOException {
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            for (Forecast f : forecasts) {
                out.write(ForecastCodec.encode(f));
                out.write('\n');
            }
        }
    }

    private static void printTable(Evaluation eval) {
        System.out.printf(Locale.ROOT, "%-14s %-22s %8s %10s %10s %10s %8s %8s %9s%n", "key", "method", "n", "MSE",
                "MAE", "RMSE", "sMAPE%", "MASE", "coverage");
        for (Evaluation.Line l : eval.lines) {
            Metrics m = l.metrics;
            System.out.printf(Locale.ROOT, "%-14s %-22s %8d %10.4f %10.4f %10.4f %8.2f %8.4f %9s%n", l.key, l.method,
                    m.count(), m.mse(), m.mae(), m.rmse(), m.smape(), m.mase(),
                    m.intervalCount() > 0 ? String.format(Locale.ROOT, "%.3f", m.coverage()) : "-");
        }
    }

    private static List<Report.Series> series(Evaluation eval) {
        List<Report.Series> out = new ArrayList<>();
        for (Evaluation.SeriesView v : eval.series) {
            out.add(new Report.Series(v.key, v.ts, v.actual, v.forecast, v.lower, v.upper));
        }
        return out;
    }

    private static List<Report.Row> rows(Evaluation eval) {
        List<Report.Row> out = new ArrayList<>();
        for (Evaluation.Line l : eval.lines) {
            Metrics m = l.metrics;
            boolean interval = m.intervalCount() > 0;
            out.add(new Report.Row(l.key, l.method, m.count(), m.mse(), m.mae(), m.rmse(), m.smape(), m.mase(),
                    interval ? m.coverage() : Double.NaN, interval ? m.meanWidth() : Double.NaN));
        }
        return out;
    }
}
