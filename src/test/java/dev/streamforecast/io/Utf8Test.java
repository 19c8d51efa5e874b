package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8Test {

    /** The JDK's strict decoder: the index of the first malformed byte, or -1. */
    private static int reference(byte[] b) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b);
        CharBuffer out = CharBuffer.allocate(b.length + 1);
        var r = d.decode(in, out, true);
        if (r.isError()) {
            return in.position();
        }
        r = d.flush(out);
        return r.isError() ? in.position() : -1;
    }

    @Test
    void agreesWithTheJdkDecoderOnRandomAndNearlyValidBytes() throws CharacterCodingException {
        Random random = new Random(7);
        String text = "ts,key,value\nü €𝄞 \u0000\t\"\\ 中文 ";
        byte[] valid = text.getBytes(StandardCharsets.UTF_8);
        for (int trial = 0; trial < 200_000; trial++) {
            byte[] b;
            if (trial % 2 == 0) {
                b = new byte[random.nextInt(8)];
                random.nextBytes(b);
            } else {
                b = valid.clone();
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            int expected = reference(b);
            assertEquals(expected, Utf8.invalidAt(b, 0, b.length), () -> java.util.HexFormat.of().formatHex(b));
        }
    }

    @Test
    void refusesOverlongsSurrogatesAndCodePointsBeyondUnicode() {
        for (String hex : new String[] {"c0af", "e08080", "eda080", "edbfbf", "f4908080", "f880808080", "ff", "80"}) {
            byte[] b = java.util.HexFormat.of().parseHex(hex);
            assertEquals(0, Utf8.invalidAt(b, 0, b.length), hex);
        }
        assertTrue(Utf8.isValid("\uD834\uDD1E".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void cutsNeverSplitACharacter() {
        byte[] b = "a€b".getBytes(StandardCharsets.UTF_8); // 61 e2 82 ac 62
        assertEquals(1, Utf8.cut(b, 1));
        assertEquals(1, Utf8.cut(b, 2));
        assertEquals(1, Utf8.cut(b, 3));
        assertEquals(4, Utf8.cut(b, 4));
        assertEquals(5, Utf8.cut(b, 9));
        byte[] garbage = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80};
        assertEquals(4, Utf8.cut(garbage, 4), "no character to keep whole: cut where asked");
    }
}
