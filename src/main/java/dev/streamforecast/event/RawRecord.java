package dev.streamforecast.event;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One input record exactly as it arrived, before any parsing.
 *
 * <p>Parsing happens downstream of the source so that a bad payload becomes a dead letter carrying the
 * original bytes and {@code origin} (such as {@code observations-3@1042}: topic, partition, offset)
 * instead of failing the job. {@code payload} is null for a record without a value (a tombstone).
 */
public class RawRecord {
    public String origin;
    public byte[] payload;
    /** The Kafka record timestamp, epoch milliseconds; not the event time, which is in the payload. */
    public long kafkaTimestamp;

    public RawRecord() {}

    public RawRecord(String origin, byte[] payload, long kafkaTimestamp) {
        this.origin = origin;
        this.payload = payload;
        this.kafkaTimestamp = kafkaTimestamp;
    }

    /** The payload as UTF-8 text, as a dead letter keeps it; null for a null payload. */
    public String payloadText() {
        return payload == null ? null : new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RawRecord)) {
            return false;
        }
        RawRecord r = (RawRecord) o;
        return kafkaTimestamp == r.kafkaTimestamp && Objects.equals(origin, r.origin)
                && Arrays.equals(payload, r.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(origin, kafkaTimestamp) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "RawRecord{" + origin + ", " + kafkaTimestamp + ", " + payloadText() + "}";
    }
}
