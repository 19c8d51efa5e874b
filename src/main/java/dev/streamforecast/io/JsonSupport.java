package dev.streamforecast.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The JSON plumbing the output codecs share: one configured mapper and strict field readers. */
final class JsonSupport {

    /*
     * JSON has no NaN or infinities; they are written as the strings "NaN", "Infinity" and "-Infinity"
     * (Jackson's convention) so that a forecast not yet defined still yields valid JSON and decodes
     * back to the same double.
     */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonSupport() {}

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    static byte[] write(int sizeHint, Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Parses a JSON object, or throws IllegalArgumentException saying why it is not one. */
    static JsonNode readObject(byte[] payload, String what) {
        if (payload == null) {
            throw new IllegalArgumentException(what + ": payload is null");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(payload);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + ": malformed JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(what + ": payload must be a JSON object");
        }
        return root;
    }

    static JsonNode required(JsonNode root, String field, String what) {
        JsonNode n = root.get(field);
        if (n == null) {
            throw new IllegalArgumentException(what + ": missing field '" + field + "'");
        }
        return n;
    }

    /** A string field; JSON null reads as Java null. */
    static String text(JsonNode root, String field, String what) {
        JsonNode n = required(root, field, what);
        if (n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException(what + ": field '" + field + "' must be a string");
        }
        return n.textValue();
    }

    static long integer(JsonNode root, String field, String what) {
        JsonNode n = required(root, field, what);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new IllegalArgumentException(what + ": field '" + field + "' must be a whole number");
        }
        return n.longValue();
    }

    /** A double written as a number, or as "NaN", "Infinity" or "-Infinity". */
    static double real(JsonNode root, String field, String what) {
        JsonNode n = required(root, field, what);
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isTextual()) {
            switch (n.textValue()) {
                case "NaN":
                    return Double.NaN;
                case "Infinity":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity":
                    return Double.NEGATIVE_INFINITY;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException(what + ": field '" + field + "' must be a number");
    }
}
