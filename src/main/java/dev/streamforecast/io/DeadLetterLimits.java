package dev.streamforecast.io;

import java.io.Serializable;
import java.util.Properties;

/**
 * How large a dead letter may be on Kafka: its payload cap and the bound on the whole record, checked
 * against the producer's {@code max.request.size} once, at start, so that no dead letter can fail the
 * job at run time (a record the producer refuses fails the sink, and with it the job, again after every
 * restart).
 */
public final class DeadLetterLimits implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Kafka's default {@code max.request.size}. */
    public static final int KAFKA_MAX_REQUEST_SIZE = 1_048_576;
    /**
     * Bytes of a request that are not the record's value: the record batch's header (61 bytes) and the
     * record's own framing (at most 21), with room to spare.
     */
    public static final int RECORD_FRAMING = 512;
    /** Room for origin, kind, reason and field names in the consistency check at start. */
    public static final int METADATA_ROOM = 4096;

    /** The most payload bytes a dead letter keeps. */
    public final int maxPayloadBytes;
    /** The most bytes an encoded dead letter (the record's value) may have. */
    public final int maxRecordBytes;

    private DeadLetterLimits(int maxPayloadBytes, int maxRecordBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxRecordBytes = maxRecordBytes;
    }

    /** The defaults against a producer with Kafka's default {@code max.request.size}. */
    public static DeadLetterLimits defaults() {
        return of(new Properties(), DeadLetterCodec.DEFAULT_MAX_PAYLOAD_BYTES, KAFKA_MAX_REQUEST_SIZE);
    }

    /**
     * The limits for a producer with {@code producer}'s properties: records are bounded by the smaller of
     * {@code maxRecordBytes} and the producer's {@code max.request.size}, less {@link #RECORD_FRAMING}.
     *
     * @throws IllegalArgumentException naming the settings, if a payload at the cap, base64-encoded, would
     *     not fit with {@link #METADATA_ROOM} to spare
     */
    public static DeadLetterLimits of(Properties producer, int maxPayloadBytes, int maxRecordBytes) {
        Object given = producer.get("max.request.size");
        int request;
        try {
            request = given == null ? KAFKA_MAX_REQUEST_SIZE : Integer.parseInt(given.toString().strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid kafka.properties.max.request.size = " + given
                    + ": expected a whole number of bytes");
        }
        int bound = Math.min(maxRecordBytes, request) - RECORD_FRAMING;
        long needed = 4L * ((maxPayloadBytes + 2L) / 3) + METADATA_ROOM;
        if (bound < needed) {
            long room = Math.max(0, (bound - METADATA_ROOM) / 4L * 3);
            throw new IllegalArgumentException("dead-letters.max-payload-bytes = " + maxPayloadBytes
                    + " does not fit in a dead letter of at most " + bound + " bytes (the smaller of"
                    + " dead-letters.max-record-bytes = " + maxRecordBytes + " and kafka.properties.max.request.size = "
                    + request + ", less " + RECORD_FRAMING + " bytes of framing): lower it to at most " + room
                    + " or raise the smaller bound");
        }
        return new DeadLetterLimits(maxPayloadBytes, bound);
    }
}
