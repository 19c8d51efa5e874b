package dev.streamforecast.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamforecast.event.Forecast;
import java.io.IOException;

/**
 * Forecasts as JSON: {@code {"key", "ts", "ts_ms", "value", "forecast", "lower", "upper", "events",
 * "updates", "model", "anomaly", "anomalous"}}, and with a horizon above one step {@code "steps": [{"h",
 * "ts", "ts_ms", "forecast", "lower", "upper"}, ...]} for steps 1..H, {@code ts} there the target's expected
 * time from the key's cadence (null while it has none).
 *
 * <p>Every time is written alike: {@code ts} ISO-8601 UTC for people, {@code ts_ms} beside it the same
 * instant in epoch milliseconds for programs. {@code lower} and {@code upper} are null while the key's
 * interval has no scale (its first events; see {@link dev.streamforecast.model.Prediction}): no
 * interval rather than one of zero width. Doubles are written in their shortest round-tripping form, so
 * decoding gives back the same bits (negative zero included); NaN and infinities are written as the
 * strings {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"}.
 *
 * <p>{@code anomaly} is how surprising the event's {@code value} was, in [0, 1], against the step-1
 * forecast made for it at the key's event before (docs/anomalies.md); {@code anomalous} is true when it
 * is at or above {@code anomaly.threshold}. While a key warms up, and at the event its model is reset,
 * the score is 0 and {@code "anomaly_status"} says so ({@code "warming-up"}, {@code "reset"}); a scored
 * event has no {@code anomaly_status}.
 */
public final class ForecastCodec {

    private static final String WHAT = "forecast";

    private ForecastCodec() {}

    public static byte[] encode(Forecast f) {
        return JsonSupport.write(256, g -> {
            g.writeStartObject();
            writeEvent(g, f);
            g.writeNumberField("forecast", f.forecast);
            bounds(g, f.lower, f.upper);
            g.writeNumberField("events", f.events);
            g.writeNumberField("updates", f.updates);
            g.writeStringField("model", f.modelId);
            g.writeNumberField("anomaly", f.anomaly);
            g.writeBooleanField("anomalous", f.anomalous);
            if (f.anomalyStatus != null) {
                g.writeStringField("anomaly_status", f.anomalyStatus);
            }
            if (f.stepForecasts != null) {
                g.writeArrayFieldStart("steps");
                for (int h = 1; h <= f.stepForecasts.length; h++) {
                    g.writeStartObject();
                    g.writeNumberField("h", h);
                    Long at = f.stepTime(h);
                    if (at == null) {
                        g.writeNullField("ts");
                        g.writeNullField("ts_ms");
                    } else {
                        time(g, at);
                    }
                    g.writeNumberField("forecast", f.stepForecasts[h - 1]);
                    bounds(g, f.stepLowers[h - 1], f.stepUppers[h - 1]);
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        });
    }

    /** {@code ts} as ISO-8601 UTC and {@code ts_ms} as epoch milliseconds: the one form of every time. */
    private static void time(JsonGenerator g, long ms) throws IOException {
        g.writeStringField("ts", Timestamps.format(ms));
        g.writeNumberField("ts_ms", ms);
    }

    /** An interval's bounds, both null when it has none (NaN). */
    private static void bounds(JsonGenerator g, double lower, double upper) throws IOException {
        if (Double.isNaN(lower) || Double.isNaN(upper)) {
            g.writeNullField("lower");
            g.writeNullField("upper");
        } else {
            g.writeNumberField("lower", lower);
            g.writeNumberField("upper", upper);
        }
    }

    /** A bound as written by {@link #bounds}: null is NaN, no interval. */
    private static double bound(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isNull() ? Double.NaN : JsonSupport.real(node, field, WHAT);
    }

    /** The fields of the event a record follows, as forecasts and flagged events both open: key, times, value. */
    static void writeEvent(JsonGenerator g, Forecast f) throws IOException {
        g.writeStringField("key", f.key);
        time(g, f.ts);
        g.writeNumberField("value", f.value);
    }

    /**
     * Reads a forecast written by {@link #encode}; {@code ts_ms} is authoritative.
     *
     * @throws IllegalArgumentException if the payload is not such a forecast
     */
    public static Forecast decode(byte[] payload) {
        JsonNode root = JsonSupport.readObject(payload, WHAT);
        Forecast f = new Forecast(
                JsonSupport.text(root, "key", WHAT),
                JsonSupport.integer(root, "ts_ms", WHAT),
                JsonSupport.real(root, "value", WHAT),
                JsonSupport.real(root, "forecast", WHAT),
                bound(root, "lower"),
                bound(root, "upper"),
                JsonSupport.integer(root, "events", WHAT),
                JsonSupport.integer(root, "updates", WHAT),
                JsonSupport.text(root, "model", WHAT));
        // absent in records from before scores: 0, not flagged
        f.anomaly = root.path("anomaly").asDouble(0);
        f.anomalous = root.path("anomalous").asBoolean(false);
        f.anomalyStatus = root.hasNonNull("anomaly_status") ? root.get("anomaly_status").asText() : null;
        JsonNode steps = root.get("steps");
        if (steps != null && steps.isArray() && steps.size() > 0) {
            int n = steps.size();
            f.stepForecasts = new double[n];
            f.stepLowers = new double[n];
            f.stepUppers = new double[n];
            for (int h = 0; h < n; h++) {
                JsonNode step = steps.get(h);
                f.stepForecasts[h] = JsonSupport.real(step, "forecast", WHAT);
                f.stepLowers[h] = bound(step, "lower");
                f.stepUppers[h] = bound(step, "upper");
                JsonNode at = step.get("ts_ms");
                if (h == 0 && at != null && at.isNumber()) {
                    f.cadence = at.asLong() - f.ts;
                }
            }
        }
        return f;
    }
}
