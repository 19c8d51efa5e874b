package dev.streamforecast.io;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/**
 * What every decoder of input (the Kafka source, the file readers) needs beyond the bytes: the feature
 * names the model expects, the unit of integer times, the far-future rule, and the most payload bytes a
 * dead letter keeps.
 */
public final class InputSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    public final List<String> features;
    public final FutureLimit future;
    public final int maxPayloadBytes;
    /** How integer times are read ({@code events.time-unit}). */
    public final EpochUnit timeUnit;

    /** Settings with integer times in epoch milliseconds. */
    public InputSettings(List<String> features, FutureLimit future, int maxPayloadBytes) {
        this(features, future, maxPayloadBytes, EpochUnit.MS);
    }

    public InputSettings(List<String> features, FutureLimit future, int maxPayloadBytes, EpochUnit timeUnit) {
        this.features = List.copyOf(features);
        this.future = future;
        this.maxPayloadBytes = maxPayloadBytes;
        this.timeUnit = timeUnit;
    }

    /** The defaults: integer times in milliseconds, {@code events.max-future} 1d, 64 KB of payload per dead letter. */
    public static InputSettings defaults(List<String> features) {
        return new InputSettings(features, FutureLimit.of(Duration.ofDays(1)),
                DeadLetterCodec.DEFAULT_MAX_PAYLOAD_BYTES);
    }

    /**
     * The settings a configuration gives: its model's features, {@code events.time-unit},
     * {@code events.max-future}, the payload cap.
     */
    public static InputSettings of(AppConfig config) {
        return new InputSettings(config.model().features, config.maxFuture(),
                config.deadLetterLimits().maxPayloadBytes, config.get(AppConfig.TIME_UNIT));
    }
}
