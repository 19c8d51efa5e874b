package dev.streamforecast.io;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.AnomalyScore;
import dev.streamforecast.model.Setting;
import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.flink.util.TimeUtils;

/**
 * The one configuration format of {@code run}, {@code backtest} and the cluster job: a Java properties
 * file whose keys are the job's settings below and the model's ({@link ModelConfig#settings()}).
 *
 * <p>Keys under {@code kafka.properties.} are handed to the Kafka clients unchanged (security,
 * timeouts) and keys under {@code flink.} to Flink's configuration, checked against the options Flink
 * defines ({@code flink.unchecked.} passes a key Flink does not define); any other key not listed is
 * refused, naming the key, so a typo never silently falls back to a default. A new setting is one line
 * in the table below.
 */
public final class AppConfig implements Serializable {
    private static final long serialVersionUID = 2L;

    /** Keys under these prefixes are passed on rather than listed. */
    public static final List<String> PASS_THROUGH = List.of("kafka.properties.", "flink.");

    private static final Setting.Table TABLE = new Setting.Table();
    private static final Pattern SECRET = Pattern.compile("password|secret|jaas|token|credential",
            Pattern.CASE_INSENSITIVE);
    static final String DURATION = "a duration such as 250ms, 5s, 10min, 7d";
    private static final String FLINK = "flink.";

    public static final Setting<String> BOOTSTRAP_SERVERS = TABLE.text("kafka.bootstrap-servers", "localhost:9092",
            "the Kafka brokers to connect to first, host:port[,host:port...]");
    public static final Setting<String> INPUT_TOPIC = TABLE.text("kafka.input-topic", "observations",
            "the topic events are read from (record key = series key)");
    public static final Setting<String> OUTPUT_TOPIC = TABLE.text("kafka.output-topic", "forecasts",
            "the topic forecasts are written to");
    public static final Setting<String> DEAD_LETTER_TOPIC = TABLE.text("kafka.dead-letter-topic",
            "forecasts-dead-letters", "the topic refused input goes to, with its reason");
    public static final Setting<String> GROUP_ID = TABLE.text("kafka.group-id", "forecaster",
            "consumer group (offsets also live in Flink's checkpoints)");
    public static final Setting<String> STARTING_OFFSETS = TABLE.choice("kafka.starting-offsets", "committed",
            List.of("committed", "earliest", "latest"),
            "where reading starts: the group's committed offsets (earliest when it has none), or the topic's ends");
    public static final Setting<String> DELIVERY_GUARANTEE = TABLE.choice("kafka.delivery-guarantee",
            "exactly-once", List.of("exactly-once", "at-least-once", "none"),
            "exactly-once writes in transactions, visible to read_committed consumers at each checkpoint");
    public static final Setting<String> TRANSACTIONAL_ID_PREFIX = TABLE.text("kafka.transactional-id-prefix",
            "forecaster", "prefix of the sinks' transactional ids; unique per job writing to the cluster");
    public static final Setting<String> JOB_NAME = TABLE.text("job.name", "forecaster", "the Flink job's name");
    public static final Setting<Integer> PARALLELISM = TABLE.integer("job.parallelism", 0, "[0, 10000]",
            "parallelism of the job; 0 = the environment's default");
    public static final Setting<Duration> CHECKPOINT_INTERVAL = duration("job.checkpoint-interval", "10s",
            "time between checkpoints; exactly-once output becomes visible at each");
    public static final Setting<String> CHECKPOINT_DIR = TABLE.optionalText("job.checkpoint-dir",
            "a folder, or empty", "where the job's checkpoints go, in a folder per job.name: run keeps them on this "
                    + "machine (empty: $XDG_STATE_HOME/forecaster/checkpoints, else ~/.local/state/forecaster/"
                    + "checkpoints), retains them when stopped and resumes from the newest; the cluster job writes "
                    + "them there when set (a folder every machine reaches, or s3://...), else to the cluster's "
                    + "execution.checkpointing.dir");
    public static final Setting<Duration> MAX_OUT_OF_ORDERNESS = duration("events.max-out-of-orderness", "5s",
            "a key's event waits until the key's own newest event time is this far past it, so older events of "
                    + "the key arriving meanwhile are used first; an event older than one its key has used is "
                    + "late; 0s = arrival order, lowest latency");
    public static final Setting<Duration> MAX_WAIT = duration("events.max-wait", "5s",
            "live job: a key silent this long (wall-clock) has its waiting events used anyway; replays use "
                    + "them at the end of the input instead");
    public static final Setting<Duration> IDLE_STATE_RETENTION = duration("events.idle-state-retention", "7d",
            "a key that receives nothing for this long (wall-clock, counted from the job's start at the "
                    + "earliest) loses its state; 0s keeps it for ever; replays keep every key");
    public static final Setting<String> ON_SHAPE_CHANGE = TABLE.choice("model.on-shape-change", "fail",
            List.of("fail", "reset"), "a restore under other shaping settings (cell, hidden, layers, inputs, "
                    + "features, target, linear order, k1, k2, optimizer) fails at start naming them, or starts "
                    + "such keys afresh");
    public static final Setting<EpochUnit> TIME_UNIT = TABLE.choice(EpochUnit.SETTING, EpochUnit.MS,
            "integer event times (JSON, CSV, a SQL BIGINT column) are epoch milliseconds or epoch seconds; one of "
                    + "the other unit's magnitude is refused naming this setting; ISO-8601 times are unaffected");
    public static final Setting<Duration> MAX_FUTURE = TABLE.add(FutureLimit.SETTING, "1d",
            DURATION + ", or none", v -> v.strip().equalsIgnoreCase("none") ? Duration.ZERO : TimeUtils.parseDuration(v),
            d -> !d.isNegative(), d -> d.isZero() ? "none" : TimeUtils.formatWithHighestUnit(d),
            "events more than this after their Kafka record's timestamp (in a file replay, after the replay "
                    + "started) are refused as future; one more than this after its key's newest event waits for "
                    + "the key's next event to confirm it (docs/event-time-and-state.md); none (or 0) switches both "
                    + "off");
    /** The largest payload cap accepted: 64 MiB. */
    static final int MAX_PAYLOAD_LIMIT = 64 << 20;
    public static final Setting<Integer> MAX_PAYLOAD_BYTES = TABLE.integer("dead-letters.max-payload-bytes",
            DeadLetterCodec.DEFAULT_MAX_PAYLOAD_BYTES, "[0, " + MAX_PAYLOAD_LIMIT + "]",
            "payload bytes a dead letter keeps; a longer payload is cut (never inside a character), its size noted");
    public static final Setting<Integer> MAX_RECORD_BYTES = TABLE.integer("dead-letters.max-record-bytes",
            DeadLetterLimits.KAFKA_MAX_REQUEST_SIZE,
            "[" + (DeadLetterCodec.MIN_RECORD_BYTES + DeadLetterLimits.RECORD_FRAMING) + ", " + Integer.MAX_VALUE + "]",
            "the most bytes a dead letter on Kafka may have (keep it below the dead-letter topic's "
                    + "max.message.bytes); the producer's max.request.size bounds it too");
    public static final Setting<String> WARM_START = TABLE.optionalText("model.warm-start",
            "a model file, or empty", "a model JSON file (from backtest --export-model) that new keys start from "
                    + "(a shared network in model.scope=shared); one made under other shaping settings (horizon, "
                    + "cell, hidden, layers, inputs, features, linear order...) is refused at start, naming each");
    public static final Setting<Double> ANOMALY_THRESHOLD = TABLE.number("anomaly.threshold",
            AnomalyScore.DEFAULT_THRESHOLD, "(0, 1]", "a forecast record is flagged (`anomalous`) when the "
                    + "anomaly score of its event is at or above this; 0.5 is a tail probability of 1e-5, 0.6 of 1e-6 "
                    + "(docs/anomalies.md)");
    public static final Setting<String> ANOMALY_TOPIC = TABLE.optionalText("anomaly.topic", "a topic, or empty",
            "the topic flagged events are written to (key, time, value, the forecast and interval made for it, the "
                    + "score), as well as among the forecasts; empty: none");

    private final Map<String, String> values;

    private AppConfig(Map<String, String> values) {
        this.values = values;
    }

    private static Setting<Duration> duration(String name, String defaultText, String doc) {
        return TABLE.add(name, defaultText, DURATION, TimeUtils::parseDuration, d -> !d.isNegative(),
                TimeUtils::formatWithHighestUnit, doc);
    }

    /** The job's settings, then the model's: every key a configuration may hold besides the pass-through ones. */
    public static List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>(TABLE.all());
        all.addAll(ModelConfig.settings());
        return all;
    }

    /** Every listed key with its default. */
    public static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        for (Setting<?> s : settings()) {
            d.put(s.name, s.defaultText);
        }
        return d;
    }

    public static AppConfig defaultsOnly() {
        return of(Map.of());
    }

    /** Reads a properties file; a missing file, unknown keys and bad values fail naming the file and the key. */
    public static AppConfig load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UserError("no configuration file " + file + (Files.exists(file) ? " (it is a directory)" : "")
                    + "; give the path of a properties file (configs/ has examples)");
        }
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return load(r, file.toString());
        }
    }

    /**
     * Reads properties from {@code reader} (a file bundled on the class path, say); unknown keys and bad
     * values fail naming {@code source} and the key.
     */
    public static AppConfig load(Reader reader, String source) throws IOException {
        Properties p = new Properties();
        p.load(reader);
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) {
            m.put(k, p.getProperty(k).trim());
        }
        try {
            return of(m);
        } catch (UserError e) {
            throw new UserError(source + ": " + e.getMessage(), e);
        }
    }

    /**
     * Settings over the defaults; validates everything eagerly.
     *
     * @throws UserError naming the first unknown key (with the nearest known one) or the first bad value
     *     and what its setting accepts
     */
    public static AppConfig of(Map<String, String> settings) {
        Map<String, String> all = defaults();
        Map<String, String> flink = new TreeMap<>();
        List<String> checked = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(settings).entrySet()) {
            String k = e.getKey();
            if (k.startsWith(FLINK)) {
                String flinkKey = FlinkOptions.known().check(FLINK, k.substring(FLINK.length()), e.getValue());
                flink.put(flinkKey, e.getValue());
                if (flinkKey.equals(k.substring(FLINK.length()))) {
                    checked.add(flinkKey);
                }
            } else if (!all.containsKey(k) && PASS_THROUGH.stream().noneMatch(k::startsWith)) {
                throw new UserError("unknown setting '" + k + "'" + nearest(k, all.keySet(), "")
                        + "; docs/configuration.md lists every setting");
            }
        }
        FlinkOptions.checkImplementations(FLINK, flink, checked);
        all.putAll(settings);
        try {
            for (Setting<?> s : TABLE.all()) {
                s.parse(all.get(s.name));
            }
            ModelConfig.fromMap(all);
            AppConfig c = new AppConfig(all);
            c.deadLetterLimits(); // the cap must fit the producer's max.request.size
            return c;
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    /**
     * Checks a setting of a Flink session (a SQL script's {@code SET 'key' = 'value'}) as the properties
     * file's {@code flink.*} keys are checked, in the context of the session's settings so far.
     *
     * @return the key Flink reads the value under ({@code unchecked.} taken off)
     * @throws UserError naming an unknown key with the nearest one Flink defines, or a bad value with
     *     what it accepts
     */
    public static String flinkSetting(String key, String value, Map<String, String> session) {
        String flinkKey = FlinkOptions.known().check("", key, value);
        Map<String, String> conf = new TreeMap<>(session);
        conf.put(flinkKey, value);
        FlinkOptions.checkImplementations("", conf, flinkKey.equals(key) ? List.of(key) : List.of());
        return flinkKey;
    }

    /** ", did you mean X?" for the known key closest to a mistyped one, or nothing if none is close. */
    static String nearest(String key, Iterable<String> known, String prefix) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = editDistance(key, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 4)
                ? " (did you mean " + prefix + best + "?)" : "";
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    /** A copy with some settings replaced, validated again. */
    public AppConfig with(Map<String, String> overrides) {
        Map<String, String> m = new LinkedHashMap<>(values);
        m.putAll(overrides);
        return of(m);
    }

    /** A setting's text as configured (the default if not set); pass-through keys are read this way too. */
    public String get(String key) {
        if (!values.containsKey(key)) {
            throw new IllegalArgumentException("unknown setting " + key);
        }
        return values.get(key);
    }

    /** The value of one of the job's settings. */
    public <T> T get(Setting<T> setting) {
        TABLE.indexOf(setting);
        return setting.parse(values.get(setting.name));
    }

    public ModelConfig model() {
        return ModelConfig.fromMap(values);
    }

    /** Where consumption starts when the group has no committed offset: earliest, latest, committed. */
    public String startingOffsets() {
        return get(STARTING_OFFSETS);
    }

    public String deliveryGuarantee() {
        return get(DELIVERY_GUARANTEE);
    }

    /** The value of a duration setting, e.g. {@code job.checkpoint-interval}. */
    public Duration duration(String key) {
        Setting<?> s = TABLE.find(key);
        if (s == null || !(s.defaultValue() instanceof Duration)) {
            throw new IllegalArgumentException(key + " is not a duration setting");
        }
        return (Duration) s.parse(get(key));
    }

    /** The far-future rule ({@code events.max-future}); a zero duration or {@code none} switches it off. */
    public FutureLimit maxFuture() {
        Duration d = get(MAX_FUTURE);
        return d.isZero() ? FutureLimit.none() : FutureLimit.of(d);
    }

    /** The dead letters' payload cap and record bound, consistent with the producer's max.request.size. */
    public DeadLetterLimits deadLetterLimits() {
        return DeadLetterLimits.of(kafkaClientProperties(), get(MAX_PAYLOAD_BYTES), get(MAX_RECORD_BYTES));
    }

    /** The Kafka client properties: bootstrap servers plus every {@code kafka.properties.*} entry. */
    public Properties kafkaClientProperties() {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", get("kafka.bootstrap-servers"));
        values.forEach((k, v) -> {
            if (k.startsWith("kafka.properties.")) {
                p.setProperty(k.substring("kafka.properties.".length()), v);
            }
        });
        return p;
    }

    /** The {@code flink.*} entries without their prefix (and without {@code unchecked.}), for Flink's Configuration. */
    public Map<String, String> flinkSettings() {
        Map<String, String> m = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(FLINK)) {
                String key = k.substring(FLINK.length());
                m.put(key.startsWith(FlinkOptions.UNCHECKED) ? key.substring(FlinkOptions.UNCHECKED.length()) : key, v);
            }
        });
        return m;
    }

    public Map<String, String> asMap() {
        return new LinkedHashMap<>(values);
    }

    /** {@link #asMap()} with the values of client settings that look like secrets (passwords, JAAS) hidden. */
    public Map<String, String> asPrintableMap() {
        Map<String, String> m = asMap();
        m.replaceAll((k, v) -> k.startsWith("kafka.properties.") && SECRET.matcher(k).find() ? "(hidden)" : v);
        return m;
    }
}
