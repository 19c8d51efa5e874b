package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.Observation;
import dev.streamforecast.io.ObservationCodec.Result;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ObservationCodecTest {

    private static final long JULY_1_2016 = Instant.parse("2016-07-01T00:00:00Z").toEpochMilli();

    private final ObservationCodec plain = new ObservationCodec(List.of());
    private final ObservationCodec withFeatures = new ObservationCodec(List.of("temp", "hour"));

    private static byte[] json(String s) {
        return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    private static Observation accepted(ObservationCodec codec, String payload) {
        Result r = codec.decode(json(payload));
        assertTrue(r.isOk(), () -> "refused: " + r.reason());
        assertNull(r.reason());
        return r.observation();
    }

    private static void refused(ObservationCodec codec, String payload, String reason) {
        Result r = codec.decode(payload == null ? null : json(payload));
        assertFalse(r.isOk(), () -> "accepted: " + r.observation());
        assertNull(r.observation());
        assertTrue(r.reason().startsWith(reason), () -> "'" + r.reason() + "' should start with '" + reason + "'");
    }

    @Test
    void aMinimalObservationIsAccepted() {
        Observation o = accepted(plain, "{'key': 'sensor-1', 'ts': 1467331200000, 'value': 21.5}");
        assertEquals(new Observation("sensor-1", JULY_1_2016, 21.5), o);
        assertEquals(0, o.features.length);
    }

    @Test
    void timestampsMayBeIsoStringsOrDigitStrings() {
        assertEquals(JULY_1_2016, accepted(plain, "{'key': 'k', 'ts': '2016-07-01 00:00:00', 'value': 1}").ts);
        assertEquals(JULY_1_2016, accepted(plain, "{'key': 'k', 'ts': '2016-07-01', 'value': 1}").ts);
        assertEquals(JULY_1_2016, accepted(plain, "{'key': 'k', 'ts': '1467331200000', 'value': 1}").ts);
        assertEquals(JULY_1_2016, accepted(plain, "{'key': 'k', 'ts': 1.4673312E12, 'value': 1}").ts);
    }

    @Test
    void featuresAreStoredInTheModelsOrderWhateverTheirOrderInTheJson() {
        Observation o = accepted(withFeatures,
                "{'key': 'k', 'ts': 0, 'value': 3, 'features': {'hour': 7, 'other': 'ignored', 'temp': -1.25}}");
        assertArrayEquals(new double[] {-1.25, 7}, o.features);
    }

    @Test
    void unknownFieldsAndFeaturesAreIgnored() {
        Observation o = accepted(plain, "{'key': 'k', 'ts': 0, 'value': 3, 'unit': 'kWh', 'features': {'x': 'y'}}");
        assertEquals(0, o.features.length);
    }

    @Test
    void encodeThenDecodeGivesTheSameObservation() {
        Observation o = new Observation("zone/ü \"7\"", JULY_1_2016 + 123, -0.0, new double[] {Double.MIN_VALUE, 1e300});
        assertEquals(o, withFeatures.decode(withFeatures.encode(o)).observation());
        Observation p = new Observation("k", -5, 0.1 + 0.2);
        assertEquals(p, plain.decode(plain.encode(p)).observation());
    }

    @Test
    void encodeWritesEpochMillisAndNamedFeatures() {
        String s = new String(withFeatures.encode(new Observation("k", 5, 1.5, new double[] {2, 3})),
                StandardCharsets.UTF_8);
        assertEquals("{\"key\":\"k\",\"ts\":5,\"value\":1.5,\"features\":{\"temp\":2.0,\"hour\":3.0}}", s);
    }

    @Test
    void integerTimesAreReadInTheCodecsUnitAsNumbersStringsAndWholeFloats() {
        ObservationCodec seconds = new ObservationCodec(List.of(), EpochUnit.S);
        for (String ts : List.of("1700000000", "'1700000000'", "1700000000.0")) {
            String payload = "{'key': 'k', 'ts': " + ts + ", 'value': 1}";
            assertEquals(1_700_000_000_000L, accepted(seconds, payload).ts, payload);
            Result r = plain.decode(json(payload));
            assertEquals("timestamp 1700000000 looks like epoch seconds (2023-11-14T22:13:20Z), not milliseconds "
                    + "(1970-01-20T16:13:20Z): set events.time-unit=s, or give epoch milliseconds or ISO-8601", r.reason());
        }
        Result r = seconds.decode(json("{'key': 'k', 'ts': 1700000000000, 'value': 1}"));
        assertTrue(r.reason().endsWith("as epoch milliseconds it is 2023-11-14T22:13:20Z: set events.time-unit=ms"),
                r.reason());
        assertEquals("field 'ts' must be whole epoch seconds, got 1.7000000005E9",
                seconds.decode(json("{'key': 'k', 'ts': 1700000000.5, 'value': 1}")).reason());
        assertEquals(JULY_1_2016, accepted(seconds, "{'key': 'k', 'ts': '2016-07-01', 'value': 1}").ts);
    }

    @Test
    void aCodecInSecondsWritesWholeSecondsAndIsoForTheRestAndReadsBoth() {
        ObservationCodec seconds = new ObservationCodec(List.of(), EpochUnit.S);
        Observation whole = new Observation("k", JULY_1_2016, 1);
        Observation fraction = new Observation("k", JULY_1_2016 + 250, 1);
        assertEquals("{\"key\":\"k\",\"ts\":1467331200,\"value\":1.0}",
                new String(seconds.encode(whole), StandardCharsets.UTF_8));
        assertEquals("{\"key\":\"k\",\"ts\":\"2016-07-01T00:00:00.250Z\",\"value\":1.0}",
                new String(seconds.encode(fraction), StandardCharsets.UTF_8));
        assertEquals(whole, seconds.decode(seconds.encode(whole)).observation());
        assertEquals(fraction, seconds.decode(seconds.encode(fraction)).observation());
    }

    @Test
    void encodeRefusesWhatDecodeWouldRefuse() {
        assertThrows(IllegalArgumentException.class, () -> plain.encode(new Observation("k", 0, Double.NaN)));
        assertThrows(IllegalArgumentException.class, () -> plain.encode(new Observation("", 0, 1)));
        assertThrows(IllegalArgumentException.class, () -> plain.encode(new Observation("k", 0, 1, new double[] {1})));
        assertThrows(IllegalArgumentException.class,
                () -> withFeatures.encode(new Observation("k", 0, 1, new double[] {1, Double.POSITIVE_INFINITY})));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "{'key': 'k', 'ts': 0, 'value': 1                   | malformed JSON: Unexpected end-of-input",
        "{'key': 'k', 'ts': 0, 'value': 1} {'key': 'k'}     | malformed JSON: Trailing token",
        "{'key': 'k', 'ts': 0, 'value': 1, 'value': 2}      | malformed JSON: Duplicate field 'value'",
        "{'key': 'k', 'ts': 0, 'value': 1,}                 | malformed JSON:",
        "[1, 2]                                             | payload must be a JSON object, got array",
        "'just text'                                        | payload must be a JSON object, got string",
        "{'ts': 0, 'value': 1}                              | missing field 'key'",
        "{'key': '', 'ts': 0, 'value': 1}                   | key must be a non-empty string",
        "{'key': '   ', 'ts': 0, 'value': 1}                | key must be a non-empty string",
        "{'key': 17, 'ts': 0, 'value': 1}                   | key must be a non-empty string, got number",
        "{'key': null, 'ts': 0, 'value': 1}                 | key must be a non-empty string, got null",
        "{'key': 'k', 'value': 1}                           | missing field 'ts'",
        "{'key': 'k', 'ts': true, 'value': 1}               | field 'ts' must be epoch milliseconds or an ISO-8601 string, got boolean",
        "{'key': 'k', 'ts': null, 'value': 1}               | field 'ts' must be epoch milliseconds or an ISO-8601 string, got null",
        "{'key': 'k', 'ts': 1.5, 'value': 1}                | field 'ts' must be whole epoch milliseconds, got 1.5",
        "{'key': 'k', 'ts': 'soon', 'value': 1}             | unparseable timestamp 'soon'",
        "{'key': 'k', 'ts': -2208988800001, 'value': 1}     | timestamp out of range",
        "{'key': 'k', 'ts': 1467331200000000, 'value': 1}   | timestamp out of range",
        "{'key': 'k', 'ts': 99999999999999999999, 'value': 1} | timestamp out of range",
        "{'key': 'k', 'ts': '1850-01-01', 'value': 1}       | timestamp out of range",
        "{'key': 'k', 'ts': 0}                              | missing field 'value'",
        "{'key': 'k', 'ts': 0, 'value': '12.5'}             | field 'value' must be a number, got string",
        "{'key': 'k', 'ts': 0, 'value': null}               | field 'value' must be a number, got null",
        "{'key': 'k', 'ts': 0, 'value': [1]}                | field 'value' must be a number, got array",
        "{'key': 'k', 'ts': 0, 'value': 'NaN'}              | field 'value' is NaN",
        "{'key': 'k', 'ts': 0, 'value': '-Infinity'}        | field 'value' is -Infinity",
        "{'key': 'k', 'ts': 0, 'value': NaN}                | field 'value' is NaN",
        "{'key': 'k', 'ts': 0, 'value': Infinity}           | field 'value' is Infinity",
        "{'key': 'k', 'ts': 0, 'value': -Infinity}          | field 'value' is -Infinity",
        "{'key': 'k', 'ts': 0, 'value': 1e400}              | field 'value' is Infinity",
        "{'key': 'k', 'ts': 0, 'value': 1, 'features': 3}   | field 'features' must be an object of name to number, got number",
    })
    void everyBadPayloadIsRefusedWithASpecificReason(String payload, String reason) {
        refused(plain, payload, reason);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "{'key': 'k', 'ts': 0, 'value': 1}                                      | missing field 'features' (the model expects [temp, hour])",
        "{'key': 'k', 'ts': 0, 'value': 1, 'features': null}                    | missing field 'features'",
        "{'key': 'k', 'ts': 0, 'value': 1, 'features': [1, 2]}                  | field 'features' must be an object of name to number, got array",
        "{'key': 'k', 'ts': 0, 'value': 1, 'features': {'temp': 1}}             | missing feature 'hour' (the model expects [temp, hour])",
        "{'key': 'k', 'ts': 0, 'value': 1, 'features': {'temp': '1', 'hour': 2}} | feature 'temp' must be a number, got string",
        "{'key': 'k', 'ts': 0, 'value': 1, 'features': {'temp': 1, 'hour': null}} | feature 'hour' must be a number, got null",
        "{'key': 'k', 'ts': 0, 'value': 1, 'features': {'temp': NaN, 'hour': 2}} | feature 'temp' is NaN",
        "{'key': 'k', 'ts': 0, 'value': 1, 'features': {'temp': 1, 'hour': 'inf'}} | feature 'hour' is Infinity",
    })
    void expectedFeaturesMustAllBePresentAndFinite(String payload, String reason) {
        refused(withFeatures, payload, reason);
    }

    @Test
    void nullEmptyAndBlankPayloadsAreRefusedNotThrown() {
        refused(plain, null, "empty payload");
        refused(plain, "", "malformed JSON: empty payload");
        refused(plain, " \n ", "malformed JSON: empty payload");
    }

    @Test
    void malformedJsonReasonSaysWhere() {
        String reason = plain.decode(json("{'key': 'k',\n 'ts': 0, 'value': ?}")).reason();
        assertTrue(reason.contains("line 2"), reason);
    }

    @Test
    void arbitraryBytesAreRefusedNotThrown() {
        byte[] noise = new byte[256];
        new java.util.Random(7).nextBytes(noise);
        noise[0] = '{';
        String reason = plain.decode(noise).reason();
        assertTrue(reason.startsWith("invalid UTF-8 at byte "), reason);
    }

    @Test
    void bytesThatAreNotStrictUtf8AreRefusedWithTheirPositionEvenWhereJacksonWouldReadThem() {
        // ED A0 80 encodes the surrogate U+D800, which UTF-8 forbids and Jackson reads all the same
        byte[] surrogate = {'{', '"', 'k', 'e', 'y', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'};
        assertEquals("invalid UTF-8 at byte 9 of the record (0xED)", plain.decode(surrogate).reason());
        refused(plain, "{\"key\": \"a\\ud800\", \"ts\": 0, \"value\": 1}", "key has an unpaired surrogate");
        assertTrue(plain.decode(json("{'key': '\\ud834\\udd1e', 'ts': 0, 'value': 1}")).isOk(), "a pair is fine");
    }

    @Test
    void featureNamesMustBeDistinctAndNonEmpty() {
        assertThrows(IllegalArgumentException.class, () -> new ObservationCodec(List.of("a", "a")));
        assertThrows(IllegalArgumentException.class, () -> new ObservationCodec(List.of("")));
    }

    @Test
    void theCodecSurvivesJavaSerializationAsFlinkShipsIt() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(withFeatures);
        }
        ObservationCodec copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (ObservationCodec) in.readObject();
        }
        assertEquals(List.of("temp", "hour"), copy.featureNames());
        Observation o = new Observation("k", 1, 2, new double[] {3, 4});
        assertEquals(o, copy.decode(withFeatures.encode(o)).observation());
    }
}
