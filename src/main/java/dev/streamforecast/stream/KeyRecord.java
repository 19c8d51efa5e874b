package dev.streamforecast.stream;

import dev.streamforecast.model.SeriesState;

/**
 * What the forecaster keeps per key and touches on every event: the model's per-event part and the
 * key's event-time bookkeeping. The weights and the optimiser moments, which change only when the key
 * learns, are kept in keyed states of their own (see {@link ForecastFunction}).
 */
public final class KeyRecord {
    /** {@link #expiryTimer} when no expiry timer is registered. */
    public static final long NO_TIMER = Long.MIN_VALUE;

    /** Event time of the key's last processed event. */
    public long lastTs;
    /** The registered idle-expiry timer, or {@link #NO_TIMER}. */
    public long expiryTimer = NO_TIMER;
    /**
     * The key's model: its {@link SeriesState.Part#RECURRENT} part always; the other parts once attached
     * (on the heap state backend they stay attached, since every state then holds this same object).
     */
    public SeriesState model;

    public KeyRecord() {}

    KeyRecord(SeriesState model) {
        this.model = model;
    }
}
