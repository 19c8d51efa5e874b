package dev.streamforecast.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.ModelJson;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ForecastFunctionTest {
    private static final ModelConfig MODEL = ModelConfig.builder().hidden(8).k1(4).k2(12).build();

    private static KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast> harness(
            JobSettings settings) throws Exception {
        return harness(settings, "hashmap");
    }

    /**
     * The operator on a state backend: "hashmap" keeps one model object per key across its three states;
     * "rocksdb" deserialises every part on every access, so each event reassembles the model.
     */
    private static KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast> harness(
            JobSettings settings, String backend) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new ForecastFunction(settings, ForecastTopology.DEAD_LETTERS,
                                ForecastTopology.MODELS)),
                        obs -> obs.key, Types.STRING);
        h.setStateBackend(backend.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend());
        // Any state or record falling back to Kryo fails loudly.
        ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
        return h;
    }

    private static JobSettings immediate() {
        return JobSettings.defaults(MODEL).withMaxOutOfOrderness(Duration.ZERO)
                .withIdleStateRetention(Duration.ZERO);
    }

    private static double value(String key, int t) {
        return (key.equals("a") ? 10 : -300) + Math.sin(0.3 * t + key.length());
    }

    /** What the model alone forecasts for one key's values, the reference for the operator. */
    private static List<Double> direct(String key, int n) {
        OnlineForecaster f = new OnlineForecaster(MODEL);
        SeriesState s = f.newState(key);
        Prediction p = new Prediction();
        List<Double> out = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            f.observe(s, value(key, t), null, p);
            out.add(p.forecast);
        }
        return out;
    }

    private static List<Double> forecastsOf(List<Forecast> out, String key) {
        return out.stream().filter(f -> f.key.equals(key)).map(f -> f.forecast).collect(Collectors.toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void emitsOneForecastPerEventEqualToTheModelAloneWithKeysIsolated(String backend) throws Exception {
        try (var h = harness(immediate(), backend)) {
            h.open();
            for (int t = 0; t < 60; t++) {
                h.processElement(new Observation("a", 1000L * t, value("a", t)), t);
                h.processElement(new Observation("bb", 1000L * t, value("bb", t)), t);
            }
            List<Forecast> out = h.extractOutputValues();
            assertEquals(120, out.size());
            assertEquals(direct("a", 60), forecastsOf(out, "a"));
            assertEquals(direct("bb", 60), forecastsOf(out, "bb"));
            Forecast last = out.get(out.size() - 1);
            assertEquals("bb", last.key);
            assertEquals(59_000L, last.ts);
            assertEquals(value("bb", 59), last.value);
            assertEquals(60, last.events);
            assertEquals(15, last.updates);
            assertEquals(MODEL.id(), last.modelId);
            assertTrue(last.lower < last.forecast && last.forecast < last.upper);
            if (backend.equals("hashmap")) {
                // the record, the weights and the moments of each key (RocksDB's harness cannot count)
                assertEquals(2 * ForecastFunction.STATES_PER_KEY, h.numKeyedStateEntries());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void forecastIsIdenticalAfterSnapshotAndRestore(String backend) throws Exception {
        OperatorSubtaskState snapshot;
        List<Forecast> uninterrupted;
        try (var h = harness(immediate(), backend)) {
            h.open();
            for (int t = 0; t < 40; t++) {
                h.processElement(new Observation("a", t, value("a", t)), t);
            }
            snapshot = h.snapshot(1L, 1L);
            for (int t = 40; t < 50; t++) {
                h.processElement(new Observation("a", t, value("a", t)), t);
            }
            uninterrupted = h.extractOutputValues().subList(40, 50);
        }
        try (var restored = harness(immediate(), backend)) {
            restored.initializeState(snapshot);
            restored.open();
            for (int t = 40; t < 50; t++) {
                restored.processElement(new Observation("a", t, value("a", t)), t);
            }
            List<Forecast> after = restored.extractOutputValues();
            assertEquals(uninterrupted, after);
        }
    }

    @Test
    void eachForecastCarriesItsEventsAnomalyScoreAsTheModelAloneScoresItFlaggedAtTheThreshold() throws Exception {
        double[] v = new double[400];
        for (int t = 0; t < v.length; t++) {
            v[t] = value("a", t) + (t == 350 ? 50 : 0);
        }
        for (double threshold : new double[] {0.5, 1.0}) {
            try (var h = harness(immediate().withAnomalyThreshold(threshold))) {
                h.open();
                for (int t = 0; t < v.length; t++) {
                    h.processElement(new Observation("a", 1000L * t, v[t]), t);
                }
                List<Forecast> out = h.extractOutputValues();
                OnlineForecaster f = new OnlineForecaster(MODEL);
                SeriesState s = f.newState("a");
                Prediction p = new Prediction();
                for (int t = 0; t < v.length; t++) {
                    f.observe(s, v[t], null, p);
                    assertEquals(p.anomaly, out.get(t).anomaly, "event " + t);
                    assertEquals(p.expected, out.get(t).expected, "event " + t);
                }
                assertEquals("warming-up", out.get(0).anomalyStatus);
                assertEquals(null, out.get(300).anomalyStatus);
                assertEquals(out.get(349).forecast, out.get(350).expected, "the forecast made for the event");
                assertEquals(threshold <= out.get(350).anomaly, out.get(350).anomalous, "threshold " + threshold);
                assertTrue(out.get(350).anomaly >= 0.5, "a spike of 50 on a sine scores " + out.get(350).anomaly);
                assertEquals(List.of(), out.subList(0, 350).stream().filter(x -> x.anomalous).map(x -> x.ts)
                        .collect(Collectors.toList()), "flagged before the spike");
            }
        }
    }

    private static List<DeadLetter> deadLetters(KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast> h) {
        var q = h.getSideOutput(ForecastTopology.DEAD_LETTERS);
        return q == null ? List.of() : q.stream().map(r -> r.getValue()).collect(Collectors.toList());
    }

    private static List<Long> times(List<Forecast> out) {
        return out.stream().map(f -> f.ts).collect(Collectors.toList());
    }

    @Test
    void reordersByTheKeysOwnClockAndRefusesLateAndRepeatedEventsWithTheirOriginalBytes() throws Exception {
        JobSettings settings = JobSettings.defaults(MODEL).withMaxOutOfOrderness(Duration.ofMillis(100))
                .withIdleStateRetention(Duration.ZERO);
        try (var h = harness(settings)) {
            h.open();
            h.processElement(new Observation("a", 1030, 3.0), 0);
            h.processElement(new Observation("a", 1010, 1.0), 0);
            h.processElement(new Observation("a", 1020, 2.0), 0);
            h.processElement(new Observation("a", 1020, 2.5).from("in-0@7", "{\"raw\":1}".getBytes()), 0);
            assertEquals(0, h.extractOutputValues().size(), "nothing is 100 ms behind the key's clock yet");
            h.processElement(new Observation("a", 1125, 4.0), 0);
            assertEquals(List.of(1010L, 1020L), times(h.extractOutputValues()));
            h.processElement(new Observation("a", 1015, 1.5).from("in-0@9", "1015 late".getBytes()), 0);
            h.processWatermark(Long.MAX_VALUE); // the end of a bounded input uses what waits
            assertEquals(List.of(1010L, 1020L, 1030L, 1125L), times(h.extractOutputValues()));
            assertEquals(List.of(1.0, 2.0, 3.0, 4.0),
                    h.extractOutputValues().stream().map(f -> f.value).collect(Collectors.toList()));
            List<DeadLetter> dead = deadLetters(h);
            assertEquals(List.of("duplicate", "late"), dead.stream().map(d -> d.kind).collect(Collectors.toList()));
            assertEquals("in-0@7", dead.get(0).origin);
            assertEquals("{\"raw\":1}", dead.get(0).payloadText());
            assertEquals("in-0@9", dead.get(1).origin);
            assertEquals("1015 late", dead.get(1).payloadText());
            assertTrue(dead.get(1).reason.contains("before the key's last used event 1020"), dead.get(1).reason);
        }
    }

    @Test
    void aSilentKeysWaitingEventsAreUsedAfterTheWaitInALiveJobButNotInAReplay() throws Exception {
        JobSettings live = JobSettings.defaults(MODEL).withMaxOutOfOrderness(Duration.ofSeconds(5))
                .withMaxWait(Duration.ofSeconds(2)).withIdleStateRetention(Duration.ZERO);
        for (JobSettings settings : List.of(live, live.forReplay())) {
            try (var h = harness(settings)) {
                h.open();
                h.setProcessingTime(1_000);
                h.processElement(new Observation("a", 3_600_000, 1.0), 0);
                h.processElement(new Observation("a", 3_601_000, 1.0), 0);
                // stamped with its own time, as a file's events are: nothing vetted it, so it is held
                h.processElement(new Observation("c", 3_600_000, 1.0), 3_600_000);
                h.setProcessingTime(2_500);
                h.processElement(new Observation("b", 7_200_000, 1.0), 0);
                h.processElement(new Observation("b", 7_201_000, 1.0), 0);
                h.setProcessingTime(3_100);
                assertEquals(settings.replay ? List.of() : List.of(3_600_000L, 3_601_000L),
                        times(h.extractOutputValues()), "key a has been silent for 2.1 s, b for 0.6 s");
                h.setProcessingTime(10_000);
                assertEquals(settings.replay ? List.of() : List.of(3_600_000L, 3_601_000L, 7_200_000L, 7_201_000L),
                        times(h.extractOutputValues()), "c's only event is held: silence decides nothing about it");
                h.processWatermark(Long.MAX_VALUE);
                assertEquals(5, h.extractOutputValues().size(), "the end of the input uses every event");
            }
        }
    }

    @Test
    void idleKeysLoseTheirStateAfterTheRetentionInWallClockTime() throws Exception {
        JobSettings settings = JobSettings.defaults(MODEL).withMaxOutOfOrderness(Duration.ZERO)
                .withIdleStateRetention(Duration.ofMillis(1000));
        try (var h = harness(settings)) {
            h.open();
            h.setProcessingTime(100);
            h.processElement(new Observation("a", 1_000_000, 1.0), 0);
            h.processElement(new Observation("b", 5, 1.0), 0); // clocks far apart change nothing
            h.setProcessingTime(700);
            h.processElement(new Observation("b", 6, 2.0), 0);
            h.setProcessingTime(1_150);
            assertEquals(STATES, h.numKeyedStateEntries(), "only b remains");
            h.setProcessingTime(1_800);
            assertEquals(0, h.numKeyedStateEntries());
            // a key that comes back starts afresh
            h.processElement(new Observation("a", 2_000_000, 1.0), 0);
            Forecast last = h.extractOutputValues().get(h.extractOutputValues().size() - 1);
            assertEquals(1, last.events);
        }
    }

    /** The record, the weights and the moments of one key. */
    private static final int STATES = ForecastFunction.STATES_PER_KEY;

    @Test
    void aRefusedEventsPayloadIsCutToTheCapWithItsSizeNoted() throws Exception {
        try (var h = harness(immediate().withMaxPayloadBytes(1000))) {
            h.open();
            h.processElement(new Observation("a", 10, 1.0), 0);
            h.processElement(new Observation("a", 20, 1.0), 0);
            byte[] big = new byte[100_000];
            java.util.Arrays.fill(big, (byte) 'x');
            h.processElement(new Observation("a", 5, 1.0).from("in-3@4", big), 0);
            DeadLetter d = deadLetters(h).get(0);
            assertEquals("late", d.kind);
            assertEquals(1000, d.payload.length);
            assertEquals(100_000, d.payloadBytes);
        }
    }

    @Test
    void anEventTheModelCannotTakeIsRefusedAsValidJsonWithoutTouchingTheKey() throws Exception {
        try (var h = harness(immediate())) {
            h.open();
            h.processElement(new Observation("k\\ \"q\"\u0001", 5, 1.0, new double[] {2.0}), 0);
            assertEquals(0, h.numKeyedStateEntries());
            DeadLetter d = deadLetters(h).get(0);
            assertEquals("refused", d.kind);
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(d.payload);
            assertEquals("k\\ \"q\"\u0001", json.get("key").asText());
            assertEquals(5, json.get("ts").asLong());
        }
    }

    @Test
    void newKeysStartFromTheWarmStartModel() throws Exception {
        OnlineForecaster f = new OnlineForecaster(MODEL);
        SeriesState trained = f.newState("history");
        Prediction p = new Prediction();
        for (int t = 0; t < 300; t++) {
            f.observe(trained, value("a", t), null, p);
        }
        String json = ModelJson.write(MODEL, trained, "history");
        try (var h = harness(immediate().withWarmStart(json))) {
            h.open();
            h.processElement(new Observation("new", 0, value("a", 0)), 0);
            assertEquals(0, h.extractOutputValues().size(), "a key's first event waits for its second");
            h.processElement(new Observation("new", 1000, value("a", 1)), 0);
            SeriesState expected = f.newState(trained);
            f.observe(expected, value("a", 0), null, p);
            assertEquals(p.forecast, h.extractOutputValues().get(0).forecast);
        }
    }

    private static final long T0 = 1_700_000_000_000L; // 2023-11-14T22:13:20Z
    private static final long HOUR = 3_600_000L;
    private static final long Y2150 = 5_680_281_600_000L;

    /** Hourly events of keys a and bb, and of c, whose series starts with one event in 2150 when {@code bad}. */
    private static List<Observation> hourly(boolean bad) {
        List<Observation> out = new ArrayList<>();
        if (bad) {
            out.add(new Observation("c", Y2150, 7.0).from("in-0@1", "c's first".getBytes()));
        }
        for (int t = 0; t < 50; t++) {
            for (String key : List.of("a", "bb", "c")) {
                out.add(new Observation(key, T0 + t * HOUR, value(key, t)));
            }
            if (bad && t == 20) {
                out.add(new Observation("a", Y2150, 1e6).from("in-0@99", "{\"ts\":\"2150\"}".getBytes()));
            }
        }
        return out;
    }

    private static List<String> run(JobSettings settings, List<Observation> events, List<DeadLetter> dead)
            throws Exception {
        try (var h = harness(settings)) {
            h.open();
            for (Observation o : events) {
                h.processElement(o, 0);
            }
            h.processWatermark(Long.MAX_VALUE);
            dead.addAll(deadLetters(h));
            return h.extractOutputValues().stream().map(f -> f.key + " " + f.ts + " " + f.forecast + " " + f.events)
                    .sorted().collect(Collectors.toList());
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 5_000})
    void aTimeFarBeyondItsKeysClockIsRefusedAsFutureAndEveryKeyForecastsAsIfItHadNeverCome(long bound)
            throws Exception {
        JobSettings settings = JobSettings.defaults(MODEL).withMaxOutOfOrderness(Duration.ofMillis(bound))
                .withIdleStateRetention(Duration.ZERO).forReplay();
        List<DeadLetter> none = new ArrayList<>();
        List<String> clean = run(settings, hourly(false), none);
        assertEquals(List.of(), none);
        List<DeadLetter> dead = new ArrayList<>();
        List<String> hostile = run(settings, hourly(true), dead);
        assertEquals(150, hostile.size());
        assertEquals(clean, hostile, "bit-identical forecasts for every key, c and a included");
        assertEquals(List.of("future", "future"), dead.stream().map(d -> d.kind).collect(Collectors.toList()));
        DeadLetter first = dead.stream().filter(d -> d.origin.equals("in-0@1")).findFirst().get();
        assertEquals("event time 2150-01-01T00:00:00Z is more than events.max-future = 1d after the key's next event "
                + "2023-11-14T22:13:20Z (it was the key's first event)", first.reason);
        assertEquals("c's first", first.payloadText());
        DeadLetter jump = dead.stream().filter(d -> d.origin.equals("in-0@99")).findFirst().get();
        assertEquals("event time 2150-01-01T00:00:00Z is more than events.max-future = 1d after the key's newest "
                + "event time 2023-11-15T18:13:20Z, and the key's next event, at 2023-11-15T19:13:20Z, did not follow "
                + "it", jump.reason);
        assertEquals("{\"ts\":\"2150\"}", jump.payloadText(), "the held event kept its original bytes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aHeldEventWithItsBytesSurvivesARestoreAndTheKeysNextEventDecidesIt(String backend) throws Exception {
        JobSettings settings = immediate();
        OperatorSubtaskState snapshot;
        try (var h = harness(settings, backend)) {
            h.open();
            for (int t = 0; t < 10; t++) {
                h.processElement(new Observation("a", T0 + t * HOUR, value("a", t)), 0);
            }
            h.processElement(new Observation("a", Y2150, 1.0).from("in-1@5", "held".getBytes()), 0);
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(settings, backend)) {
            h.initializeState(snapshot);
            h.open();
            h.processElement(new Observation("a", Y2150, 1.0), 0);
            h.processElement(new Observation("a", T0 + 10 * HOUR, value("a", 10)), 0);
            List<DeadLetter> dead = deadLetters(h);
            assertEquals(List.of("duplicate", "future"), dead.stream().map(d -> d.kind).collect(Collectors.toList()));
            assertEquals("held", dead.get(1).payloadText());
            assertEquals("in-1@5", dead.get(1).origin);
            Forecast f = h.extractOutputValues().get(0);
            assertEquals(T0 + 10 * HOUR, f.ts);
            assertEquals(11, f.events, "the key continues its model");
            assertEquals(direct("a", 11).get(10), f.forecast);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aKeysFirstEventAndWeeklyEventsItsKafkaTimestampsVettedAreForecastOnArrival(String backend) throws Exception {
        try (var h = harness(JobSettings.defaults(MODEL).withMaxOutOfOrderness(Duration.ZERO), backend)) {
            h.open();
            for (int i = 0; i < 6; i++) {
                long t = T0 + i * 7 * 24 * HOUR;
                // the element's timestamp is its Kafka record's, a second after the event's time
                h.processElement(new Observation("weekly", t, value("a", i)), t + 1_000);
                assertEquals(i + 1, h.extractOutputValues().size(), "event " + i + " forecast on arrival");
            }
            // a file's event carries its own time: nothing vetted it, so the key's first waits for its second
            h.processElement(new Observation("file", T0, 1.0), T0);
            assertEquals(6, h.extractOutputValues().size());
            h.processElement(new Observation("file", T0 + HOUR, 1.0), T0 + HOUR);
            assertEquals(8, h.extractOutputValues().size());
            assertEquals(List.of(), deadLetters(h));
        }
    }
}
