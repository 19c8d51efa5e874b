package dev.streamforecast.stream;

import dev.streamforecast.model.SeriesState;

/**
 * What the forecaster keeps per key and touches on every event: the key's own clock and ordering
 * bookkeeping, its wall-clock timers, the shape its model was made under, and the model's per-event
 * part. The weights and the optimiser moments, which change only when the key learns, are kept in
 * keyed states of their own, and events waiting to be used in a map state (see {@link KeyStateStore}).
 */
public final class KeyRecord {
    /** A time field not set yet, and a timer not registered. */
    public static final long NONE = Long.MIN_VALUE;
    /** {@link #pendingCount} of a record restored from a state format that did not count waiting events. */
    public static final int UNCOUNTED = -1;

    /** Event time of the last event the model used; an event at or before it is a repeat or late. */
    public long lastTs = NONE;
    /** The key's clock: the newest event time it has accepted (used or waiting). */
    public long clock = NONE;
    /**
     * The time of the key's held event, or {@link #NONE}: an event that would have set the clock or moved
     * it more than {@code events.max-future} ahead, kept with the waiting events (not counted among them)
     * until the key's next event confirms or refutes it (see {@link KeyOrder}).
     */
    public long held = NONE;
    /** Events waiting to be used, or {@link #UNCOUNTED}. */
    public int pendingCount;
    /** The earliest event time among the waiting events (meaningless when none wait). */
    public long pendingMin = Long.MAX_VALUE;
    /** Wall-clock time, epoch ms, at which the key's latest event arrived. */
    public long lastArrival = NONE;
    /** The registered processing-time timer for idle expiry, or {@link #NONE}. */
    public long expiryTimer = NONE;
    /**
     * The registered timer that uses a silent key's waiting events, or {@link #NONE}: a processing-time
     * timer in the DataStream job, the event-time {@code release} timer in the SQL function.
     */
    public long flushTimer = NONE;
    /** {@link StateShape#fingerprint()} of the settings the model was made under; 0 when not recorded. */
    public long shape;
    /**
     * The key's model: its {@link SeriesState.Part#RECURRENT} part always; the other parts once attached
     * (on the heap state backend they stay attached, since every state then holds this same object).
     * Null until the key's first event is used.
     */
    public SeriesState model;

    public KeyRecord() {}

    /** A deep copy of the bookkeeping and the model's per-event part. */
    public KeyRecord copy() {
        KeyRecord c = new KeyRecord();
        c.lastTs = lastTs;
        c.clock = clock;
        c.held = held;
        c.pendingCount = pendingCount;
        c.pendingMin = pendingMin;
        c.lastArrival = lastArrival;
        c.expiryTimer = expiryTimer;
        c.flushTimer = flushTimer;
        c.shape = shape;
        c.model = model == null ? null : model.copy(SeriesState.Part.RECURRENT);
        return c;
    }
}
