package dev.streamforecast.io;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Observation;
import java.io.IOException;
import java.util.Arrays;

/**
 * Where dead letters are made: from the bytes a decoder refused, or from an observation refused further
 * on, always with the payload as it was received.
 */
public final class DeadLetters {
    private DeadLetters() {}

    /**
     * A refusal of {@code payload} as received, keeping at most {@code maxPayloadBytes} of it (cut
     * without splitting a character; {@link DeadLetter#payloadBytes} keeps the original size) and a
     * reason of at most {@link DeadLetterCodec#MAX_REASON_CHARS} characters, so a huge bad record costs
     * no more than the dead letter it becomes.
     */
    public static DeadLetter of(String origin, String kind, String reason, byte[] payload, int maxPayloadBytes) {
        return of(origin, kind, reason, payload, payload == null ? 0 : payload.length, maxPayloadBytes);
    }

    /**
     * As {@link #of(String, String, String, byte[], int)}, for a payload that is already the first part
     * of a record of {@code originalBytes} bytes (a line too long to be read whole).
     */
    public static DeadLetter of(String origin, String kind, String reason, byte[] payload, long originalBytes,
            int maxPayloadBytes) {
        DeadLetter d = new DeadLetter(origin, kind, DeadLetterCodec.shorten(reason, DeadLetterCodec.MAX_REASON_CHARS),
                payload);
        if (payload != null && payload.length > maxPayloadBytes) {
            d.payload = Arrays.copyOf(payload, Utf8.cut(payload, Math.max(0, maxPayloadBytes)));
        }
        d.payloadBytes = Math.max(d.payloadBytes, originalBytes);
        return d;
    }

    /** A value quoted for a reason, cut short: a reason should name a bad value, not repeat a huge one. */
    public static String quote(String value) {
        return "'" + DeadLetterCodec.shorten(value, 80) + "'";
    }

    /**
     * A refusal of an observation (late, duplicate, future, refused by the model): its origin and the
     * bytes it was decoded from, or, for an observation made in code, {@link #payloadOf its JSON form}.
     * The payload is kept whole; sinks cut it to their cap when they write it.
     */
    public static DeadLetter of(Observation obs, String kind, String reason) {
        return new DeadLetter(obs.origin, kind, reason, payloadOf(obs));
    }

    /**
     * The bytes {@code obs} was decoded from, or, when it has none (made in code), the observation as a
     * JSON object written by Jackson, in the input format's field names: {@code {"key", "ts" (epoch
     * milliseconds), "value", "features" (an array, when there are any)}}. Valid JSON whatever the key
     * holds; a non-finite number is written as the string "NaN", "Infinity" or "-Infinity".
     */
    public static byte[] payloadOf(Observation obs) {
        if (obs.payload != null) {
            return obs.payload;
        }
        return JsonSupport.write(64, g -> {
            g.writeStartObject();
            g.writeStringField("key", obs.key);
            g.writeNumberField("ts", obs.ts);
            g.writeNumberField("value", obs.value);
            if (obs.features != null && obs.features.length > 0) {
                writeArray(g, obs.features);
            }
            g.writeEndObject();
        });
    }

    private static void writeArray(JsonGenerator g, double[] values) throws IOException {
        g.writeArrayFieldStart("features");
        for (double v : values) {
            g.writeNumber(v);
        }
        g.writeEndArray();
    }
}
