package dev.streamforecast.event;

import java.util.Objects;

/**
 * The forecast emitted for one event: the key's next value, predicted after seeing this event.
 *
 * <p>{@code ts} and {@code value} are those of the event the forecast follows; {@code lower} and
 * {@code upper} bound the prediction interval at the configured level, both NaN while the key's interval
 * has no scale (its first events: no interval rather than one of zero width). {@code events} and
 * {@code updates} count what the key's model had seen when it forecast.
 *
 * <p>With a horizon H above 1 ({@code forecast.horizon}), {@link #stepForecasts}, {@link #stepLowers}
 * and {@link #stepUppers} hold steps 1..H (index h - 1; step 1 is also {@code forecast}, {@code lower},
 * {@code upper}) and {@link #cadence} the key's regular interval in ms (0 while it has none): step h's
 * target is expected at {@code ts + h * cadence}. With one step they are null and 0.
 *
 * <p>{@link #anomaly} says how surprising this event's value was against the step-1 forecast made for
 * it at the key's event before ({@link #expected}, within [{@link #expectedLower}, {@link #expectedUpper}]),
 * {@link #anomalous} whether that is at or above {@code anomaly.threshold}, and {@link #anomalyStatus} why
 * a score is 0 without being one (null when the event was scored).
 */
public class Forecast {
    public String key;
    public long ts;
    public double value;
    public double forecast;
    public double lower;
    public double upper;
    public long events;
    public long updates;
    public String modelId;
    public long cadence;
    public double[] stepForecasts;
    public double[] stepLowers;
    public double[] stepUppers;
    /** The event's anomaly score in [0, 1] (docs/anomalies.md). */
    public double anomaly;
    /** Whether {@link #anomaly} is at or above the configured threshold. */
    public boolean anomalous;
    /** Null when the event was scored; {@code warming-up} or {@code reset} when its score of 0 says nothing. */
    public String anomalyStatus;
    /**
     * The step-1 forecast made for this event and its interval (the value itself for a key's first event):
     * what a flagged event is reported against. The forecast's JSON leaves them out: they are the key's
     * previous record's {@code forecast}, {@code lower} and {@code upper}.
     */
    public double expected;
    public double expectedLower;
    public double expectedUpper;

    public Forecast() {}

    public Forecast(String key, long ts, double value, double forecast, double lower, double upper,
            long events, long updates, String modelId) {
        this.key = key;
        this.ts = ts;
        this.value = value;
        this.forecast = forecast;
        this.lower = lower;
        this.upper = upper;
        this.events = events;
        this.updates = updates;
        this.modelId = modelId;
    }

    /** Steps forecast: H, or 1 when the record carries no steps. */
    public int horizon() {
        return stepForecasts == null ? 1 : stepForecasts.length;
    }

    /** Step h's expected event time (epoch ms), or null while the key has no regular cadence. */
    public Long stepTime(int h) {
        return cadence > 0 ? ts + h * cadence : null;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Forecast)) {
            return false;
        }
        Forecast f = (Forecast) o;
        return ts == f.ts && events == f.events && updates == f.updates
                && Double.compare(value, f.value) == 0
                && Double.compare(forecast, f.forecast) == 0
                && Double.compare(lower, f.lower) == 0
                && Double.compare(upper, f.upper) == 0
                && Objects.equals(key, f.key)
                && Objects.equals(modelId, f.modelId)
                && cadence == f.cadence
                && java.util.Arrays.equals(stepForecasts, f.stepForecasts)
                && java.util.Arrays.equals(stepLowers, f.stepLowers)
                && java.util.Arrays.equals(stepUppers, f.stepUppers)
                && Double.compare(anomaly, f.anomaly) == 0 && anomalous == f.anomalous
                && Objects.equals(anomalyStatus, f.anomalyStatus);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, ts, value, forecast, lower, upper, events, updates, modelId);
    }

    @Override
    public String toString() {
        return "Forecast{" + key + ", ts=" + ts + ", value=" + value + ", forecast=" + forecast
                + ", [" + lower + ", " + upper + "], events=" + events + ", updates=" + updates
                + (stepForecasts == null ? "" : ", steps=" + java.util.Arrays.toString(stepForecasts))
                + ", anomaly=" + anomaly + (anomalous ? " (flagged)" : "")
                + (anomalyStatus == null ? "" : " (" + anomalyStatus + ")") + "}";
    }
}
