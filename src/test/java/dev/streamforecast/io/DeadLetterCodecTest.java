package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.testutil.HostileInput;
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
    void bytesThatAreNotUtf8AreKeptExactlyAsBase64() {
        byte[] payload = {'{', (byte) 0xFF, 0, (byte) 0xC3};
        DeadLetter d = new DeadLetter("observations-0@3", DeadLetter.MALFORMED, "invalid UTF-8", payload);
        byte[] json = DeadLetterCodec.encode(d);
        assertEquals("{\"origin\":\"observations-0@3\",\"kind\":\"malformed\",\"reason\":\"invalid UTF-8\","
                + "\"payload_base64\":\"e/8Aww==\"}", new String(json, StandardCharsets.UTF_8));
        HostileInput.json(json);
        assertEquals(d, DeadLetterCodec.decode(json));
    }

    @Test
    void aRecordWithoutValueHasANullPayload() {
        byte[] json = DeadLetterCodec.encode(new DeadLetter("t-0@1", DeadLetter.MALFORMED, "empty payload", null));
        assertTrue(HostileInput.json(json).get("payload").isNull());
        assertNull(DeadLetterCodec.decode(json).payload);
    }

    @Test
    void payloadsOverTheCapAreCutWithTheOriginalSizeNotedAndNoCharacterSplit() {
        byte[] payload = "aé€𝄞".repeat(1000).getBytes(StandardCharsets.UTF_8); // 10 bytes a repeat
        DeadLetter d = new DeadLetter("f.jsonl:2", DeadLetter.MALFORMED, "r", payload);
        for (int cap = 0; cap < 12; cap++) {
            JsonNode n = HostileInput.json(DeadLetterCodec.encode(d, cap, Integer.MAX_VALUE));
            String kept = n.get("payload").textValue();
            assertTrue(payload.length - kept.getBytes(StandardCharsets.UTF_8).length >= payload.length - cap);
            assertTrue(new String(payload, StandardCharsets.UTF_8).startsWith(kept), "a prefix of whole characters");
            assertEquals(payload.length, n.get("payload_bytes").longValue());
            assertTrue(n.get("truncated").booleanValue());
        }
        DeadLetter back = DeadLetterCodec.decode(DeadLetterCodec.encode(d, 7, Integer.MAX_VALUE));
        assertArrayEquals("aé€".getBytes(StandardCharsets.UTF_8), back.payload);
        assertEquals(payload.length, back.payloadBytes);
        assertFalse(HostileInput.json(DeadLetterCodec.encode(d, payload.length, Integer.MAX_VALUE)).has("truncated"));
    }

    @Test
    void aDeadLetterCutWhenMadeStaysCutWithItsOriginalSize() {
        byte[] line = HostileInput.invalidUtf8(100_000);
        DeadLetter d = DeadLetters.of("f.csv:9", DeadLetter.MALFORMED, "x".repeat(10_000), line, 5_000_000, 1000);
        assertEquals(1000, d.payload.length);
        assertEquals(5_000_000, d.payloadBytes);
        assertTrue(d.reason.length() <= DeadLetterCodec.MAX_REASON_CHARS, "reasons quoting huge input are cut");
        JsonNode n = HostileInput.json(DeadLetterCodec.encode(d));
        assertEquals(5_000_000, n.get("payload_bytes").longValue());
        assertEquals(d, DeadLetterCodec.decode(DeadLetterCodec.encode(d)));
    }

    @Test
    void theEncodedRecordNeverExceedsItsBoundWhateverThePayloadHolds() {
        java.util.Random random = new java.util.Random(3);
        for (int trial = 0; trial < 200; trial++) {
            byte[] payload = new byte[random.nextInt(200_000)];
            switch (trial % 4) {
                case 0 -> random.nextBytes(payload);                     // base64
                case 1 -> { }                                            // NUL bytes: six bytes of JSON each
                case 2 -> java.util.Arrays.fill(payload, (byte) '"');    // two bytes each
                default -> payload = "中".repeat(payload.length / 3).getBytes(StandardCharsets.UTF_8);
            }
            int bound = DeadLetterCodec.MIN_RECORD_BYTES + random.nextInt(100_000);
            String reason = "\u0001".repeat(random.nextInt(5000));
            DeadLetter d = new DeadLetter("o".repeat(random.nextInt(3000)), DeadLetter.MALFORMED, reason, payload);
            int cap = random.nextInt(300_000);
            byte[] json = DeadLetterCodec.encode(d, cap, bound);
            assertTrue(json.length <= bound, json.length + " > " + bound);
            DeadLetter back = DeadLetterCodec.decode(json);
            assertArrayEquals(java.util.Arrays.copyOf(payload, back.payload.length), back.payload);
            assertEquals(payload.length, back.payloadBytes);
            if (back.payload.length > 0 && back.payload.length < Math.min(cap, payload.length) - 3) {
                assertTrue(json.length > bound - 16, "cut for the bound, the record fills it: " + json.length
                        + " of " + bound);
            }
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
