package dev.streamforecast.testutil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.core.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Bytes no well-behaved producer writes, and a strict check that what came out is JSON. */
public final class HostileInput {
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    private HostileInput() {}

    /** {@code n} bytes that are not UTF-8: 'x' and 0xFF alternating. */
    public static byte[] invalidUtf8(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = i % 2 == 0 ? (byte) 'x' : (byte) 0xFF;
        }
        return b;
    }

    /** The UTF-8 bytes of {@code text}. */
    public static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Lines of bytes joined by {@code \n}, each written exactly as given. */
    public static byte[] lines(byte[]... lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] l : lines) {
            out.writeBytes(l);
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** Writes {@code bytes} to {@code dir/name} and returns the file. */
    public static Path file(Path dir, String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Each line of {@code file} parsed as one JSON object by a strict parser (valid UTF-8, no duplicate
     * fields, nothing after the object).
     */
    public static List<JsonNode> jsonLines(Path file) {
        List<JsonNode> out = new ArrayList<>();
        try {
            byte[] all = Files.readAllBytes(file);
            int start = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] == '\n') {
                    out.add(json(java.util.Arrays.copyOfRange(all, start, i)));
                    start = i + 1;
                }
            }
            assertEquals(all.length, start, "the file ends with a line end");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** {@code bytes} parsed as one JSON object by a strict parser; fails the test if they are not one. */
    public static JsonNode json(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
            JsonNode n = STRICT.readTree(bytes);
            assertTrue(n != null && n.isObject(), "a JSON object: " + new String(bytes, StandardCharsets.UTF_8));
            return n;
        } catch (IOException e) {
            throw new AssertionError("not valid JSON: " + e.getMessage() + ": "
                    + new String(bytes, StandardCharsets.UTF_8), e);
        }
    }
}
