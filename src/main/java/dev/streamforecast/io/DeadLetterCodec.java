package dev.streamforecast.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamforecast.event.DeadLetter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Dead letters as JSON, one object per record, always valid JSON whatever the payload held:
 *
 * <pre>
 * {"origin": "observations-1@6", "kind": "malformed", "reason": "...", "payload": "the record as text"}
 * {"origin": "data.csv:17", "kind": "malformed", "reason": "invalid UTF-8 at byte 12", "payload_base64": "..."}
 * {"origin": ..., "payload": "the first bytes", "payload_bytes": 10485760, "truncated": true}
 * </pre>
 *
 * {@code payload} holds the bytes kept when they are valid UTF-8, {@code payload_base64} otherwise; it is
 * null for a record without a value. When the payload was cut, {@code payload_bytes} gives the original
 * size and {@code truncated} is true; a cut never splits a character of a text payload. {@code reason}
 * and {@code origin} are cut to {@value #MAX_REASON_CHARS} and {@value #MAX_ORIGIN_CHARS} characters.
 */
public final class DeadLetterCodec {
    /** The default cap on the payload bytes a dead letter keeps ({@code dead-letters.max-payload-bytes}). */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;
    /** The smallest encoded size {@link #encode(DeadLetter, int, int)} can always meet. */
    public static final int MIN_RECORD_BYTES = 4096;
    /** Reasons are cut to this many characters: they quote input, which may be huge. */
    public static final int MAX_REASON_CHARS = 2000;
    /** Origins are cut to this many characters. */
    public static final int MAX_ORIGIN_CHARS = 500;
    /** What reason and origin are cut to when even an empty payload would not fit. */
    private static final int LAST_RESORT_CHARS = 200;

    private static final String WHAT = "dead letter";

    private DeadLetterCodec() {}

    /** The dead letter with the payload it holds, however long. */
    public static byte[] encode(DeadLetter d) {
        return encode(d, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /**
     * The dead letter with its payload cut to {@code maxPayloadBytes}, and further if the whole record
     * would exceed {@code maxRecordBytes}: the result is never longer than {@code maxRecordBytes}.
     *
     * @throws IllegalArgumentException if {@code maxRecordBytes} is below {@link #MIN_RECORD_BYTES}
     */
    public static byte[] encode(DeadLetter d, int maxPayloadBytes, int maxRecordBytes) {
        if (maxRecordBytes < MIN_RECORD_BYTES) {
            throw new IllegalArgumentException("a dead letter needs at least " + MIN_RECORD_BYTES
                    + " bytes, got a bound of " + maxRecordBytes);
        }
        byte[] p = d.payload;
        long size = p == null ? 0 : Math.max(d.payloadBytes, p.length);
        int keep = p == null ? 0 : Utf8.cut(p, Math.min(p.length, Math.max(0, maxPayloadBytes)));
        String origin = shorten(d.origin, MAX_ORIGIN_CHARS);
        String reason = shorten(d.reason, MAX_REASON_CHARS);
        byte[] out = write(origin, d.kind, reason, p, keep, size);
        while (out.length > maxRecordBytes) {
            if (keep > 0) {
                // A payload byte costs one to six bytes of JSON (escapes) or four thirds (base64): keep the
                // share of it that fits beside the rest of the record, which takes a pass, rarely two.
                int fixed = write(origin, d.kind, reason, p, 0, size).length;
                long fit = Math.max(0, (long) keep * (maxRecordBytes - fixed) / (out.length - fixed));
                keep = Utf8.cut(p, (int) Math.min(keep - 1, fit));
            } else if (length(origin) > LAST_RESORT_CHARS || length(reason) > LAST_RESORT_CHARS) {
                origin = shorten(origin, LAST_RESORT_CHARS);
                reason = shorten(reason, LAST_RESORT_CHARS);
            } else {
                throw new IllegalStateException("a dead letter of " + out.length + " bytes with no payload left "
                        + "exceeds " + maxRecordBytes + " bytes");
            }
            out = write(origin, d.kind, reason, p, keep, size);
        }
        return out;
    }

    /** @throws IllegalArgumentException if the payload is not a dead letter written by {@link #encode} */
    public static DeadLetter decode(byte[] json) {
        JsonNode root = JsonSupport.readObject(json, WHAT);
        byte[] payload;
        if (root.has("payload_base64")) {
            String b64 = JsonSupport.text(root, "payload_base64", WHAT);
            try {
                payload = b64 == null ? null : Base64.getDecoder().decode(b64);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(WHAT + ": field 'payload_base64' is not base64: " + e.getMessage());
            }
        } else {
            String text = JsonSupport.text(root, "payload", WHAT);
            payload = text == null ? null : text.getBytes(StandardCharsets.UTF_8);
        }
        DeadLetter d = new DeadLetter(JsonSupport.text(root, "origin", WHAT), JsonSupport.text(root, "kind", WHAT),
                JsonSupport.text(root, "reason", WHAT), payload);
        if (root.has("payload_bytes")) {
            d.payloadBytes = JsonSupport.integer(root, "payload_bytes", WHAT);
            if (payload == null || d.payloadBytes < payload.length) {
                throw new IllegalArgumentException(WHAT + ": payload_bytes " + d.payloadBytes
                        + " is less than the payload kept");
            }
        }
        return d;
    }

    private static byte[] write(String origin, String kind, String reason, byte[] p, int keep, long size) {
        return JsonSupport.write(128 + keep * 4 / 3 + length(reason) + length(origin), g -> {
            g.writeStartObject();
            g.writeStringField("origin", origin);
            g.writeStringField("kind", kind);
            g.writeStringField("reason", reason);
            writePayload(g, p, keep);
            if (p != null && keep < size) {
                g.writeNumberField("payload_bytes", size);
                g.writeBooleanField("truncated", true);
            }
            g.writeEndObject();
        });
    }

    private static void writePayload(JsonGenerator g, byte[] p, int keep) throws IOException {
        if (p == null) {
            g.writeNullField("payload");
        } else if (Utf8.invalidAt(p, 0, keep) < 0) {
            g.writeStringField("payload", new String(p, 0, keep, StandardCharsets.UTF_8));
        } else {
            g.writeStringField("payload_base64", Base64.getEncoder().encodeToString(
                    keep == p.length ? p : Arrays.copyOf(p, keep)));
        }
    }

    /** {@code s} cut to {@code max} characters (without splitting a surrogate pair), marked as cut. */
    static String shorten(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int end = max - 5;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + " [..]";
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }
}
