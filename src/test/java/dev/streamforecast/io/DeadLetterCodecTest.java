package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.streamforecast.event.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeadLetterCodecTest {

    @Test
    void writesOriginReasonAndPayloadAsText() {
        DeadLetter d = DeadLetter.ofText("observations-2@17", DeadLetter.MALFORMED, "missing field 'key'", "{\"ts\":0,\"value\":1}");
        assertEquals("{\"origin\":\"observations-2@17\",\"kind\":\"malformed\",\"reason\":\"missing field 'key'\","
                + "\"payload\":\"{\\\"ts\\\":0,\\\"value\\\":1}\"}",
                new String(DeadLetterCodec.encode(d), StandardCharsets.UTF_8));
    }

    @Test
    void roundTripKeepsEveryFieldIncludingNullsAndControlCharacters() {
        for (DeadLetter d : new DeadLetter[] {
            DeadLetter.ofText("observations-0@0", DeadLetter.MALFORMED, "malformed JSON: x", "not json \u0000\n\t\"\\ ü"),
            DeadLetter.ofText("x.csv:3", DeadLetter.LATE, "older than the watermark", null),
            DeadLetter.ofText(null, null, null, ""),
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
