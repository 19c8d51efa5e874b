package dev.streamforecast.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.streamforecast.event.Observation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads observations from JSON, refusing bad input with a reason a person can act on.
 *
 * <p>The input is {@code {"key": "...", "ts": <epoch ms (or s: events.time-unit) | ISO-8601>, "value": <number>,
 * "features": {"name": <number>, ...}}}. {@code features} may be left out when the model expects none;
 * otherwise each expected name must be present with a finite number, and the values are stored in the
 * order of the names given to the constructor. Unknown fields and unknown feature names are ignored.
 * Bad input is returned as a {@link Result} carrying the reason, never thrown: the caller turns it into
 * a dead letter with the original payload.
 */
public final class ObservationCodec implements Serializable {
    private static final long serialVersionUID = 1L;

    /*
     * Non-numeric tokens (NaN, Infinity) are let through the parser so that they can be refused with
     * their own reason instead of a generic syntax error; duplicate fields and trailing content are
     * refused because they make the payload ambiguous.
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Set<String> NON_FINITE_WORDS =
            Set.of("nan", "infinity", "+infinity", "-infinity", "inf", "+inf", "-inf");

    /** Jackson names the (redacted) input source inside nested locations; only line and column help. */
    private static final Pattern SOURCE_IN_LOCATION = Pattern.compile("\\[Source: [^;\\]]*; ");

    private final List<String> featureNames;
    private final EpochUnit timeUnit;

    /** A codec whose integer times are epoch milliseconds. */
    public ObservationCodec(List<String> featureNames) {
        this(featureNames, EpochUnit.MS);
    }

    /**
     * @param featureNames the covariates the model expects, in the order it expects them; may be empty
     * @param timeUnit how an integer {@code ts} is read (and written)
     */
    public ObservationCodec(List<String> featureNames, EpochUnit timeUnit) {
        Objects.requireNonNull(featureNames, "featureNames");
        this.timeUnit = Objects.requireNonNull(timeUnit, "timeUnit");
        List<String> names = new ArrayList<>(featureNames);
        for (String n : names) {
            if (n == null || n.isEmpty()) {
                throw new IllegalArgumentException("feature names must be non-empty, got " + featureNames);
            }
        }
        if (names.stream().distinct().count() != names.size()) {
            throw new IllegalArgumentException("feature names must be distinct, got " + featureNames);
        }
        this.featureNames = Collections.unmodifiableList(names);
    }

    public List<String> featureNames() {
        return featureNames;
    }

    /** Decodes one payload; a {@code null} or empty payload is refused like any other bad input. */
    public Result decode(byte[] payload) {
        if (payload == null) {
            return Result.rejected("empty payload (null record value)");
        }
        int invalid = Utf8.invalidAt(payload, 0, payload.length);
        if (invalid >= 0) {
            // Jackson would refuse most such bytes, but not all (encoded surrogates): one strict rule for all.
            return Result.rejected(Utf8.describe(payload, invalid, "record"));
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(payload);
        } catch (JsonProcessingException e) {
            String message = SOURCE_IN_LOCATION.matcher(e.getOriginalMessage()).replaceAll("[");
            return Result.rejected("malformed JSON: " + message + location(e));
        } catch (IOException e) {
            return Result.rejected("malformed JSON: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            return Result.rejected("malformed JSON: empty payload");
        }
        if (!root.isObject()) {
            return Result.rejected("payload must be a JSON object, got " + typeOf(root));
        }

        JsonNode keyNode = root.get("key");
        if (keyNode == null) {
            return Result.rejected("missing field 'key'");
        }
        if (!keyNode.isTextual()) {
            return Result.rejected("key must be a non-empty string, got " + typeOf(keyNode));
        }
        String key = keyNode.textValue();
        if (key.isBlank()) {
            return Result.rejected("key must be a non-empty string, got " + DeadLetters.quote(key));
        }
        int lone = Utf8.unpairedSurrogate(key);
        if (lone >= 0) {
            return Result.rejected("key has an unpaired surrogate (\\u" + Integer.toHexString(key.charAt(lone))
                    + ") at character " + (lone + 1) + ": it is not valid Unicode");
        }

        JsonNode tsNode = root.get("ts");
        if (tsNode == null) {
            return Result.rejected("missing field 'ts'");
        }
        long ts;
        try {
            ts = timestamp(tsNode);
        } catch (IllegalArgumentException e) {
            return Result.rejected(e.getMessage());
        }

        JsonNode valueNode = root.get("value");
        if (valueNode == null) {
            return Result.rejected("missing field 'value'");
        }
        String bad = checkNumber("field 'value'", valueNode);
        if (bad != null) {
            return Result.rejected(bad);
        }
        double value = valueNode.doubleValue();

        double[] features = new double[featureNames.size()];
        JsonNode featuresNode = root.get("features");
        if (featuresNode != null && !featuresNode.isNull() && !featuresNode.isObject()) {
            return Result.rejected("field 'features' must be an object of name to number, got "
                    + typeOf(featuresNode));
        }
        if (!featureNames.isEmpty()) {
            if (featuresNode == null || featuresNode.isNull()) {
                return Result.rejected("missing field 'features' (the model expects " + featureNames + ")");
            }
            for (int i = 0; i < features.length; i++) {
                String name = featureNames.get(i);
                JsonNode f = featuresNode.get(name);
                if (f == null) {
                    return Result.rejected("missing feature '" + name + "' (the model expects "
                            + featureNames + ")");
                }
                bad = checkNumber("feature '" + name + "'", f);
                if (bad != null) {
                    return Result.rejected(bad);
                }
                features[i] = f.doubleValue();
            }
        }
        return Result.ok(new Observation(key, ts, value, features));
    }

    /**
     * Writes an observation in the input format, {@code ts} in the codec's unit (as ISO-8601 when whole
     * seconds cannot hold it).
     *
     * @throws IllegalArgumentException if it is one the decoder would refuse (non-finite numbers,
     *     a feature count that does not match the names)
     */
    public byte[] encode(Observation o) {
        if (o.key == null || o.key.isBlank()) {
            throw new IllegalArgumentException("key must be a non-empty string, got " + o.key);
        }
        if (!Double.isFinite(o.value)) {
            throw new IllegalArgumentException("value must be finite, got " + o.value);
        }
        double[] features = o.features == null ? new double[0] : o.features;
        if (features.length != featureNames.size()) {
            throw new IllegalArgumentException("observation has " + features.length
                    + " features but the codec names " + featureNames.size() + ": " + featureNames);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 24 * features.length);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("key", o.key);
            if (timeUnit == EpochUnit.MS) {
                g.writeNumberField("ts", o.ts);
            } else if (o.ts % timeUnit.millis == 0) {
                g.writeNumberField("ts", o.ts / timeUnit.millis);
            } else {
                g.writeStringField("ts", Timestamps.format(o.ts));
            }
            g.writeNumberField("value", o.value);
            if (features.length > 0) {
                g.writeObjectFieldStart("features");
                for (int i = 0; i < features.length; i++) {
                    if (!Double.isFinite(features[i])) {
                        throw new IllegalArgumentException("feature '" + featureNames.get(i)
                                + "' must be finite, got " + features[i]);
                    }
                    g.writeNumberField(featureNames.get(i), features[i]);
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private long timestamp(JsonNode ts) {
        if (ts.isIntegralNumber()) {
            if (!ts.canConvertToLong()) {
                throw new IllegalArgumentException("timestamp out of range: " + ts.asText()
                        + " is too large for epoch " + timeUnit.words);
            }
            return Timestamps.fromEpoch(ts.longValue(), timeUnit);
        }
        if (ts.isFloatingPointNumber()) {
            double d = ts.doubleValue();
            if (!Double.isFinite(d) || d != Math.rint(d) || Math.abs(d) > 1e18) {
                throw new IllegalArgumentException(
                        "field 'ts' must be whole epoch " + timeUnit.words + ", got " + ts.asText());
            }
            return Timestamps.fromEpoch((long) d, timeUnit);
        }
        if (ts.isTextual()) {
            return Timestamps.parse(ts.textValue(), timeUnit);
        }
        throw new IllegalArgumentException(
                "field 'ts' must be epoch " + timeUnit.words + " or an ISO-8601 string, got " + typeOf(ts));
    }

    /** Returns why {@code node} is not a finite number, or null if it is one. */
    private static String checkNumber(String what, JsonNode node) {
        if (node.isNumber()) {
            double d = node.doubleValue();
            return Double.isFinite(d) ? null : what + " is " + nonFinite(d);
        }
        if (node.isTextual()) {
            String t = node.textValue().strip().toLowerCase(Locale.ROOT);
            if (NON_FINITE_WORDS.contains(t)) {
                String name = t.equals("nan") ? "NaN" : t.startsWith("-") ? "-Infinity" : "Infinity";
                return what + " is " + name + " (given as a string)";
            }
        }
        return what + " must be a number, got " + typeOf(node);
    }

    private static String nonFinite(double d) {
        String name = Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
        return Double.isNaN(d) ? name : name + " (or beyond the range of a double)";
    }

    private static String typeOf(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "string";
            case NUMBER -> "number";
            case BOOLEAN -> "boolean";
            case NULL -> "null";
            case ARRAY -> "array";
            case OBJECT -> "object";
            default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    /** Either an observation or the reason the payload was refused; exactly one is non-null. */
    public record Result(Observation observation, String reason) {
        public Result {
            if ((observation == null) == (reason == null)) {
                throw new IllegalArgumentException("exactly one of observation and reason must be set");
            }
        }

        public static Result ok(Observation observation) {
            return new Result(Objects.requireNonNull(observation), null);
        }

        public static Result rejected(String reason) {
            return new Result(null, Objects.requireNonNull(reason));
        }

        public boolean isOk() {
            return observation != null;
        }
    }
}
