package dev.streamforecast.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamforecast.event.DeadLetter;

/** Dead letters as JSON: {@code {"origin", "reason", "payload"}}, the payload kept as text. */
public final class DeadLetterCodec {

    private static final String WHAT = "dead letter";

    private DeadLetterCodec() {}

    public static byte[] encode(DeadLetter d) {
        int hint = 64 + (d.payload == null ? 0 : d.payload.length) + (d.reason == null ? 0 : d.reason.length());
        return JsonSupport.write(hint, g -> {
            g.writeStartObject();
            g.writeStringField("origin", d.origin);
            g.writeStringField("kind", d.kind);
            g.writeStringField("reason", d.reason);
            g.writeStringField("payload", d.payloadText());
            g.writeEndObject();
        });
    }

    /** @throws IllegalArgumentException if the payload is not a dead letter written by {@link #encode} */
    public static DeadLetter decode(byte[] payload) {
        JsonNode root = JsonSupport.readObject(payload, WHAT);
        return DeadLetter.ofText(
                JsonSupport.text(root, "origin", WHAT),
                JsonSupport.text(root, "kind", WHAT),
                JsonSupport.text(root, "reason", WHAT),
                JsonSupport.text(root, "payload", WHAT));
    }
}
