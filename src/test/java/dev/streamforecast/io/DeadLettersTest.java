package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Observation;
import dev.streamforecast.testutil.HostileInput;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    @Test
    void aRefusedObservationKeepsTheBytesItWasDecodedFrom() {
        byte[] original = HostileInput.utf8("{\"ts\": \"2024-03-01T12:00:00Z\", \"key\": \"a\", \"value\": 1, \"extra\": true}");
        Observation o = new Observation("a", 1_709_294_400_000L, 1).from("observations-1@7", original);
        DeadLetter d = DeadLetters.of(o, DeadLetter.LATE, "late");
        assertEquals("observations-1@7", d.origin);
        assertSame(original, d.payload);
        assertEquals(original.length, d.payloadBytes);
    }

    @Test
    void anObservationMadeInCodeBecomesValidJsonWhateverItsKeyHolds() {
        for (String key : List.of("back\\slash", "quo\"te", "nul\u0000 tab\t cr\r lf\n", "\u001f\u007f", "é€𝄞")) {
            Observation o = new Observation(key, -5, Double.NaN, new double[] {1.5, Double.POSITIVE_INFINITY});
            DeadLetter d = DeadLetters.of(o, DeadLetter.DUPLICATE, "an event with key '" + key + "' was already taken");
            JsonNode payload = HostileInput.json(d.payload);
            assertEquals(key, payload.get("key").textValue());
            assertEquals(-5, payload.get("ts").longValue());
            assertEquals("NaN", payload.get("value").textValue());
            assertEquals(1.5, payload.get("features").get(0).doubleValue());
            JsonNode letter = HostileInput.json(DeadLetterCodec.encode(d));
            assertArrayEquals(d.payload, letter.get("payload").textValue().getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void withoutFeaturesThePayloadHasTheInputFormatsFields() {
        assertEquals("{\"key\":\"k\",\"ts\":1000,\"value\":2.5}",
                new String(DeadLetters.payloadOf(new Observation("k", 1000, 2.5)), StandardCharsets.UTF_8));
    }
}
