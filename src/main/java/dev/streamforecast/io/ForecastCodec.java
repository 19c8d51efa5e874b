package dev.streamforecast.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamforecast.event.Forecast;

/**
 * Forecasts as JSON: {@code {"key", "ts", "ts_ms", "value", "forecast", "lower", "upper", "events",
 * "updates", "model"}}.
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
        return new Forecast(
                JsonSupport.text(root, "key", WHAT),
                JsonSupport.integer(root, "ts_ms", WHAT),
                JsonSupport.real(root, "value", WHAT),
                JsonSupport.real(root, "forecast", WHAT),
                JsonSupport.real(root, "lower", WHAT),
                JsonSupport.real(root, "upper", WHAT),
                JsonSupport.integer(root, "events", WHAT),
                JsonSupport.integer(root, "updates", WHAT),
                JsonSupport.text(root, "model", WHAT));
    }
}
