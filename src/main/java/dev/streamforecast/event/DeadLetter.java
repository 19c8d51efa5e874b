package dev.streamforecast.event;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An input the job could not use, kept with the reason and the original bytes so that nothing is
 * dropped silently.
 *
 * <p>{@code origin} says where the payload came from (a Kafka topic-partition@offset, a file and line);
 * {@code kind} is a stable code for the refusal ({@link #MALFORMED}, {@link #LATE}, ...) that dashboards
 * and consumers can match on; {@code reason} says what was wrong in words. {@code payload} holds the
 * record exactly as received, possibly cut to a configured cap: {@code payloadBytes} is the original
 * size, larger than {@code payload.length} when it was cut.
 */
public class DeadLetter {
    /** The record could not be decoded (bad bytes, bad JSON or CSV, missing or mistyped fields). */
    public static final String MALFORMED = "malformed";
    /** The event came after its key had moved past its time. */
    public static final String LATE = "late";
    /** The key already has an event at this time. */
    public static final String DUPLICATE = "duplicate";
    /** The event time is implausibly far in the future. */
    public static final String FUTURE = "future";
    /** The model refused the event (for example a wrong number of features). */
    public static final String REFUSED = "refused";

    public String origin;
    public String kind;
    public String reason;
    public byte[] payload;
    public long payloadBytes;

    public DeadLetter() {}

    /** A dead letter keeping {@code payload} whole (null for a record without a value). */
    public DeadLetter(String origin, String kind, String reason, byte[] payload) {
        this.origin = origin;
        this.kind = kind;
        this.reason = reason;
        this.payload = payload;
        this.payloadBytes = payload == null ? 0 : payload.length;
    }

    /** A dead letter whose payload is the UTF-8 form of {@code text} (null for none). */
    public static DeadLetter ofText(String origin, String kind, String reason, String text) {
        return new DeadLetter(origin, kind, reason, text == null ? null : text.getBytes(StandardCharsets.UTF_8));
    }

    /** The payload decoded as UTF-8 (malformed bytes replaced), or null; for people, not for storage. */
    public String payloadText() {
        return payload == null ? null : new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DeadLetter)) {
            return false;
        }
        DeadLetter d = (DeadLetter) o;
        return payloadBytes == d.payloadBytes && Objects.equals(origin, d.origin) && Objects.equals(kind, d.kind)
                && Objects.equals(reason, d.reason) && Arrays.equals(payload, d.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(origin, kind, reason) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "DeadLetter{" + origin + ", " + kind + ": " + reason + ": " + payloadText() + "}";
    }
}
