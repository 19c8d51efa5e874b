package dev.streamforecast.io;

import dev.streamforecast.model.ModelConfig;
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
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The one configuration format of {@code run}, {@code backtest} and the cluster job: a Java properties
 * file whose keys are listed, with defaults, in {@link #DEFAULTS} and in the README.
 *
 * <p>Keys under {@code kafka.properties.} are handed to the Kafka clients unchanged (security,
 * timeouts) and keys under {@code flink.} to Flink's configuration; any other key not listed is
 * refused, naming the key, so a typo never silently falls back to a default.
 */
public final class AppConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The most payload bytes a dead letter keeps; longer payloads are cut, their size noted. */
    public static final String MAX_PAYLOAD_BYTES = "dead-letters.max-payload-bytes";
    /** The most bytes a dead letter on Kafka may have (below the dead-letter topic's max.message.bytes). */
    public static final String MAX_RECORD_BYTES = "dead-letters.max-record-bytes";
    /** The largest payload cap accepted: 64 MiB. */
    static final int MAX_PAYLOAD_LIMIT = 64 << 20;

    /** Every plain key with its default; model keys are those of {@link ModelConfig#KEYS}. */
    public static final Map<String, String> DEFAULTS = defaults();

    private final Map<String, String> values;

    private AppConfig(Map<String, String> values) {
        this.values = values;
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("kafka.bootstrap-servers", "localhost:9092");
        d.put("kafka.input-topic", "observations");
        d.put("kafka.output-topic", "forecasts");
        d.put("kafka.dead-letter-topic", "forecasts-dead-letters");
        d.put("kafka.group-id", "forecaster");
        d.put("kafka.starting-offsets", "committed");
        d.put("kafka.delivery-guarantee", "exactly-once");
        d.put("kafka.transactional-id-prefix", "forecaster");
        d.put("job.name", "forecaster");
        d.put("job.parallelism", "0");
        d.put("job.checkpoint-interval", "10s");
        d.put("events.max-out-of-orderness", "5s");
        d.put("events.idle-state-retention", "7d");
        d.put(FutureLimit.SETTING, "1d");
        d.put(MAX_PAYLOAD_BYTES, String.valueOf(DeadLetterCodec.DEFAULT_MAX_PAYLOAD_BYTES));
        d.put(MAX_RECORD_BYTES, String.valueOf(DeadLetterLimits.KAFKA_MAX_REQUEST_SIZE));
        d.put("model.warm-start", "");
        ModelConfig.builder().build().toMap().forEach(d::put);
        return d;
    }

    public static AppConfig defaultsOnly() {
        return of(Map.of());
    }

    /** Reads a properties file; unknown keys and bad values fail with the key named. */
    public static AppConfig load(Path file) throws IOException {
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
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** Settings over the defaults; validates everything eagerly. */
    public static AppConfig of(Map<String, String> settings) {
        List<String> unknown = new ArrayList<>();
        for (String k : settings.keySet()) {
            if (!DEFAULTS.containsKey(k) && !k.startsWith("kafka.properties.") && !k.startsWith("flink.")) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown setting(s) " + unknown + "; known settings are "
                    + DEFAULTS.keySet() + " plus kafka.properties.* and flink.*");
        }
        Map<String, String> all = new LinkedHashMap<>(DEFAULTS);
        all.putAll(settings);
        AppConfig c = new AppConfig(all);
        c.model();
        c.startingOffsets();
        c.deliveryGuarantee();
        c.duration("job.checkpoint-interval");
        c.duration("events.max-out-of-orderness");
        c.duration("events.idle-state-retention");
        c.integer("job.parallelism", 0, 10_000);
        c.maxFuture();
        c.deadLetterLimits();
        for (String k : List.of("kafka.bootstrap-servers", "kafka.input-topic", "kafka.output-topic",
                "kafka.dead-letter-topic", "kafka.group-id", "kafka.transactional-id-prefix", "job.name")) {
            if (all.get(k).isBlank()) {
                throw new IllegalArgumentException("invalid " + k + " = '': expected a non-empty value");
            }
        }
        return c;
    }

    /** A copy with some settings replaced, validated again. */
    public AppConfig with(Map<String, String> overrides) {
        Map<String, String> m = new LinkedHashMap<>(values);
        m.putAll(overrides);
        return of(m);
    }

    public String get(String key) {
        if (!values.containsKey(key)) {
            throw new IllegalArgumentException("unknown setting " + key);
        }
        return values.get(key);
    }

    public ModelConfig model() {
        return ModelConfig.fromMap(values);
    }

    /** Where consumption starts when the group has no committed offset: earliest, latest, committed. */
    public String startingOffsets() {
        return oneOf("kafka.starting-offsets", "committed", "earliest", "latest");
    }

    public String deliveryGuarantee() {
        return oneOf("kafka.delivery-guarantee", "exactly-once", "at-least-once", "none");
    }

    public Duration duration(String key) {
        String v = get(key);
        try {
            return org.apache.flink.util.TimeUtils.parseDuration(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid " + key + " = " + v
                    + ": expected a duration such as 250ms, 5s, 10min, 7d");
        }
    }

    /**
     * The far-future rule: {@code events.max-future}, a duration; {@code 0} (any unit) or {@code none}
     * switches it off.
     */
    public FutureLimit maxFuture() {
        String v = get(FutureLimit.SETTING).strip();
        if (v.equalsIgnoreCase("none") || v.equals("0")) {
            return FutureLimit.none();
        }
        Duration d;
        try {
            d = duration(FutureLimit.SETTING);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + ", or none (as 0) to switch the rule off");
        }
        return d.isZero() ? FutureLimit.none() : FutureLimit.of(d);
    }

    /** The dead letters' payload cap and record bound, consistent with the producer's max.request.size. */
    public DeadLetterLimits deadLetterLimits() {
        int payload = integer(MAX_PAYLOAD_BYTES, 0, MAX_PAYLOAD_LIMIT);
        int record = integer(MAX_RECORD_BYTES, DeadLetterCodec.MIN_RECORD_BYTES + DeadLetterLimits.RECORD_FRAMING,
                Integer.MAX_VALUE);
        return DeadLetterLimits.of(kafkaClientProperties(), payload, record);
    }

    public int integer(String key, int min, int max) {
        String v = get(key);
        try {
            int i = Integer.parseInt(v);
            if (i >= min && i <= max) {
                return i;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("invalid " + key + " = " + v + ": expected an integer in ["
                + min + ", " + max + "]");
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

    /** The {@code flink.*} entries without their prefix, for Flink's Configuration. */
    public Map<String, String> flinkSettings() {
        Map<String, String> m = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith("flink.")) {
                m.put(k.substring("flink.".length()), v);
            }
        });
        return m;
    }

    public Map<String, String> asMap() {
        return new LinkedHashMap<>(values);
    }

    private String oneOf(String key, String... allowed) {
        String v = get(key).toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) {
                return a;
            }
        }
        throw new IllegalArgumentException("invalid " + key + " = " + get(key) + ": expected one of "
                + String.join(", ", allowed));
    }
}
