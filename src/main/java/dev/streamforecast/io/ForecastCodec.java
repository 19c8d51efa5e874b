package dev.streamforecast.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamforecast.event.Forecast;
import java.io.IOException;

/**
 * Forecasts as JSON: {@code {"key", "ts", "ts_ms", "value", "forecast", "lower", "upper", "events",
 * "updates", "model", "anomaly", "anomalous"}}, and with a horizon above one step {@code "steps": [{"h", "ts", "forecast", "lower",
 * "upper"}, ...]} for steps 1..H, {@code ts} there the target's expected epoch ms from the key's cadence
 * (null while it has none).
 *
 * <p>{@code anomaly} is how surprising the event's {@code value} was, in [0, 1], against the step-1
 * forecast made for it at the key's event before (docs/anomalies.md); {@code anomalous} is true when it
 * is at or above {@code anomaly.threshold}. While a key warms up, and at the event its model is reset,
 * the score is 0 and {@code "anomaly_status"} says so ({@code "warming-up"}, {@code "reset"}); a scored
 * event has no {@code anomaly_status}.
 *
 * <p>{@code ts} is ISO-8601 UTC for people, {@code ts_ms} the same instant in epoch milliseconds for
 * programs. Doubles are written in their shortest round-tripping form, so decoding gives back the same
 * bits (negative zero included); NaN and infinities are written as the strings {@code "NaN"},
 * {@code "Infinity"} and {@code "-Infinity"}.
 */
public final class ForecastCodec {

    private static final String WHAT = "forecast";

    private ForecastCodec() {}

    public static byte[] encode(Forecast f) {
        return JsonSupport.write(256, g -> {
            g.writeStartObject();
            writeEvent(g, f);
            g.writeNumberField("forecast", f.forecast);
            g.writeNumberField("lower", f.lower);
            g.writeNumberField("upper", f.upper);
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
                    } else {
                        g.writeNumberField("ts", at);
                    }
                    g.writeNumberField("forecast", f.stepForecasts[h - 1]);
                    g.writeNumberField("lower", f.stepLowers[h - 1]);
                    g.writeNumberField("upper", f.stepUppers[h - 1]);
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        });
    }

    /** The fields of the event a record follows, as forecasts and flagged events both open: key, times, value. */
    static void writeEvent(JsonGenerator g, Forecast f) throws IOException {
        g.writeStringField("key", f.key);
        g.writeStringField("ts", Timestamps.format(f.ts));
        g.writeNumberField("ts_ms", f.ts);
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
                JsonSupport.real(root, "lower", WHAT),
                JsonSupport.real(root, "upper", WHAT),
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
                f.stepLowers[h] = JsonSupport.real(step, "lower", WHAT);
                f.stepUppers[h] = JsonSupport.real(step, "upper", WHAT);
                JsonNode at = step.get("ts");
                if (h == 0 && at != null && at.isNumber()) {
                    f.cadence = at.asLong() - f.ts;
                }
            }
        }
        return f;
    }
}
