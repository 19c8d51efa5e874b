package dev.streamforecast.io;

import dev.streamforecast.event.Forecast;

/**
 * Flagged events as JSON, for the anomaly topic and the backtest's anomaly file: {@code {"key", "ts",
 * "ts_ms", "value", "forecast", "lower", "upper", "anomaly", "model"}}, where {@code value} is the event's
 * and {@code forecast}, {@code lower} and {@code upper} are the step-1 forecast and interval made for it
 * at the key's event before ({@link Forecast#expected}), the record it was flagged against. Numbers and
 * times are written as {@link ForecastCodec} writes them.
 */
public final class AnomalyCodec {
    private AnomalyCodec() {}

    public static byte[] encode(Forecast f) {
        return JsonSupport.write(192, g -> {
            g.writeStartObject();
            ForecastCodec.writeEvent(g, f);
            g.writeNumberField("forecast", f.expected);
            g.writeNumberField("lower", f.expectedLower);
            g.writeNumberField("upper", f.expectedUpper);
            g.writeNumberField("anomaly", f.anomaly);
            g.writeStringField("model", f.modelId);
            g.writeEndObject();
        });
    }
}
