package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.streamforecast.event.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeadLetterCodecTest {

    @Test
    void writesOriginReasonAndPayloadAsText() {
        DeadLetter d = new DeadLetter("observations-2@17", "missing field 'key'", "{\"ts\":0,\"value\":1}");
        assertEquals("{\"origin\":\"observations-2@17\",\"reason\":\"missing field 'key'\","
                + "\"payload\":\"{\\\"ts\\\":0,\\\"value\\\":1}\"}",
                new String(DeadLetterCodec.encode(d), StandardCharsets.UTF_8));
    }

    @Test
    void roundTripKeepsEveryFieldIncludingNullsAndControlCharacters() {
        for (DeadLetter d : new DeadLetter[] {
            new DeadLetter("observations-0@0", "malformed JSON: x", "not json \u0000\n\t\"\\ ü"),
            new DeadLetter("late", "older than the watermark", null),
            new DeadLetter(null, null, ""),
        }) {
            assertEquals(d, DeadLetterCodec.decode(DeadLetterCodec.encode(d)));
        }
    }

    @Test
    void decodeRefusesSomethingElse() {
        assertThrows(IllegalArgumentException.class,
                () -> DeadLetterCodec.decode("{\"origin\":1,\"reason\":\"r\",\"payload\":\"p\"}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class,
                () -> DeadLetterCodec.decode("[]".getBytes(StandardCharsets.UTF_8)));
    }
}
