package dev.streamforecast.stream;

import dev.streamforecast.event.Observation;
import java.util.List;

/**
 * One key's event-time order, decided by that key's events alone.
 *
 * <p>An accepted event waits until the key's clock (the newest event time it has accepted) is
 * {@code bound} past it, so an older event of the same key arriving in the meantime is used first.
 * An event at or before the last event the key has used is refused: a repeat of that time is a
 * duplicate, anything older is late; so is a repeat of a waiting event's time. Nothing here looks at
 * other keys, the watermark or the wall clock: the events a key uses, and their order, are a function
 * of that key's events in arrival order. What releases a silent key's last events (the end of a
 * bounded input, or wall-clock silence in a live job) is the caller's decision, through {@link #flush}.
 */
public final class KeyOrder {
    /** What became of an offered event. */
    enum Verdict { ACCEPTED, LATE, DUPLICATE }

    /** The events a key has accepted but not used yet. */
    public interface Pending {
        boolean contains(long ts) throws Exception;

        void put(Observation obs) throws Exception;

        /**
         * Moves the waiting events at or before {@code ts} into {@code due}, in time order, and
         * returns the earliest time still waiting ({@code Long.MAX_VALUE} if none).
         */
        long takeUpTo(long ts, List<Observation> due) throws Exception;
    }

    /** Uses one event: forecast, learn, emit. */
    interface Use {
        void use(Observation obs) throws Exception;
    }

    private final long bound;
    private final List<Observation> due = new java.util.ArrayList<>();

    /** @param bound milliseconds an event waits behind its key's clock; 0 uses events on arrival */
    KeyOrder(long bound) {
        if (bound < 0) {
            throw new IllegalArgumentException("bound must not be negative, got " + bound);
        }
        this.bound = bound;
    }

    /** Takes {@code obs} for its key; events it makes due are passed to {@code use} in time order. */
    Verdict offer(KeyRecord r, Observation obs, Pending pending, Use use) throws Exception {
        if (r.lastTs != KeyRecord.NONE && obs.ts <= r.lastTs) {
            return obs.ts == r.lastTs ? Verdict.DUPLICATE : Verdict.LATE;
        }
        r.clock = r.clock == KeyRecord.NONE ? obs.ts : Math.max(r.clock, obs.ts);
        if (bound == 0) {
            r.lastTs = obs.ts;
            use.use(obs);
            return Verdict.ACCEPTED;
        }
        if (r.pendingCount > 0 && pending.contains(obs.ts)) {
            return Verdict.DUPLICATE;
        }
        pending.put(obs);
        r.pendingCount++;
        r.pendingMin = Math.min(r.pendingMin, obs.ts);
        release(r, r.clock - bound, pending, use);
        return Verdict.ACCEPTED;
    }

    /** Uses every waiting event of the key, in time order. */
    void flush(KeyRecord r, Pending pending, Use use) throws Exception {
        release(r, Long.MAX_VALUE, pending, use);
    }

    private void release(KeyRecord r, long upTo, Pending pending, Use use) throws Exception {
        if (r.pendingCount <= 0 || r.pendingMin > upTo) {
            return;
        }
        due.clear();
        r.pendingMin = pending.takeUpTo(upTo, due);
        r.pendingCount -= due.size();
        for (int i = 0; i < due.size(); i++) {
            Observation obs = due.get(i);
            r.lastTs = obs.ts;
            use.use(obs);
        }
        due.clear();
    }
}
