package dev.streamforecast.stream;

import dev.streamforecast.model.ModelConfig;
import java.io.Serializable;
import java.time.Duration;

/**
 * What the forecasting topology needs beyond the model: event-time bounds, idle-key expiry, and an
 * optional warm-start model for new keys.
 */
public final class JobSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    public final ModelConfig model;
    /** Events up to this much older than the newest seen are reordered; older ones are late. */
    public final Duration maxOutOfOrderness;
    /** A key with no event for this long (in event time) has its state dropped; zero keeps it forever. */
    public final Duration idleStateRetention;
    /** The JSON form of a trained model that new keys start from, or null for seeded random weights. */
    public final String warmStartModelJson;
    /** Emit every key's model when the input ends (bounded replays only; a live stream never ends). */
    public final boolean exportModels;

    public JobSettings(ModelConfig model, Duration maxOutOfOrderness, Duration idleStateRetention,
            String warmStartModelJson) {
        this(model, maxOutOfOrderness, idleStateRetention, warmStartModelJson, false);
    }

    private JobSettings(ModelConfig model, Duration maxOutOfOrderness, Duration idleStateRetention,
            String warmStartModelJson, boolean exportModels) {
        this.model = model;
        this.maxOutOfOrderness = maxOutOfOrderness;
        this.idleStateRetention = idleStateRetention;
        this.warmStartModelJson = warmStartModelJson;
        this.exportModels = exportModels;
    }

    public JobSettings withModelExport(boolean export) {
        return new JobSettings(model, maxOutOfOrderness, idleStateRetention, warmStartModelJson, export);
    }

    public static JobSettings defaults(ModelConfig model) {
        return new JobSettings(model, Duration.ofSeconds(5), Duration.ofDays(7), null);
    }

    public JobSettings withMaxOutOfOrderness(Duration d) {
        return new JobSettings(model, d, idleStateRetention, warmStartModelJson, exportModels);
    }

    public JobSettings withIdleStateRetention(Duration d) {
        return new JobSettings(model, maxOutOfOrderness, d, warmStartModelJson, exportModels);
    }

    public JobSettings withWarmStart(String json) {
        return new JobSettings(model, maxOutOfOrderness, idleStateRetention, json, exportModels);
    }
}
