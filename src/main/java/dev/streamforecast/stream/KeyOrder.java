package dev.streamforecast.stream;

import dev.streamforecast.event.Observation;
import dev.streamforecast.io.FutureLimit;
import dev.streamforecast.io.Timestamps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One key's event-time order, decided by that key's events alone.
 *
 * <p>An accepted event waits until the key's clock (the newest event time it has accepted) is
 * {@code bound} past it, so an older event of the same key arriving in the meantime is used first.
 * An event at or before the last event the key has used is refused: a repeat of that time is a
 * duplicate, anything older is late; so is a repeat of a waiting event's time. The waiting events
 * live in the key's record ({@link KeyRecord#waiting}), so an event costs no state access of its own.
 *
 * <p>No single event can move the clock far ({@link #holds}). An event whose time nothing has vetted,
 * and that would set the key's clock (its first) or move it further than both
 * {@code events.max-future} and {@value #SPAN_FACTOR} times the key's longest recent interval, is
 * <em>held</em>: kept aside, neither used nor moving the clock, until the key's next event newer than
 * its clock decides. If that event is not that far before the held one, or is after it, the held event
 * was a real jump (a gap) and joins the waiting events; otherwise it is refused as {@code future}, and
 * the key goes on as if it had never come. An older event in between (a late arrival before the clock)
 * decides nothing. At most one event is held: the key's next decides about it first, then may be held
 * itself.
 *
 * <p>Nothing here looks at other keys, the watermark or the wall clock: the events a key uses, refuses,
 * and their order, are a function of that key's events in arrival order (each with the reference time
 * its input checked it against, if any). What releases a silent key's waiting events (the end of a
 * bounded input, or wall-clock silence in a live job) is the caller's decision, through {@link #flush}
 * and {@link #finish}.
 */
public final class KeyOrder {
    /** How many times its longest recent interval a key's clock may move at once without a hold. */
    static final int SPAN_FACTOR = 4;
    /** The longest recent interval forgets 1/{@value} of itself each time the key's clock moves. */
    static final int SPAN_MEMORY = 64;

    /** What became of an offered event. */
    enum Verdict { ACCEPTED, LATE, DUPLICATE }

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
     * @param future how far ahead of the key's clock (or of its reference) an event may be; off holds nothing
     */
    KeyOrder(long bound, FutureLimit future, Unconfirmed unconfirmed) {
        if (bound < 0) {
            throw new IllegalArgumentException("bound must not be negative, got " + bound);
        }
        this.bound = bound;
        this.future = future;
        this.unconfirmed = unconfirmed;
    }

    /**
     * Takes {@code obs} for its key; events it makes due are passed to {@code use} in time order.
     *
     * @param reference the time the event's input checked its time against (a Kafka record's timestamp),
     *     or {@link KeyRecord#NONE} where nothing did (a SQL row, a file's line)
     */
    Verdict offer(KeyRecord r, Observation obs, long reference, Use use) throws Exception {
        long t = obs.ts;
        if (r.lastTs != KeyRecord.NONE && t <= r.lastTs) {
            return t == r.lastTs ? Verdict.DUPLICATE : Verdict.LATE;
        }
        if (r.held != null) {
            if (t == r.held.ts) {
                return Verdict.DUPLICATE;
            }
            if (r.clock == KeyRecord.NONE || t > r.clock) {
                decide(r, t);
            }
        }
        Verdict v = take(r, obs, reference, use);
        release(r, r.clock == KeyRecord.NONE ? KeyRecord.NONE : r.clock - bound, use);
        return v;
    }

    /**
     * Whether an event at {@code t} waits for the key's next event before it may move the key's clock:
     * the one rule of every path (the DataStream job in both scopes, the backtest, the SQL function).
     * An event is held when the rule is on, no reference vetted its time ({@link #vetted}), and it is the
     * key's first or is further past the key's clock than the key's times move ({@link #beyond}).
     */
    boolean holds(KeyRecord r, long t, long reference) {
        return future.enabled() && !vetted(t, reference) && (r.clock == KeyRecord.NONE || beyond(r, t, r.clock));
    }

    /**
     * Whether {@code reference}, a time its input checked {@code t} against, vets it: a reference within
     * {@code events.max-future} of the event's time, on either side, and not the event's time itself (a
     * record stamped with its own event's time says nothing of it). Such an event is live: its time is
     * about the reference's, which the input's clock gave, so it cannot be years ahead of its key. An
     * event of history replayed through a live input (a topic filled from an old file) is older than its
     * reference by more than that, and is judged by its key's own times, as a SQL row is.
     */
    boolean vetted(long t, long reference) {
        return reference != KeyRecord.NONE && reference != t && !future.exceeds(t, reference)
                && !future.exceeds(reference, t);
    }

    /**
     * Whether {@code later} is further past {@code earlier} than the key's times move: more than
     * {@code events.max-future} and more than {@value #SPAN_FACTOR} times its longest recent interval (a
     * key with weekly data jumps a week at a time, a weekday series three days over a weekend).
     */
    private boolean beyond(KeyRecord r, long later, long earlier) {
        if (!future.exceeds(later, earlier)) {
            return false;
        }
        long gap = later - earlier;
        return gap < 0 || gap > SPAN_FACTOR * Math.min(r.span, Long.MAX_VALUE / SPAN_FACTOR);
    }

    private Verdict take(KeyRecord r, Observation obs, long reference, Use use) throws Exception {
        long t = obs.ts;
        if (r.held == null && holds(r, t, reference)) {
            r.held = obs;
            return Verdict.ACCEPTED;
        }
        if (r.waiting.contains(t)) {
            return Verdict.DUPLICATE;
        }
        advance(r, t);
        if (bound == 0 && r.waiting.isEmpty()) {
            r.lastTs = t;
            use.use(obs);
            return Verdict.ACCEPTED;
        }
        keep(r, obs);
        return Verdict.ACCEPTED;
    }

    /** The key's event newer than its clock, at {@code t}, confirms or refutes the held event. */
    private void decide(KeyRecord r, long t) throws Exception {
        Observation h = r.held;
        r.held = null;
        if (!beyond(r, h.ts, t)) {
            advance(r, h.ts);
            keep(r, withoutBytes(h));
            return;
        }
        String reason = r.clock == KeyRecord.NONE
                ? future.exceeded(h.ts, t, "the key's next event") + " (it was the key's first event)"
                : future.exceeded(h.ts, r.clock, "the key's newest event time") + spanClause(r)
                        + ", and the key's next event, at " + Timestamps.format(t) + ", did not follow it";
        unconfirmed.refuse(h, reason);
    }

    /** What a refusal adds when the key's own interval, not {@code events.max-future}, set how far it may jump. */
    private String spanClause(KeyRecord r) {
        if (r.span <= future.millis() / SPAN_FACTOR) {
            return "";
        }
        return " and more than " + SPAN_FACTOR + " times the key's longest recent interval ("
                + FutureLimit.spell(Duration.ofMillis(r.span)) + ")";
    }

    /** Moves the key's clock to {@code t} if it is newer, and learns how far the key's times move. */
    private static void advance(KeyRecord r, long t) {
        if (r.clock == KeyRecord.NONE) {
            r.clock = t;
        } else if (t > r.clock) {
            long gap = t - r.clock;
            r.span = Math.max(gap < 0 ? Long.MAX_VALUE : gap, r.span - r.span / SPAN_MEMORY);
            r.clock = t;
        }
    }

    /** Adds {@code obs} to the waiting events, without its original bytes: a waiting event is never refused. */
    private static void keep(KeyRecord r, Observation obs) {
        obs.payload = null;
        r.waiting.add(obs);
    }

    /**
     * A confirmed held event as it waits: a copy, since a snapshot's copy of the record may still hold the
     * event with the bytes its refusal would have needed.
     */
    private static Observation withoutBytes(Observation held) {
        Observation obs = new Observation(held.key, held.ts, held.value, held.features);
        obs.origin = held.origin;
        return obs;
    }

    /** Uses the key's waiting events, in time order; a held event stays held (silence decides nothing). */
    void flush(KeyRecord r, Use use) throws Exception {
        release(r, r.clock, use);
    }

    /** Uses every event of the key, the held one too (nothing follows that it could make late), in time order. */
    void finish(KeyRecord r, Use use) throws Exception {
        if (r.held != null) {
            advance(r, r.held.ts);
            keep(r, withoutBytes(r.held));
            r.held = null;
        }
        release(r, Long.MAX_VALUE, use);
    }

    private void release(KeyRecord r, long upTo, Use use) throws Exception {
        if (r.waiting.first() > upTo) {
            return;
        }
        due.clear();
        r.waiting.takeUpTo(upTo, due);
        for (int i = 0; i < due.size(); i++) {
            Observation obs = due.get(i);
            r.lastTs = obs.ts;
            use.use(obs);
        }
        due.clear();
    }
}
