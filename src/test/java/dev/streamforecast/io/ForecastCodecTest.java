package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamforecast.event.Forecast;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ForecastCodecTest {

    private static final long JULY_1_2016 = Instant.parse("2016-07-01T00:00:00Z").toEpochMilli();

    private static Forecast roundTrip(Forecast f) {
        return ForecastCodec.decode(ForecastCodec.encode(f));
    }

    private static void assertSameBits(double expected, double actual) {
        assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual),
                () -> expected + " came back as " + actual);
    }

    private static void assertBitExactRoundTrip(Forecast f) {
        Forecast back = roundTrip(f);
        assertEquals(f, back);
        assertSameBits(f.value, back.value);
        assertSameBits(f.forecast, back.forecast);
        assertSameBits(f.lower, back.lower);
        assertSameBits(f.upper, back.upper);
    }

    @Test
    void writesTheDocumentedFieldsWithAnIsoAndAnEpochTimestamp() throws Exception {
        Forecast f = new Forecast("meter-7", JULY_1_2016 + 250, 12.5, 13.25, 11.0, 15.5, 42, 40, "lstm-1a2b");
        f.anomalyStatus = "warming-up";
        JsonNode n = new ObjectMapper().readTree(ForecastCodec.encode(f));
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("key", "ts", "ts_ms", "value", "forecast", "lower", "upper", "events", "updates",
                "model", "anomaly", "anomalous", "anomaly_status"), names);
        assertEquals("warming-up", n.get("anomaly_status").textValue());
        assertEquals("meter-7", n.get("key").textValue());
        assertEquals("2016-07-01T00:00:00.250Z", n.get("ts").textValue());
        assertEquals(JULY_1_2016 + 250, n.get("ts_ms").longValue());
        assertEquals(13.25, n.get("forecast").doubleValue());
        assertEquals(42, n.get("events").longValue());
        assertEquals("lstm-1a2b", n.get("model").textValue());
    }

    @Test
    void anAnomalyScoreAndItsFlagRoundTripAndAScoredEventHasNoStatus() throws Exception {
        Forecast f = new Forecast("meter-7", JULY_1_2016, 12.5, 13.25, 11.0, 15.5, 420, 52, "lstm-1a2b");
        f.anomaly = 0.6180339887498949;
        f.anomalous = true;
        assertBitExactRoundTrip(f);
        JsonNode n = new ObjectMapper().readTree(ForecastCodec.encode(f));
        assertEquals(0.6180339887498949, n.get("anomaly").doubleValue());
        assertTrue(n.get("anomalous").booleanValue());
        assertTrue(!n.has("anomaly_status"), n.toString());
        f.anomaly = 0;
        f.anomalous = false;
        f.anomalyStatus = "reset";
        assertBitExactRoundTrip(f);
        // a record written before scores reads as an unflagged 0
        Forecast old = ForecastCodec.decode(("{\"key\":\"k\",\"ts_ms\":0,\"value\":1,\"forecast\":1,\"lower\":0,"
                + "\"upper\":2,\"events\":1,\"updates\":0,\"model\":\"m\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(0.0, old.anomaly);
        assertTrue(!old.anomalous && old.anomalyStatus == null);
    }

    @Test
    void negativeZeroSurvives() {
        assertBitExactRoundTrip(new Forecast("k", 0, -0.0, 0.0, -0.0, 0.0, 1, 0, "m"));
    }

    @Test
    void extremeMagnitudesSurvive() {
        assertBitExactRoundTrip(new Forecast("k", 1, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL,
                Double.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, "m"));
        assertBitExactRoundTrip(new Forecast("k", 1, -Double.MAX_VALUE, 1e-310, 123456789.12345678,
                Math.nextUp(1.0), 0, 0, "m"));
        assertBitExactRoundTrip(new Forecast("k", 1, 0.1 + 0.2, Math.PI, -Math.E, 1.0 / 3, 0, 0, "m"));
    }

    @Test
    void nonFiniteValuesAreWrittenAsStringsAndSurvive() {
        Forecast f = new Forecast("k", 2, 1.0, Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY,
                1, 0, "m");
        String json = new String(ForecastCodec.encode(f), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"forecast\":\"NaN\""), json);
        assertTrue(json.contains("\"lower\":\"-Infinity\""), json);
        assertBitExactRoundTrip(f);
    }

    @Test
    void randomBitPatternsSurvive() {
        Random random = new Random(20160701);
        for (int i = 0; i < 20_000; i++) {
            double a = Double.longBitsToDouble(random.nextLong());
            double b = Double.longBitsToDouble(random.nextLong());
            if (Double.isNaN(a) || Double.isNaN(b)) {
                continue; // JSON has one NaN; its payload bits are not part of a forecast's meaning
            }
            assertBitExactRoundTrip(new Forecast("k", random.nextLong(), a, b, random.nextGaussian(),
                    random.nextDouble() * 1e-300, random.nextLong(), random.nextLong(), "m"));
        }
    }

    @Test
    void nullModelAndUnicodeKeysSurvive() {
        assertBitExactRoundTrip(new Forecast("ключ \"q\" \\ \u0001", 3, 1, 2, 0, 4, 5, 6, null));
    }

    @Test
    void decodeNamesWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ForecastCodec.decode("{\"key\":\"k\"}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("missing field 'ts_ms'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ForecastCodec.decode("{".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
    }

    @Test
    void stepsCarryEachTargetsExpectedTimeInTheRecordsFormAndRoundTripBitExact() throws Exception {
        Forecast f = new Forecast("k", JULY_1_2016, 1.5, 1.6, 1.0, 2.2, 10, 2, "m");
        f.cadence = 300_000;
        f.stepForecasts = new double[] {1.6, -0.0, 1e-300};
        f.stepLowers = new double[] {1.0, -1.0, -2.0};
        f.stepUppers = new double[] {2.2, 1.0, 2.0};
        assertBitExactRoundTrip(f);
        JsonNode steps = new ObjectMapper().readTree(ForecastCodec.encode(f)).get("steps");
        assertEquals(3, steps.size());
        for (int h = 1; h <= 3; h++) {
            assertEquals(h, steps.get(h - 1).get("h").asInt());
            assertEquals(Instant.ofEpochMilli(JULY_1_2016 + h * 300_000L).toString(),
                    steps.get(h - 1).get("ts").textValue());
            assertEquals(JULY_1_2016 + h * 300_000L, steps.get(h - 1).get("ts_ms").longValue());
        }
        assertEquals(1.6, steps.get(0).get("forecast").asDouble());
        Forecast back = roundTrip(f);
        assertSameBits(-0.0, back.stepForecasts[1]);
    }

    @Test
    void withoutARegularCadenceAStepsTimeIsNullAndWithOneStepThereAreNoSteps() throws Exception {
        Forecast f = new Forecast("k", JULY_1_2016, 1.5, 1.6, 1.0, 2.2, 10, 2, "m");
        assertTrue(new ObjectMapper().readTree(ForecastCodec.encode(f)).get("steps") == null);
        f.stepForecasts = new double[] {1.6, 1.7};
        f.stepLowers = new double[] {1.0, 0.9};
        f.stepUppers = new double[] {2.2, 2.5};
        JsonNode steps = new ObjectMapper().readTree(ForecastCodec.encode(f)).get("steps");
        for (JsonNode step : steps) {
            assertTrue(step.get("ts").isNull() && step.get("ts_ms").isNull(), step.toString());
        }
        assertEquals(f, roundTrip(f));
    }

    @Test
    void aForecastWithoutAnIntervalHasNullBoundsAndReadsBackAsNaN() throws Exception {
        Forecast f = new Forecast("k", JULY_1_2016, 1.5, 1.5, Double.NaN, Double.NaN, 1, 0, "m");
        f.cadence = 60_000;
        f.stepForecasts = new double[] {1.5, 1.5};
        f.stepLowers = new double[] {Double.NaN, 1.0};
        f.stepUppers = new double[] {Double.NaN, 2.0};
        JsonNode n = new ObjectMapper().readTree(ForecastCodec.encode(f));
        assertTrue(n.get("lower").isNull() && n.get("upper").isNull(), n.toString());
        assertTrue(n.at("/steps/0/lower").isNull() && n.at("/steps/0/upper").isNull(), n.toString());
        assertEquals(1.0, n.at("/steps/1/lower").doubleValue());
        assertBitExactRoundTrip(f);
    }
}
