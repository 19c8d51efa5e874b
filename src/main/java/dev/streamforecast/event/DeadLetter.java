package dev.streamforecast.event;

import java.util.Objects;

/**
 * An input the job could not use, kept with the reason so that nothing is dropped silently.
 *
 * <p>{@code origin} says where the payload came from (a topic-partition-offset, a file and line, or
 * the stage that refused it, such as {@code late} or {@code duplicate}).
 */
public class DeadLetter {
    public String origin;
    public String reason;
    public String payload;

    public DeadLetter() {}

    public DeadLetter(String origin, String reason, String payload) {
        this.origin = origin;
        this.reason = reason;
        this.payload = payload;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DeadLetter)) {
            return false;
        }
        DeadLetter d = (DeadLetter) o;
        return Objects.equals(origin, d.origin) && Objects.equals(reason, d.reason)
                && Objects.equals(payload, d.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(origin, reason, payload);
    }

    @Override
    public String toString() {
        return "DeadLetter{" + origin + ": " + reason + ": " + payload + "}";
    }
}
