package dev.streamforecast.stream;

import dev.streamforecast.event.Observation;
import dev.streamforecast.io.FutureLimit;
import dev.streamforecast.io.Timestamps;
import java.util.ArrayList;
import java.util.List;

/**
 * One key's event-time order, decided by that key's events alone.
 *
 * <p>An accepted event waits until the key's clock (the newest event time it has accepted) is
 * {@code bound} past it, so an older event of the same key arriving in the meantime is used first.
 * An event at or before the last event the key has used is refused: a repeat of that time is a
 * duplicate, anything older is late; so is a repeat of a waiting event's time.
 *
 * <p>No single event can move the clock far. An event that would set the key's clock (its first) or
 * move it more than {@code events.max-future} ahead is <em>held</em>: kept aside, neither used nor
 * moving the clock, until the key's next event newer than its clock decides. If that event is at most
 * {@code events.max-future} before the held one, or after it, the held event was a real jump (a gap, a
 * sparse series) and joins the waiting events; otherwise it is refused as {@code future}, and the key
 * goes on as if it had never come. An older event in between (a late arrival before the clock) decides
 * nothing. At most one event is held: the key's next decides about it first, then may be held itself.
 *
 * <p>Nothing here looks at other keys, the watermark or the wall clock: the events a key uses, refuses,
 * and their order, are a function of that key's events in arrival order. What releases a silent key's
 * waiting events (the end of a bounded input, or wall-clock silence in a live job) is the caller's
 * decision, through {@link #flush} and {@link #finish}.
 */
public final class KeyOrder {
    /** What became of an offered event. */
    enum Verdict { ACCEPTED, LATE, DUPLICATE }

    /** The events a key has accepted but not used yet. */
    public interface Pending {
        boolean contains(long ts) throws Exception;

        void put(Observation obs) throws Exception;

        /**
         * Keeps {@code obs} aside as the key's held event, with its original bytes, which a refusal needs
         * ({@link #put} may drop them).
         */
        default void hold(Observation obs) throws Exception {
            put(obs);
        }

        /** Removes the waiting event at {@code ts} and returns it. */
        Observation take(long ts) throws Exception;

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

    /** Refuses a held event that the key's next event did not confirm, as {@code future}, for {@code reason}. */
    interface Unconfirmed {
        void refuse(Observation held, String reason) throws Exception;
    }

    private final long bound;
    private final FutureLimit future;
    private final Unconfirmed unconfirmed;
    private final List<Observation> due = new ArrayList<>();

    /**
     * @param bound milliseconds an event waits behind its key's clock; 0 uses events on arrival
     * @param future how far ahead of the key's clock an event may be before it is held; off holds nothing
     */
    KeyOrder(long bound, FutureLimit future, Unconfirmed unconfirmed) {
        if (bound < 0) {
            throw new IllegalArgumentException("bound must not be negative, got " + bound);
        }
        this.bound = bound;
        this.future = future;
        this.unconfirmed = unconfirmed;
    }

    /** Takes {@code obs} for its key; events it makes due are passed to {@code use} in time order. */
    Verdict offer(KeyRecord r, Observation obs, Pending pending, Use use) throws Exception {
        long t = obs.ts;
        if (r.lastTs != KeyRecord.NONE && t <= r.lastTs) {
            return t == r.lastTs ? Verdict.DUPLICATE : Verdict.LATE;
        }
        if (r.held != KeyRecord.NONE) {
            if (t == r.held) {
                return Verdict.DUPLICATE;
            }
            if (r.clock == KeyRecord.NONE || t > r.clock) {
                decide(r, t, pending);
            }
        }
        Verdict v = take(r, obs, pending, use);
        release(r, r.clock == KeyRecord.NONE ? KeyRecord.NONE : r.clock - bound, pending, use);
        return v;
    }

    private Verdict take(KeyRecord r, Observation obs, Pending pending, Use use) throws Exception {
        long t = obs.ts;
        if (r.held == KeyRecord.NONE && future.enabled()
                && (r.clock == KeyRecord.NONE || future.exceeds(t, r.clock))) {
            pending.hold(obs);
            r.held = t;
            return Verdict.ACCEPTED;
        }
        if (r.pendingCount > 0 && pending.contains(t)) {
            return Verdict.DUPLICATE;
        }
        r.clock = r.clock == KeyRecord.NONE ? t : Math.max(r.clock, t);
        if (bound == 0 && r.pendingCount == 0) {
            r.lastTs = t;
            use.use(obs);
            return Verdict.ACCEPTED;
        }
        pending.put(obs);
        waiting(r, t);
        return Verdict.ACCEPTED;
    }

    /** The key's event newer than its clock, at {@code t}, confirms or refutes the held event. */
    private void decide(KeyRecord r, long t, Pending pending) throws Exception {
        long held = r.held;
        r.held = KeyRecord.NONE;
        if (!future.exceeds(held, t)) {
            r.clock = r.clock == KeyRecord.NONE ? held : Math.max(r.clock, held);
            waiting(r, held);
            return;
        }
        Observation h = pending.take(held);
        String reason = r.clock == KeyRecord.NONE
                ? future.exceeded(held, t, "the key's next event") + " (it was the key's first event)"
                : future.exceeded(held, r.clock, "the key's newest event time") + ", and the key's next event, at "
                        + Timestamps.format(t) + ", did not follow it";
        unconfirmed.refuse(h, reason);
    }

    /** Counts an event at {@code t} among the key's waiting events. */
    private static void waiting(KeyRecord r, long t) {
        r.pendingMin = r.pendingCount > 0 ? Math.min(r.pendingMin, t) : t;
        r.pendingCount++;
    }

    /** Uses the key's waiting events, in time order; a held event stays held (silence decides nothing). */
    void flush(KeyRecord r, Pending pending, Use use) throws Exception {
        release(r, r.clock, pending, use);
    }

    /** Uses every event of the key, the held one too (nothing follows that it could make late), in time order. */
    void finish(KeyRecord r, Pending pending, Use use) throws Exception {
        if (r.held != KeyRecord.NONE) {
            r.clock = r.clock == KeyRecord.NONE ? r.held : Math.max(r.clock, r.held);
            waiting(r, r.held);
            r.held = KeyRecord.NONE;
        }
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
