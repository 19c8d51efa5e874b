package dev.streamforecast.stream;

import dev.streamforecast.io.DeadLetterCodec;
import dev.streamforecast.io.FutureLimit;
import dev.streamforecast.io.ModelJson;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.SeriesState;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What the forecasting topology needs beyond the model: the per-key ordering of events (and how far
 * ahead of its key's clock an event is held), idle-key expiry, what to do with state of another shape,
 * and an optional warm-start model for new keys.
 */
public final class JobSettings implements Serializable {
    private static final long serialVersionUID = 2L;

    /** What a restore does with keys whose state was made under other shaping settings. */
    public enum ShapeChange {
        /** The job fails at start naming every setting that changed. */
        FAIL,
        /** Such keys start afresh, counted in the {@code shapeResets} metric. */
        RESET;

        public static ShapeChange of(String name) {
            for (ShapeChange c : values()) {
                if (c.name().equalsIgnoreCase(name.strip())) {
                    return c;
                }
            }
            throw new IllegalArgumentException("invalid model.on-shape-change = " + name + ": expected fail or reset");
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public final ModelConfig model;
    /**
     * A key's events are held until the key's own newest event time is this much past them, so that
     * older events arriving within it are used in time order; an event older than one its key has
     * already used is late. Zero uses events in arrival order.
     */
    public final Duration maxOutOfOrderness;
    /**
     * In a live job, a key's waiting events are used anyway once the key has sent nothing for this long
     * of wall-clock time (a silent key must not hold its last events for ever). Replays never use it.
     */
    public final Duration maxWait;
    /** A key that receives nothing for this long (wall-clock) has its state dropped; zero keeps it forever. */
    public final Duration idleStateRetention;
    public final ShapeChange onShapeChange;
    /** The JSON form of a trained model that new keys start from, or null for seeded random weights. */
    public final String warmStartModelJson;
    /** Emit every key's model when the input ends (bounded replays only; a live stream never ends). */
    public final boolean exportModels;
    /**
     * A bounded replay: nothing depends on wall-clock time (no wall-clock release of waiting events, no
     * idle expiry), waiting events are used when the input ends.
     */
    public final boolean replay;
    /** Payload bytes a dead letter keeps; longer payloads are cut, their size noted. */
    public final int maxPayloadBytes;
    /**
     * {@code events.max-future}: an event more than this ahead of its key's clock, or a key's first, is
     * held until the key's next event confirms it (see {@link KeyOrder}).
     */
    public final FutureLimit maxFuture;
    /** A forecast whose event's anomaly score is at or above this is flagged ({@code anomaly.threshold}). */
    public final double anomalyThreshold;

    public JobSettings(ModelConfig model, Duration maxOutOfOrderness, Duration idleStateRetention,
            String warmStartModelJson) {
        this(model, maxOutOfOrderness, maxOutOfOrderness, idleStateRetention, ShapeChange.FAIL, warmStartModelJson,
                false, false, DeadLetterCodec.DEFAULT_MAX_PAYLOAD_BYTES, FutureLimit.of(Duration.ofDays(1)),
                dev.streamforecast.model.AnomalyScore.DEFAULT_THRESHOLD);
    }

    private JobSettings(ModelConfig model, Duration maxOutOfOrderness, Duration maxWait, Duration idleStateRetention,
            ShapeChange onShapeChange, String warmStartModelJson, boolean exportModels, boolean replay,
            int maxPayloadBytes, FutureLimit maxFuture, double anomalyThreshold) {
        this.model = model;
        this.maxOutOfOrderness = maxOutOfOrderness;
        this.maxWait = maxWait;
        this.idleStateRetention = idleStateRetention;
        this.onShapeChange = onShapeChange;
        this.warmStartModelJson = warmStartModelJson;
        this.exportModels = exportModels;
        this.replay = replay;
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxFuture = maxFuture;
        this.anomalyThreshold = anomalyThreshold;
    }

    public static JobSettings defaults(ModelConfig model) {
        return new JobSettings(model, Duration.ofSeconds(5), Duration.ofDays(7), null);
    }

    public JobSettings withModelExport(boolean export) {
        return new JobSettings(model, maxOutOfOrderness, maxWait, idleStateRetention, onShapeChange,
                warmStartModelJson, export, replay, maxPayloadBytes, maxFuture, anomalyThreshold);
    }

    public JobSettings withMaxOutOfOrderness(Duration d) {
        return new JobSettings(model, d, maxWait, idleStateRetention, onShapeChange, warmStartModelJson,
                exportModels, replay, maxPayloadBytes, maxFuture, anomalyThreshold);
    }

    public JobSettings withMaxWait(Duration d) {
        return new JobSettings(model, maxOutOfOrderness, d, idleStateRetention, onShapeChange, warmStartModelJson,
                exportModels, replay, maxPayloadBytes, maxFuture, anomalyThreshold);
    }

    public JobSettings withIdleStateRetention(Duration d) {
        return new JobSettings(model, maxOutOfOrderness, maxWait, d, onShapeChange, warmStartModelJson,
                exportModels, replay, maxPayloadBytes, maxFuture, anomalyThreshold);
    }

    public JobSettings withOnShapeChange(ShapeChange c) {
        return new JobSettings(model, maxOutOfOrderness, maxWait, idleStateRetention, c, warmStartModelJson,
                exportModels, replay, maxPayloadBytes, maxFuture, anomalyThreshold);
    }

    public JobSettings withWarmStart(String json) {
        return new JobSettings(model, maxOutOfOrderness, maxWait, idleStateRetention, onShapeChange, json,
                exportModels, replay, maxPayloadBytes, maxFuture, anomalyThreshold);
    }

    public JobSettings withMaxPayloadBytes(int bytes) {
        return new JobSettings(model, maxOutOfOrderness, maxWait, idleStateRetention, onShapeChange, warmStartModelJson,
                exportModels, replay, bytes, maxFuture, anomalyThreshold);
    }

    public JobSettings withMaxFuture(FutureLimit f) {
        return new JobSettings(model, maxOutOfOrderness, maxWait, idleStateRetention, onShapeChange, warmStartModelJson,
                exportModels, replay, maxPayloadBytes, f, anomalyThreshold);
    }

    public JobSettings withAnomalyThreshold(double threshold) {
        return new JobSettings(model, maxOutOfOrderness, maxWait, idleStateRetention, onShapeChange, warmStartModelJson,
                exportModels, replay, maxPayloadBytes, maxFuture, threshold);
    }

    /**
     * The trained state new keys start from ({@link #warmStartModelJson}), or null for seeded weights. A
     * model is taken only under the shaping settings it was made under ({@link StateShape}); its
     * {@code model.scope} aside, since a key's model can start a shared network. Every path that starts
     * from a warm start reads it here: the commands before a job starts, and both scopes' operators.
     *
     * @throws IllegalArgumentException if the JSON is not a model, or names each shaping setting that
     *     differs, as {@code name: the model's -> this job's}
     */
    public ModelJson.Model warmStart() {
        if (warmStartModelJson == null) {
            return null;
        }
        ModelJson.Model warm = ModelJson.read(warmStartModelJson);
        ModelConfig here = model.scope == warm.config.scope ? model
                : model.toBuilder().scope(warm.config.scope).build();
        List<String> changes = StateShape.of(here).changesFrom(StateShape.of(warm.config));
        if (!changes.isEmpty()) {
            throw new IllegalArgumentException("the model was made under other shaping settings (the model's -> "
                    + "this job's): " + String.join("; ", changes));
        }
        return warm;
    }

    /** These settings for a bounded replay: a pure function of the input, whatever the wall clock. */
    public JobSettings forReplay() {
        return new JobSettings(model, maxOutOfOrderness, maxWait, Duration.ZERO, onShapeChange, warmStartModelJson,
                exportModels, true, maxPayloadBytes, maxFuture, anomalyThreshold);
    }
}
