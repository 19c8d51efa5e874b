package dev.streamforecast.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamforecast.event.Forecast;

/**
 * Forecasts as JSON: {@code {"key", "ts", "ts_ms", "value", "forecast", "lower", "upper", "events",
 * "updates", "model"}}, and with a horizon above one step {@code "steps": [{"h", "ts", "forecast", "lower",
 * "upper"}, ...]} for steps 1..H, {@code ts} there the target's expected epoch ms from the key's cadence
 * (null while it has none).
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
            g.writeStringField("key", f.key);
            g.writeStringField("ts", Timestamps.format(f.ts));
            g.writeNumberField("ts_ms", f.ts);
            g.writeNumberField("value", f.value);
            g.writeNumberField("forecast", f.forecast);
            g.writeNumberField("lower", f.lower);
            g.writeNumberField("upper", f.upper);
            g.writeNumberField("events", f.events);
            g.writeNumberField("updates", f.updates);
            g.writeStringField("model", f.modelId);
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
