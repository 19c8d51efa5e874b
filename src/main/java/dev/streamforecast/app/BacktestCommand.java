package dev.streamforecast.app;

import dev.streamforecast.backtest.AnomalyEvaluation;
import dev.streamforecast.backtest.Backtest;
import dev.streamforecast.backtest.Evaluation;
import dev.streamforecast.backtest.FleetSummary;
import dev.streamforecast.backtest.Metrics;
import dev.streamforecast.backtest.NabScore;
import dev.streamforecast.backtest.Protocol;
import dev.streamforecast.backtest.Report;
import dev.streamforecast.backtest.ScoreTable;
import dev.streamforecast.backtest.StepEvaluation;
import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.AnomalyCodec;
import dev.streamforecast.io.AnomalyLabels;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.DeadLetterCodec;
import dev.streamforecast.io.ForecastCodec;
import dev.streamforecast.io.HistoryFile;
import dev.streamforecast.io.InputSettings;
import dev.streamforecast.io.KafkaIO;
import dev.streamforecast.io.ObservationCodec;
import dev.streamforecast.io.KafkaProbe;
import dev.streamforecast.io.Timestamps;
import dev.streamforecast.io.UserError;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.stream.ForecastTopology;
import dev.streamforecast.stream.JobSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code backtest}: replay history through the live topology and score it against baselines. */
@Command(name = "backtest", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Replay a file or a Kafka topic through the forecasting job; write every forecast, "
                + "score it against persistence, seasonal naive, Holt and online AR, optionally as an HTML report.")
public final class BacktestCommand implements Callable<Integer> {
    @Option(names = {"-i", "--input"}, arity = "1..*", description = "History file to replay; several files, or a "
            + "folder (its .csv and .jsonl files), are replayed together, each file's series keyed by the file's name.")
    List<Path> inputs = List.of();

    @Option(names = {"-f", "--format"}, description = "auto (detect from the file), csv-wide, csv-long or jsonl "
            + "(default: ${DEFAULT-VALUE}).")
    String format = HistoryFile.AUTO;

    @Option(names = "--kafka", description = "Replay the config's input topic instead of a file.")
    boolean kafka;

    @Option(names = "--from", description = "With --kafka: start at this record time (ISO-8601 or epoch ms); default earliest.")
    String from;

    @Option(names = "--to", description = "With --kafka: stop before this record time; default the end offsets at start.")
    String to;

    @Option(names = {"-o", "--output"}, description = "Forecasts as JSON lines, per key in event-time order (required).")
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

    @Option(names = "--horizon", description = "Steps ahead to forecast and score, as forecast.horizon (1 to 96); "
            + "the tables then give each step's scores and their mean over steps.")
    Integer horizon;

    @Option(names = "--fan", description = "With a horizon: the key whose fan of intervals the report draws "
            + "(default: the first).")
    String fanKey;

    @Option(names = "--all-keys", description = "Print every key's scores; by default the summary and the best, "
            + "the median and the worst key (every key when there are at most five).")
    boolean allKeys;

    @Option(names = "--charts", split = ",", paramLabel = "KEY", description = "The keys whose charts the report "
            + "draws (comma-separated, or all); default: the three worst by MSE relative to persistence, the "
            + "median and the best (every key when there are at most five).")
    List<String> chartKeys;

    @Option(names = {"-p", "--parallelism"}, description = "Parallelism of the replay (default: ${DEFAULT-VALUE}).")
    int parallelism = 2;

    @Option(names = "--export-model", description = "Write a key's trained model (JSON, usable as model.warm-start): KEY=FILE (repeatable); "
            + "in model.scope=shared the network the key shared, with its pooled linear part.")
    List<String> exports = List.of();

    @Option(names = "--labels", description = "Labelled anomaly windows, NAB's JSON (a key or file name -> [[start, "
            + "end], ...]): prints NAB's scores of the anomaly scores per key and overall, and the flags' precision "
            + "and recall; the report shades the windows.")
    Path labels;

    /** The history file formats {@code --format} accepts. */
    static final List<String> FORMATS = List.of(HistoryFile.AUTO, "csv-wide", "csv-long", "jsonl");

    @Override
    public Integer call() throws Exception {
        // everything named on the command line is checked before the replay starts
        List<String> set = new ArrayList<>(overrides);
        if (horizon != null) {
            set.add("forecast.horizon=" + horizon);
        }
        AppConfig c = RunCommand.load(config, set);
        Protocol scoring = protocol();
        if (output == null) {
            throw new UserError("give --output FILE: where the forecasts go, as JSON lines");
        }
        checkSource(c);
        Checks.writableFile(output, "--output");
        if (report != null) {
            Checks.writableFile(report, "--report");
        }
        Map<String, Path> exportFiles = Checks.exports(exports);
        Map<String, List<long[]>> labelled = labels == null ? null : AnomalyLabels.read(labels);
        Checks.range(parallelism, 1, 10_000, "--parallelism");
        Checks.range(season, 1, 1_000_000, "--season");
        // Replays keep every key to the end and may export models when the input ends.
        JobSettings settings = LiveJob.settings(c).withIdleStateRetention(Duration.ZERO)
                .withModelExport(!exportFiles.isEmpty());

        List<DeadLetter> rejected = new ArrayList<>();
        Map<String, String> alsoKnownAs = new TreeMap<>();
        Backtest.Result result;
        String source;
        if (kafka) {
            source = "kafka topic " + c.get("kafka.input-topic") + " at " + c.get("kafka.bootstrap-servers");
            KafkaProbe.check(c.kafkaClientProperties(), List.of(c.get("kafka.input-topic")), List.of(),
                    KafkaProbe.TIMEOUT);
            StreamExecutionEnvironment env = Backtest.environment(LiveJob.flinkConfiguration(c), parallelism);
            OffsetsInitializer start = from == null ? OffsetsInitializer.earliest()
                    : OffsetsInitializer.timestamp(time(from, "--from", c));
            OffsetsInitializer stop = to == null ? OffsetsInitializer.latest()
                    : OffsetsInitializer.timestamp(time(to, "--to", c));
            var parsed = env.fromSource(KafkaIO.parsedSource(c.kafkaClientProperties(), c.get("kafka.input-topic"),
                    c.get("kafka.group-id") + "-backtest", start, stop, InputSettings.of(c)),
                    ForecastTopology.sourceWatermarks(settings), "kafka-history");
            result = Backtest.replayParsed(env, parsed, settings, System.err);
        } else {
            List<Observation> history = new ArrayList<>();
            source = readFiles(c, history, rejected, alsoKnownAs);
            checkLengths(history, scoring);
            String fit = HeapEstimate.of(c, history, parallelism).check(Runtime.getRuntime().maxMemory(), "backtest");
            if (fit != null) {
                System.err.println("backtest: " + fit);
            }
            result = Backtest.replay(history, settings, parallelism, LiveJob.flinkConfiguration(c), System.err);
        }
        rejected.addAll(result.deadLetters);

        writeForecasts(result.forecasts, output);
        Path flaggedFile = writeAnomalies(result.forecasts, output);
        System.err.printf(Locale.ROOT, "backtest: %,d events flagged at anomaly.threshold %s, in %s%n",
                result.forecasts.stream().filter(f -> f.anomalous).count(), c.get(AppConfig.ANOMALY_THRESHOLD.name),
                flaggedFile);
        if (!rejected.isEmpty()) {
            Path deadFile = writeDeadLetters(rejected, output, c.deadLetterLimits().maxPayloadBytes);
            System.err.printf(Locale.ROOT, "backtest: %d input records refused, with reasons, in %s%n",
                    rejected.size(), deadFile);
        }
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Path> e : exportFiles.entrySet()) {
            String json = result.models.get(e.getKey());
            if (json == null) {
                missing.add(e.getKey());
                continue;
            }
            Files.writeString(e.getValue(), json);
            System.err.println("backtest: model of '" + e.getKey() + "' written to " + e.getValue());
        }

        Evaluation eval = Evaluation.of(result.forecasts, scoring, Evaluation.baselines(season));
        int steps = c.model().horizon;
        StepEvaluation byStep = steps > 1 ? StepEvaluation.of(result.forecasts, scoring, season) : null;
        List<Report.Row> scores = rows(eval, byStep);
        FleetSummary fleet = FleetSummary.of(scores, Evaluation.MODEL);
        System.out.print(ScoreTable.of(eval.lines, fleet, allKeys));
        if (byStep != null) {
            System.out.print(ScoreTable.steps(byStep));
        }
        List<String> unknownCharts = new ArrayList<>();
        AnomalyEvaluation anomalies = labelled == null ? null
                : AnomalyEvaluation.of(result.forecasts, labelled, alsoKnownAs);
        if (anomalies != null) {
            printAnomalies(anomalies, c.get(AppConfig.ANOMALY_THRESHOLD));
        }
        if (report != null) {
            ModelConfig model = c.model();
            List<String> notes = List.of(
                    String.format(Locale.ROOT, "Input: %s: %,d series, %,d forecasts, replayed in %.1f s at parallelism %d.",
                            source, eval.series.size(), result.forecasts.size(), result.seconds, parallelism),
                    "Model " + model.name() + ": " + model.summary() + " (fingerprint " + model.id()
                            + ", on every forecast record).",
                    "Scoring: " + (scoring == null ? "every event after each series' first, in the series' own units."
                            : scoring.describe() + "; errors on the standardised scale."),
                    "Each event is scored against the forecast made at the event before it, before the model learned it.",
                    "Coverage and width are over the forecasts that have an interval: a key's first forecasts have "
                            + "none, until its errors give the interval a scale.",
                    "Charts: " + (chartKeys == null ? "the keys the fleet summary picks (--charts KEY,... or all chooses)"
                            : "the keys --charts chose") + ".");
            Set<String> charts = charts(fleet, unknownCharts);
            Report.write(report, "Backtest of " + model.name() + " on "
                    + (kafka ? "topic " + c.get("kafka.input-topic") : inputs.size() == 1 ? inputs.get(0).getFileName()
                            : inputs.size() + " inputs"),
                    series(eval, result.forecasts, scoring), scores, effectiveConfiguration(c),
                    byStep == null ? notes : withStepNotes(notes, byStep), charts, marks(result.forecasts, anomalies));
            System.err.println("backtest: report written to " + report);
        }
        System.err.printf(Locale.ROOT, "backtest: %,d forecasts written to %s in %.1f s%n", result.forecasts.size(),
                output, result.seconds);
        if (!unknownCharts.isEmpty()) {
            throw new UserError("--charts: no series " + unknownCharts + " in the replay, so no charts for "
                    + (unknownCharts.size() == 1 ? "it" : "them") + "; the replay's series are "
                    + sample(fleet.ranked.stream().map(FleetSummary.Key::key).sorted().collect(Collectors.toList())));
        }
        if (!missing.isEmpty()) {
            throw new UserError("--export-model: no series " + missing + " in the replay, so no model written for "
                    + (missing.size() == 1 ? "it" : "them") + "; the replay's series are " + sample(result.models.keySet()));
        }
        return 0;
    }

    /**
     * The settings and options this replay ran with: the model's, the event-time bound, the Kafka ones of a
     * topic replay (secrets hidden), any flink.* ones, and the parallelism that ran rather than job.*.
     */
    Map<String, String> effectiveConfiguration(AppConfig c) {
        Map<String, String> m = new TreeMap<>();
        c.asPrintableMap().forEach((k, v) -> {
            boolean model = k.startsWith("model.") || k.startsWith("train.") || k.startsWith("forecast.");
            boolean topic = kafka && (k.equals("kafka.bootstrap-servers") || k.equals("kafka.input-topic")
                    || k.startsWith("kafka.properties."));
            if ((model && !(k.equals("model.warm-start") && v.isEmpty())) || topic || k.startsWith("flink.")
                    || k.equals("events.max-out-of-orderness")) {
                m.put(k, v);
            }
        });
        if (kafka) {
            m.put("kafka.group-id", c.get("kafka.group-id") + "-backtest");
            m.put("--from", from == null ? "earliest" : from);
            m.put("--to", to == null ? "the end offsets at start" : to);
        }
        m.put("--parallelism", Integer.toString(parallelism));
        m.put("--season", Integer.toString(season));
        m.put("--protocol", rows != null ? "custom" : protocol);
        return m;
    }

    /** A file to read in a known format, or a topic, but not both. */
    private void checkSource(AppConfig c) {
        if (kafka) {
            if (!inputs.isEmpty()) {
                throw new UserError("give --input FILE or --kafka, not both");
            }
            if (from != null) {
                time(from, "--from", c);
            }
            if (to != null) {
                time(to, "--to", c);
            }
            return;
        }
        if (inputs.isEmpty()) {
            throw new UserError("give the history to replay: --input FILE (with --format), or --kafka to replay "
                    + "the configuration's input topic");
        }
        if (from != null || to != null) {
            throw new UserError("--from and --to select records of a topic: use them with --kafka");
        }
        for (Path input : inputs) {
            if (!Files.isDirectory(input)) {
                Checks.readableFile(input, "--input");
            }
        }
        if (!FORMATS.contains(format)) {
            throw new UserError("--format " + format + " is not a format: expected one of " + String.join(", ", FORMATS));
        }
    }

    private static long time(String text, String option, AppConfig c) {
        try {
            return Timestamps.parse(text, c.get(AppConfig.TIME_UNIT));
        } catch (IllegalArgumentException e) {
            throw new UserError(option + " " + text + ": " + e.getMessage());
        }
    }

    /**
     * Reads every input file into {@code history}, its refused rows into {@code rejected}; with several files
     * each file's series is keyed by the file's name (file/key when it holds several), and a lone file's
     * lone series is also known by the file's name ({@code alsoKnownAs}), for labels. Returns the source, in
     * words.
     */
    private String readFiles(AppConfig c, List<Observation> history, List<DeadLetter> rejected,
            Map<String, String> alsoKnownAs) throws IOException {
        List<Path> files = Checks.historyFiles(inputs, "--input");
        // the far-future rule's reference, taken once so that the whole replay judges alike
        long replayStart = System.currentTimeMillis();
        Map<String, Path> named = new TreeMap<>();
        String formats = null;
        for (Path input : files) {
            HistoryFile.Contents file = HistoryFile.read(input, format, InputSettings.of(c), replayStart);
            if (file.detected != null) {
                System.err.println("backtest: reading " + input + " as " + file.format + " (" + file.detected + ")");
            }
            rejected.addAll(file.deadLetters);
            if (file.problem != null) {
                Path dead = writeDeadLetters(rejected, output, c.deadLetterLimits().maxPayloadBytes);
                throw new UserError(file.problem + "; every refusal, with its reason, is in " + dead);
            }
            String name = input.getFileName().toString();
            Path other = named.put(name, input);
            if (other != null) {
                throw new UserError("--input " + other + " and " + input + " have the same name, which keys their "
                        + "series: rename one");
            }
            List<String> keys = file.observations.stream().map(o -> o.key).distinct().collect(Collectors.toList());
            for (Observation o : file.observations) {
                if (files.size() > 1) {
                    o.key = keys.size() == 1 ? name : name + "/" + o.key;
                }
                history.add(o);
            }
            if (files.size() == 1 && keys.size() == 1) {
                alsoKnownAs.put(keys.get(0), name);
            }
            formats = formats == null || formats.equals(file.format) ? file.format : "mixed formats";
            System.err.printf(Locale.ROOT, "backtest: read %,d events from %s%s%n", file.observations.size(), input,
                    file.deadLetters.isEmpty() ? "" : ", " + file.deadLetters.size() + " rows refused");
        }
        return (files.size() == 1 ? files.get(0).toString() : files.size() + " files") + " (" + formats + ")";
    }

    /** Every series is long enough for the scoring protocol, checked before the replay rather than after. */
    private static void checkLengths(List<Observation> history, Protocol scoring) {
        if (scoring == null) {
            return;
        }
        Map<String, Integer> lengths = new TreeMap<>();
        for (Observation o : history) {
            lengths.merge(o.key, 1, Integer::sum);
        }
        for (Map.Entry<String, Integer> e : lengths.entrySet()) {
            try {
                scoring.split(e.getValue());
            } catch (IllegalArgumentException tooShort) {
                throw new UserError("series '" + e.getKey() + "' has " + e.getValue() + " rows, too few for "
                        + scoring.describe() + "; use --protocol none or shorter custom bounds");
            }
        }
    }

    /** The first few of many names, for a message. */
    static String sample(Collection<String> names) {
        List<String> first = names.stream().limit(8).collect(Collectors.toList());
        return String.join(", ", first) + (names.size() > first.size() ? ", ... (" + names.size() + " in all)" : "");
    }

    private Protocol protocol() {
        if (rows != null || standardiseRows != null || scoreFrom != null || scoreTo != null) {
            if (rows == null || standardiseRows == null || scoreFrom == null || scoreTo == null) {
                throw new UserError("a custom protocol needs --rows, --standardise-rows, --score-from "
                        + "and --score-to together");
            }
            try {
                return Protocol.rows(rows, standardiseRows, scoreFrom, scoreTo);
            } catch (IllegalArgumentException e) {
                throw new UserError("custom protocol: " + e.getMessage());
            }
        }
        switch (protocol.toLowerCase(Locale.ROOT)) {
            case "none": return null;
            case "ett": return Protocol.ETT;
            case "nab": return Protocol.NAB;
            default: throw new UserError("--protocol " + protocol + " is not a protocol: expected none, ett or nab");
        }
    }

    /**
     * Reads a history file ({@code auto} detects the format) with the input settings of {@code c}
     * (features, unit of integer times, far-future rule); refused rows become dead letters with file,
     * line and reason.
     *
     * @throws UserError if the file cannot be read in that format, or is unusable (see {@link HistoryFile})
     */
    static List<Observation> read(Path file, String format, AppConfig c, List<DeadLetter> rejected)
            throws IOException {
        HistoryFile.Contents contents = HistoryFile.read(file, format, InputSettings.of(c), System.currentTimeMillis());
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

    /** Writes the flagged events as JSON lines ({@link AnomalyCodec}) beside {@code output}; returns the file. */
    static Path writeAnomalies(List<Forecast> forecasts, Path output) throws IOException {
        Path file = output.resolveSibling(output.getFileName() + ".anomalies.jsonl");
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            for (Forecast f : forecasts) {
                if (f.anomalous) {
                    out.write(AnomalyCodec.encode(f));
                    out.write('\n');
                }
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

    /**
     * The keys whose charts the report draws: those {@code --charts} names (every key for {@code all}), the
     * summary's default without it; a named key the replay does not have goes into {@code unknown}.
     */
    private Set<String> charts(FleetSummary fleet, List<String> unknown) {
        if (chartKeys == null) {
            return fleet.defaultCharts();
        }
        Set<String> keys = fleet.ranked.stream().map(FleetSummary.Key::key).collect(Collectors.toSet());
        if (chartKeys.contains("all")) {
            return keys;
        }
        Set<String> chosen = new java.util.LinkedHashSet<>();
        for (String k : chartKeys) {
            (keys.contains(k) ? chosen : unknown).add(k);
        }
        return chosen;
    }

    /**
     * NAB's scores of the anomaly scores per key (raw, at each profile's threshold optimised over the run)
     * and overall (normalised), then the precision and recall of the flags at {@code anomaly.threshold}.
     */
    private void printAnomalies(AnomalyEvaluation e, double threshold) {
        System.out.printf(Locale.ROOT, "%nanomalies against %s (NAB's scoring, each profile's threshold optimised over "
                + "the run; per key: windows found, false positives, raw score)%n", labels.getFileName());
        System.out.printf(Locale.ROOT, "%-44s %7s", "key", "windows");
        for (NabScore.Profile p : NabScore.Profile.values()) {
            System.out.printf(Locale.ROOT, " %24s", p.label);
        }
        System.out.println();
        for (int k = 0; k < e.keys.size(); k++) {
            System.out.printf(Locale.ROOT, "%-44s %7d", e.keys.get(k), e.windows.get(e.keys.get(k)).size());
            for (NabScore.Result r : e.results.values()) {
                NabScore.Outcome o = r.series().get(k);
                System.out.printf(Locale.ROOT, " %24s", String.format(Locale.ROOT, "%d found %3d FP %7.3f",
                        o.detected(), o.falsePositives(), o.raw()));
            }
            System.out.println();
        }
        System.out.printf(Locale.ROOT, "%-44s %7d", "all (normalised, 0 = never fires, 100 = perfect)", e.windowCount);
        for (NabScore.Result r : e.results.values()) {
            System.out.printf(Locale.ROOT, " %24s", String.format(Locale.ROOT, "%.2f at %.4f", r.normalised(),
                    r.threshold()));
        }
        System.out.println();
        if (!e.unlabelled.isEmpty()) {
            System.out.println("not scored, without labels: " + sample(e.unlabelled));
        }
        System.out.printf(Locale.ROOT, "flags at anomaly.threshold %s (after each key's probation): %d, %d in a window: "
                + "precision %.3f; %d of %d windows flagged: recall %.3f%n", threshold, e.flagged, e.flaggedInWindows,
                e.precision(), e.windowsFlagged, e.windowCount, e.recall());
    }

    /** Each key's labelled windows (with labels) and flagged events, for the report's charts. */
    private static Map<String, Report.Marks> marks(List<Forecast> forecasts, AnomalyEvaluation anomalies) {
        Map<String, List<Long>> flagged = new TreeMap<>();
        for (Forecast f : forecasts) {
            List<Long> times = flagged.computeIfAbsent(f.key, k -> new ArrayList<>());
            if (f.anomalous) {
                times.add(f.ts);
            }
        }
        Map<String, Report.Marks> out = new TreeMap<>();
        flagged.forEach((key, times) -> out.put(key, new Report.Marks(
                anomalies == null ? List.of() : anomalies.windows.getOrDefault(key, List.of()),
                times.stream().mapToLong(Long::longValue).toArray())));
        return out;
    }

    private static List<String> withStepNotes(List<String> notes, StepEvaluation e) {
        List<String> out = new ArrayList<>(notes);
        out.add(String.format(Locale.ROOT, "Steps 1..%d: row t is scored at step h against the forecast of step h "
                + "made at row t - h; the table of steps ahead gives each step's scores pooled over keys, 'mean 1..%d' the "
                + "mean of the steps' MSE and MAE. The baselines forecast every step from the same rows, leak-free; "
                + "the last chart is a fan: one forecast's steps and intervals against what arrived.", e.horizon,
                e.horizon));
        return out;
    }

    private List<Report.Series> series(Evaluation eval, List<Forecast> forecasts, Protocol scoring) {
        List<Report.Series> out = new ArrayList<>();
        for (Evaluation.SeriesView v : eval.series) {
            out.add(new Report.Series(v.key, v.ts, v.actual, v.forecast, v.lower, v.upper));
        }
        Report.Series fan = fan(forecasts, scoring);
        if (fan != null) {
            out.add(fan);
        }
        return out;
    }

    /**
     * The fan of the chosen key: the forecast made H rows before its last scored row, every step with its
     * interval, after 3H rows of what came before, against the values that arrived.
     */
    private Report.Series fan(List<Forecast> forecasts, Protocol scoring) {
        String key = fanKey != null ? fanKey : forecasts.isEmpty() ? null : forecasts.get(0).key;
        List<Forecast> fs = forecasts.stream().filter(f -> f.key.equals(key)).collect(Collectors.toList());
        if (fs.isEmpty() || fs.get(0).stepForecasts == null) {
            if (fanKey != null) {
                System.err.println("backtest: no fan for '" + fanKey + "': "
                        + (fs.isEmpty() ? "no such series in the replay" : "it was forecast one step ahead"));
            }
            return null;
        }
        int h = fs.get(0).horizon();
        int end = scoring == null ? fs.size() : Math.min(fs.size(), scoring.split(fs.size()).scoreTo());
        int origin = end - 1 - h;
        if (origin < 0) {
            return null;
        }
        int from = Math.max(0, origin - 3 * h);
        int n = origin + h + 1 - from;
        long[] ts = new long[n];
        double[] actual = new double[n];
        double[] forecast = new double[n];
        double[] lower = new double[n];
        double[] upper = new double[n];
        Forecast made = fs.get(origin);
        for (int i = 0; i < n; i++) {
            int row = from + i;
            ts[i] = fs.get(row).ts;
            actual[i] = fs.get(row).value;
            int step = row - origin;
            forecast[i] = step >= 1 ? made.stepForecasts[step - 1] : step == 0 ? made.value : Double.NaN;
            lower[i] = step >= 1 ? made.stepLowers[step - 1] : step == 0 ? made.value : Double.NaN;
            upper[i] = step >= 1 ? made.stepUppers[step - 1] : step == 0 ? made.value : Double.NaN;
        }
        return new Report.Series(key + " (fan of steps 1.." + h + ")", ts, actual, forecast, lower, upper);
    }

    private static List<Report.Row> rows(Evaluation eval, StepEvaluation steps) {
        List<Report.Row> out = new ArrayList<>();
        for (Evaluation.Line l : eval.lines) {
            out.add(row(l.key, l.method, l.metrics));
        }
        if (steps != null) {
            for (Map.Entry<String, Metrics[]> e : steps.steps.entrySet()) {
                Metrics mean = new Metrics();
                for (int h = 1; h <= steps.horizon; h++) {
                    out.add(row(Report.stepKey(h), e.getKey(), e.getValue()[h - 1]));
                    mean.merge(e.getValue()[h - 1]);
                }
                Report.Row pooled = row(Report.meanKey(steps.horizon), e.getKey(), mean);
                // published multi-step figures average the steps' MSE and MAE (each step has as many rows)
                out.add(new Report.Row(pooled.key(), pooled.method(), pooled.n(), steps.meanMse(e.getKey()),
                        steps.meanMae(e.getKey()), Math.sqrt(steps.meanMse(e.getKey())), pooled.smape(),
                        pooled.mase(), pooled.coverage(), pooled.width()));
            }
        }
        return out;
    }

    private static Report.Row row(String key, String method, Metrics m) {
        boolean interval = m.intervalCount() > 0;
        return new Report.Row(key, method, m.count(), m.mse(), m.mae(), m.rmse(), m.smape(), m.mase(),
                interval ? m.coverage() : Double.NaN, interval ? m.meanWidth() : Double.NaN);
    }
}
