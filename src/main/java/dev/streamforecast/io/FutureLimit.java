package dev.streamforecast.io;

import java.io.Serializable;
import java.time.Duration;
import java.util.Locale;

/**
 * The far-future rule every input path applies when it decodes an event: an event time more than
 * {@code events.max-future} after a reference time is refused, so that one event stamped in 2150 cannot
 * move its key's clock (and make everything after it late) for ever.
 *
 * <p>Where events are decoded, the reference is the Kafka record's timestamp in the live job and Kafka
 * replays, and the wall-clock time at which a file replay started (taken once, before reading, so one
 * replay is self-consistent and historical files are unaffected). Every path, SQL included, also judges
 * an event against its own key's clock ({@code stream.KeyOrder}): an event beyond it by more than the
 * limit waits for the key's next event to confirm it. A zero limit switches the rule off; the absolute
 * range of {@link Timestamps} (1900 to 2200) applies either way.
 */
public final class FutureLimit implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The setting's name, as refusals cite it. */
    public static final String SETTING = "events.max-future";

    private final long maxMillis;
    private final String spelled;

    private FutureLimit(long maxMillis, String spelled) {
        this.maxMillis = maxMillis;
        this.spelled = spelled;
    }

    /** The rule with {@code max} as the tolerance; zero switches it off. */
    public static FutureLimit of(Duration max) {
        if (max.isNegative()) {
            throw new IllegalArgumentException(SETTING + " must not be negative, got " + max);
        }
        return new FutureLimit(max.toMillis(), spell(max));
    }

    /** The rule switched off: only the absolute range applies. */
    public static FutureLimit none() {
        return new FutureLimit(0, "none");
    }

    public boolean enabled() {
        return maxMillis > 0;
    }

    /** The tolerance in milliseconds; 0 when the rule is off. */
    public long millis() {
        return maxMillis;
    }

    /**
     * Null if {@code eventTime} is acceptable against {@code reference}, else the reason for refusing it.
     *
     * @param referenceName what the reference is, for the reason: "the record's Kafka timestamp"
     */
    public String check(long eventTime, long reference, String referenceName) {
        return exceeds(eventTime, reference) ? exceeded(eventTime, reference, referenceName) : null;
    }

    /** Whether the rule is on and {@code eventTime} is more than the limit after {@code reference}. */
    public boolean exceeds(long eventTime, long reference) {
        return maxMillis > 0 && eventTime > reference && (eventTime - reference > maxMillis || eventTime - reference < 0);
    }

    /** The reason {@link #check} gives for {@code eventTime}, whether or not it is refused now. */
    public String exceeded(long eventTime, long reference, String referenceName) {
        return "event time " + Timestamps.format(eventTime) + " is more than " + SETTING + " = " + spelled
                + " after " + referenceName + " " + Timestamps.format(reference);
    }

    /** {@code d} in its largest whole unit, as refusals cite durations: {@code 1d}, {@code 90min}, {@code 250ms}. */
    public static String spell(Duration d) {
        long ms = d.toMillis();
        long[] units = {86_400_000L, 3_600_000L, 60_000L, 1000L, 1L};
        String[] names = {"d", "h", "min", "s", "ms"};
        for (int i = 0; i < units.length; i++) {
            if (ms % units[i] == 0) {
                return String.format(Locale.ROOT, "%d%s", ms / units[i], names[i]);
            }
        }
        return ms + "ms";
    }
}
