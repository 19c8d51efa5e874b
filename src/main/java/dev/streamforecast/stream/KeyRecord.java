package dev.streamforecast.stream;

import dev.streamforecast.event.Observation;
import dev.streamforecast.model.SeriesState;

/**
 * What the forecaster keeps per key and touches on every event: the key's own clock and ordering
 * bookkeeping with its waiting and held events, its timers, the shape its model was made under, and the
 * model's per-event part. The weights and the optimiser moments, which change only when the key learns,
 * are kept in keyed states of their own (see {@link KeyStateStore}).
 */
public final class KeyRecord {
    /** A time field not set yet, and a timer not registered. */
    public static final long NONE = Long.MIN_VALUE;

    /** Event time of the last event the model used; an event at or before it is a repeat or late. */
    public long lastTs = NONE;
    /** The key's clock: the newest event time it has accepted (used or waiting). */
    public long clock = NONE;
    /**
     * The key's longest recent interval between the times its clock took, in milliseconds (0 before its
     * second time): a jump the key makes regularly is not held (see {@link KeyOrder}).
     */
    public long span;
    /**
     * The key's held event, with its original bytes, or null: an event that would have set the clock or
     * moved it further than the key's times move, kept apart from the waiting events until the key's
     * next event confirms or refutes it (see {@link KeyOrder}).
     */
    public Observation held;
    /** The events accepted and not used yet, in time order. */
    final WaitingEvents waiting = new WaitingEvents();
    /**
     * Whether a record of an earlier layout left waiting or held events in the map state of that time:
     * they are moved into this record when it is read, and the map's entries dropped when it is stored.
     */
    private boolean inMap;
    /** The time of the held event among them, or {@link #NONE}. */
    private long heldInMap = NONE;
    /** Wall-clock time, epoch ms, at which the key's latest event arrived. */
    public long lastArrival = NONE;
    /** The registered processing-time timer for idle expiry, or {@link #NONE}. */
    public long expiryTimer = NONE;
    /**
     * The registered timer that uses a silent key's waiting events, or {@link #NONE}: a processing-time
     * timer in the DataStream job, the event-time {@code release} timer in the SQL function.
     */
    public long flushTimer = NONE;
    /** Whether the timer of the end of a bounded input is registered for the key (once per key). */
    public boolean endTimer;
    /** {@link StateShape#fingerprint()} of the settings the model was made under; 0 when not recorded. */
    public long shape;
    /**
     * The key's model: its {@link SeriesState.Part#RECURRENT} part always; the other parts once attached
     * (on the heap state backend they stay attached, since every state then holds this same object).
     * Null until the key's first event is used.
     */
    public SeriesState model;

    public KeyRecord() {}

    /** How many events wait to be used. */
    public int waitingCount() {
        return waiting.size();
    }

    /** Marks a record of an earlier layout, whose events are in the map state, the held one at {@code heldAt} (or none). */
    void eventsInMap(long heldAt) {
        inMap = true;
        heldInMap = heldAt;
    }

    /** Whether the key's events are in the map state of an earlier layout (see {@link #adoptFromMap}). */
    public boolean eventsInMap() {
        return inMap;
    }

    /**
     * Takes the waiting and held events an earlier layout kept in a map state: the one at the held time
     * that layout's record named is the held event, the others wait and move the clock as they did when
     * accepted. The map keeps them until the record is stored ({@link #mapEmptied}): a refused event
     * stores nothing.
     */
    public void adoptFromMap(Iterable<Observation> events) {
        for (Observation obs : events) {
            if (obs.ts == heldInMap) {
                held = obs;
            } else if (!waiting.contains(obs.ts)) { // a heap backend's record may have taken them before
                waiting.add(obs);
                clock = clock == NONE ? obs.ts : Math.max(clock, obs.ts);
            }
        }
    }

    /** The map state's events were dropped when this record, which holds them, was stored. */
    public void mapEmptied() {
        inMap = false;
        heldInMap = NONE;
    }

    /** A deep copy of the bookkeeping and the model's per-event part; the events, never changed once kept, are shared. */
    public KeyRecord copy() {
        KeyRecord c = new KeyRecord();
        c.lastTs = lastTs;
        c.clock = clock;
        c.span = span;
        c.held = held;
        c.waiting.addAll(waiting);
        c.inMap = inMap;
        c.heldInMap = heldInMap;
        c.lastArrival = lastArrival;
        c.expiryTimer = expiryTimer;
        c.flushTimer = flushTimer;
        c.endTimer = endTimer;
        c.shape = shape;
        c.model = model == null ? null : model.copy(SeriesState.Part.RECURRENT);
        return c;
    }
}
