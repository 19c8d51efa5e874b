package dev.streamforecast.stream;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.DeadLetters;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The forecaster's refusals, built in one place: each is a dead letter keeping the event's original
 * bytes (cut to the configured cap) and where it came from, with a reason a person can act on, and is
 * counted in a metric.
 */
final class Refusals {
    private final long bound;
    private final int maxPayloadBytes;
    private final Counter late;
    private final Counter duplicates;
    private final Counter refused;
    private final Counter future;

    Refusals(long boundMillis, int maxPayloadBytes, MetricGroup metrics) {
        this.bound = boundMillis;
        this.maxPayloadBytes = maxPayloadBytes;
        this.late = metrics.counter("lateEvents");
        this.duplicates = metrics.counter("duplicateEvents");
        this.refused = metrics.counter("refusedEvents");
        this.future = metrics.counter("futureEvents");
    }

    /** {@code obs} came after its key had used an event later than it, at {@code lastUsed}. */
    DeadLetter late(Observation obs, long lastUsed) {
        late.inc();
        return letter(obs, DeadLetter.LATE, "event time " + obs.ts + " is before the key's last used event "
                + lastUsed + "; events are reordered only while their key's newest event time is less than "
                + "events.max-out-of-orderness (" + bound + " ms) past them");
    }

    /** The key already used, or holds, an event at {@code obs.ts}. */
    DeadLetter duplicate(Observation obs) {
        duplicates.inc();
        return letter(obs, DeadLetter.DUPLICATE, "the key already has an event at event time " + obs.ts);
    }

    /** The event was held as too far ahead of its key's clock, and the key's next event did not confirm it. */
    DeadLetter future(Observation obs, String reason) {
        future.inc();
        return letter(obs, DeadLetter.FUTURE, reason);
    }

    /** The event cannot be used by the model, for {@code reason}. */
    DeadLetter refused(Observation obs, String reason) {
        refused.inc();
        return letter(obs, DeadLetter.REFUSED, reason);
    }

    private DeadLetter letter(Observation obs, String kind, String reason) {
        return DeadLetters.of(obs.origin, kind, reason, DeadLetters.payloadOf(obs), maxPayloadBytes);
    }
}
