package dev.streamforecast.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.ModelScope;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import dev.streamforecast.testutil.Fixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What survives a snapshot and a restore, in either scope: waiting events, timers, models (a key's own, or
 * the network its operator instance shares with the hidden state of each key); and what a restore
 * refuses. What only a shared network has (replicas merged on rescale) is in {@link SharedForecastStateTest}.
 */
class ForecastStateTest {
    private static final ModelConfig MODEL = ModelConfig.builder().hidden(8).k1(4).k2(12).linearOrder(6).build();

    private static KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast> harness(
            JobSettings settings, String backend) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast>(
                new KeyedProcessOperator<>(new ForecastFunction(settings, ForecastTopology.DEAD_LETTERS,
                        ForecastTopology.MODELS)), obs -> obs.key, Types.STRING);
        h.setStateBackend(backend.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend());
        ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
        return h;
    }

    /** The live job's defaults on a small model: 5 s of reordering, 2 s of wall-clock wait, expiry after an hour. */
    private static JobSettings live(ModelConfig model) {
        return JobSettings.defaults(model).withMaxWait(Duration.ofSeconds(2)).withIdleStateRetention(Duration.ofHours(1));
    }

    /** Event {@code i} of three keys, a second apart, every fifth pair swapped, and a late one now and then. */
    private static List<Observation> events(int from, int to) {
        List<Observation> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            int t = i % 5 == 0 ? i + 1 : i % 5 == 1 ? i - 1 : i;
            for (String key : List.of("a", "b", "c\\\"")) {
                out.add(new Observation(key, 1_700_000_000_000L + 1000L * t + key.length(),
                        key.length() * 10 + Math.sin(t / 7.0)));
            }
            if (i % 17 == 0) {
                out.add(new Observation("a", 1_700_000_000_000L + 1000L * (t - 9), -1));
            }
        }
        return out;
    }

    private static void feed(KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast> h,
            List<Observation> events, long wallStart) throws Exception {
        long wall = wallStart;
        for (Observation o : events) {
            h.setProcessingTime(wall += 20);
            h.processElement(new Observation(o.key, o.ts, o.value), 0);
        }
    }

    private static List<String> outputs(KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast> h) {
        List<String> out = h.extractOutputValues().stream()
                .map(f -> f.key + " " + f.ts + " " + f.forecast + " " + f.events).collect(Collectors.toList());
        var dead = h.getSideOutput(ForecastTopology.DEAD_LETTERS);
        if (dead != null) {
            dead.forEach(r -> out.add(r.getValue().kind + " " + r.getValue().payloadText()));
        }
        return out;
    }

    private static ModelConfig in(ModelScope scope, ModelConfig model) {
        return model.toBuilder().scope(scope).build();
    }

    /**
     * In key scope, where a key's forecasts are its own events' doing, even the wall-clock release of a
     * silent key's waiting events survives exactly. (In shared scope the keys' events teach one network in
     * the order they are used, and when a silent key's events are used depends on the wall clock, in any
     * live job: a shared network continues exactly where the events' order does, below.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void waitingEventsTimersAndModelsSurviveARestoreExactly(String backend) throws Exception {
        List<String> uninterrupted;
        OperatorSubtaskState snapshot;
        List<String> beforeSnapshot;
        ModelConfig model = MODEL;
        try (var h = harness(live(model), backend)) {
            h.open();
            feed(h, events(0, 40), 0);
            beforeSnapshot = outputs(h);
            snapshot = h.snapshot(1, 1);
            feed(h, events(40, 70), 10_000);
            h.setProcessingTime(60_000); // every key silent: its waiting events are used
            uninterrupted = outputs(h);
        }
        assertTrue(uninterrupted.size() > beforeSnapshot.size() + 80);
        try (var h = harness(live(model), backend)) {
            h.initializeState(snapshot);
            h.open();
            feed(h, events(40, 70), 10_000);
            h.setProcessingTime(60_000);
            List<String> restored = new ArrayList<>(beforeSnapshot);
            restored.addAll(outputs(h));
            assertEquals(sorted(uninterrupted), sorted(restored));
        }
    }

    private static List<String> sorted(List<String> lines) {
        List<String> s = new ArrayList<>(lines);
        s.sort(null);
        return s;
    }

    private static OperatorSubtaskState stateAfter(JobSettings settings, int n) throws Exception {
        try (var h = harness(settings, "hashmap")) {
            h.open();
            feed(h, events(0, n), 0);
            return h.snapshot(1, 1);
        }
    }

    /**
     * Steps ahead, their intervals and the network, in either scope: waiting events are used as their keys'
     * clocks pass them (no key is silent for long enough to be released by the wall clock), so the events
     * are used in the same order in the uninterrupted run and the restored one.
     */
    @ParameterizedTest(name = "model.scope={0}")
    @EnumSource(ModelScope.class)
    void everyStepsForecastAndIntervalSurviveARestoreExactly(ModelScope scope) throws Exception {
        ModelConfig steps = in(scope, MODEL.toBuilder().horizon(6).build());
        JobSettings settings = live(steps).withMaxWait(Duration.ofHours(1));
        List<Forecast> uninterrupted;
        OperatorSubtaskState snapshot;
        int before;
        try (var h = harness(settings, "rocksdb")) {
            h.open();
            feed(h, events(0, 40), 0);
            before = h.extractOutputValues().size();
            snapshot = h.snapshot(1, 1);
            feed(h, events(40, 70), 10_000);
            h.setProcessingTime(60_000);
            uninterrupted = h.extractOutputValues();
        }
        List<Forecast> restored;
        try (var h = harness(settings, "rocksdb")) {
            h.initializeState(snapshot);
            h.open();
            feed(h, events(40, 70), 10_000);
            h.setProcessingTime(60_000);
            restored = h.extractOutputValues();
        }
        List<Forecast> after = uninterrupted.subList(before, uninterrupted.size());
        assertEquals(after.size(), restored.size());
        assertTrue(after.size() > 80, after.size() + " forecasts after the restore");
        for (Forecast f : after) {
            assertEquals(6, f.horizon());
            assertTrue(f.stepLowers[5] < f.stepForecasts[5] && f.stepForecasts[5] < f.stepUppers[5], f.toString());
        }
        assertEquals(sortedText(after), sortedText(restored));
    }

    private static List<String> sortedText(List<Forecast> fs) {
        return sorted(fs.stream().map(f -> f + " " + java.util.Arrays.toString(f.stepLowers) + " "
                + java.util.Arrays.toString(f.stepUppers)).collect(Collectors.toList()));
    }

    @ParameterizedTest(name = "model.scope={0}")
    @EnumSource(ModelScope.class)
    void aRestoreUnderAnotherHorizonFailsNamingIt(ModelScope scope) throws Exception {
        OperatorSubtaskState snapshot = stateAfter(live(in(scope, MODEL)), 30);
        try (var h = harness(live(in(scope, MODEL.toBuilder().horizon(6).build())), "hashmap")) {
            // a key's record is refused as the job opens; a shared network as its state is initialised
            Exception e = assertThrows(Exception.class, () -> {
                h.initializeState(snapshot);
                h.open();
            });
            String message = ExceptionUtils.stringifyException(e);
            assertTrue(message.contains("forecast.horizon: 1 -> 6"), message);
        }
    }

    @Test
    void aRestoreUnderOtherShapingSettingsFailsAtStartNamingEachChange() throws Exception {
        OperatorSubtaskState snapshot = stateAfter(live(MODEL), 30);
        ModelConfig other = MODEL.toBuilder().hidden(6).k2(10).build();
        try (var h = harness(live(other), "hashmap")) {
            h.initializeState(snapshot);
            Exception e = assertThrows(Exception.class, h::open);
            String message = ExceptionUtils.stringifyException(e);
            assertTrue(message.contains("model.hidden: 8 -> 6"), message);
            assertTrue(message.contains("train.k2: 12 -> 10"), message);
            assertTrue(message.contains("model.on-shape-change=reset"), message);
            assertTrue(ExceptionUtils.findThrowable(e,
                    org.apache.flink.runtime.execution.SuppressRestartsException.class).isPresent(),
                    "no restart could succeed, so none is attempted");
        }
    }

    @Test
    void onShapeChangeResetStartsSuchKeysAfresh() throws Exception {
        OperatorSubtaskState snapshot = stateAfter(live(MODEL), 30);
        ModelConfig other = MODEL.toBuilder().hidden(6).build();
        try (var h = harness(live(other).withOnShapeChange(JobSettings.ShapeChange.RESET), "hashmap")) {
            h.initializeState(snapshot);
            h.open();
            h.setProcessingTime(100_000);
            h.processElement(new Observation("b", 1_700_000_100_000L, 5.0), 0);
            h.setProcessingTime(200_000);
            // b's events that waited at the snapshot come first, then the new one: all from a fresh model
            List<Forecast> b = h.extractOutputValues().stream().filter(x -> x.key.equals("b"))
                    .collect(Collectors.toList());
            OnlineForecaster fresh = new OnlineForecaster(other);
            SeriesState s = fresh.newState("b");
            Prediction p = new Prediction();
            for (int i = 0; i < b.size(); i++) {
                fresh.observe(s, b.get(i).value, null, p);
                assertEquals(i + 1, b.get(i).events, "b starts afresh");
                assertEquals(p.forecast, b.get(i).forecast);
            }
            assertEquals(1_700_000_100_000L, b.get(b.size() - 1).ts);
        }
    }

    @Test
    void settingsThatDoNotShapeStateMayChangeAcrossARestore() throws Exception {
        OperatorSubtaskState snapshot = stateAfter(live(MODEL), 30);
        ModelConfig other = MODEL.toBuilder().learningRate(1e-4).clipNorm(0.5).build();
        try (var h = harness(live(other), "hashmap")) {
            h.initializeState(snapshot);
            h.open();
            h.setProcessingTime(100_000);
            h.processElement(new Observation("b", 1_700_000_100_000L, 5.0), 0);
            h.setProcessingTime(200_000);
            Forecast f = h.extractOutputValues().stream().filter(x -> x.key.equals("b")).reduce((x, y) -> y).get();
            assertEquals(31, f.events, "b continues its model");
        }
    }

    /**
     * A snapshot of the forecasting operator written by the state format of schema 2 (before key
     * clocks and shapes were recorded), with the default model, 5 s of reordering and 7 days of idle
     * expiry, holding three keys ({@code sensor-a}, {@code price-b} and {@code pump\7 "north"}), each
     * with 54-55 events used and 5-6 waiting behind the watermark with their timers, after events a
     * second apart from 2024-01-01T00:00:00Z. It must restore into every later build: a change that
     * breaks it breaks users' savepoints.
     */
    @Test
    void aSavepointOfSchemaTwoRestoresAndEveryKeyContinues() throws Exception {
        Path file = Path.of(getClass().getResource("/savepoints/forecast-operator-v2.snapshot").toURI());
        OperatorSubtaskState snapshot = OperatorSnapshotUtil.readStateHandle(file.toString());
        ModelConfig defaults = ModelConfig.builder().build();
        long start = 1_704_067_200_000L;
        String[] keys = {"sensor-a", "price-b", "pump\\7 \"north\""};
        try (var h = harness(JobSettings.defaults(defaults), "hashmap")) {
            h.initializeState(snapshot);
            h.open();
            for (int t = 60; t < 70; t++) {
                for (int k = 0; k < keys.length; k++) {
                    h.processElement(new Observation(keys[k], start + 1000L * t + k, 1 + k), 0);
                }
            }
            h.processWatermark(Long.MAX_VALUE);
            var dead = h.getSideOutput(ForecastTopology.DEAD_LETTERS);
            assertEquals(null, dead, () -> "no dead letters: " + dead);
            for (int k = 0; k < keys.length; k++) {
                String key = keys[k];
                List<Forecast> out = h.extractOutputValues().stream().filter(f -> f.key.equals(key))
                        .collect(Collectors.toList());
                int waiting = k == 0 ? 5 : 6;
                assertEquals(waiting + 10, out.size(), key);
                for (int i = 0; i < out.size(); i++) {
                    Forecast f = out.get(i);
                    assertEquals(start + 1000L * (60 - waiting + i) + k, f.ts, key + " in time order");
                    assertEquals(60 - waiting + i + 1, f.events, key + " continues its model");
                    assertTrue(Double.isFinite(f.forecast) && f.lower < f.forecast && f.forecast < f.upper, key);
                }
            }
        }
    }

    @Test
    void deadLettersOfARestoredJobKeepTheirPayloads() throws Exception {
        OperatorSubtaskState snapshot = stateAfter(live(MODEL), 10);
        try (var h = harness(live(MODEL), "hashmap")) {
            h.initializeState(snapshot);
            h.open();
            h.processElement(new Observation("a", 1_000, 1).from("obs-1@5", "late bytes".getBytes()), 0);
            DeadLetter d = h.getSideOutput(ForecastTopology.DEAD_LETTERS).peek().getValue();
            assertEquals("late", d.kind);
            assertEquals("obs-1@5", d.origin);
            assertEquals("late bytes", d.payloadText());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aKeyWhoseModelDivergesStartsAfreshWhileItsNeighbourIsUntouchedAndBothSurviveARestore(String backend)
            throws Exception {
        // plain SGD, a large step, no clipping: the weights of a swinging series blow up within a few updates
        ModelConfig runaway = MODEL.toBuilder().optimizer(dev.streamforecast.model.OptimizerType.SGD)
                .learningRate(2).clipNorm(0).build();
        JobSettings settings = JobSettings.defaults(runaway).withMaxOutOfOrderness(Duration.ZERO)
                .withIdleStateRetention(Duration.ZERO);
        List<Observation> events = new ArrayList<>();
        for (int t = 0; t < 400; t++) {
            events.add(new Observation("wild", t, 100 * Math.sin(0.3 * t) + t % 17));
            events.add(new Observation("calm", t, 1));
        }
        List<Forecast> uninterrupted;
        OperatorSubtaskState snapshot = null;
        try (var h = harness(settings, backend)) {
            h.open();
            for (int i = 0; i < events.size(); i++) {
                h.processElement(events.get(i), 0);
                if (i == 399) {
                    snapshot = h.snapshot(1, 1);
                }
            }
            uninterrupted = h.extractOutputValues();
        }
        List<Forecast> wild = uninterrupted.stream().filter(f -> f.key.equals("wild")).collect(Collectors.toList());
        assertTrue(wild.stream().allMatch(f -> Double.isFinite(f.forecast) && Fixtures.intervalOrNone(f.lower, f.upper)),
                "every forecast finite, every interval finite or none");
        long restarts = 0;
        for (int i = 1; i < wild.size(); i++) {
            restarts += wild.get(i).events <= wild.get(i - 1).events ? 1 : 0;
        }
        assertTrue(restarts >= 1, restarts + " restarts: the key's event count starts again at each");
        OnlineForecaster alone = new OnlineForecaster(runaway);
        SeriesState calm = alone.newState("calm");
        Prediction p = new Prediction();
        List<Forecast> calmOut = uninterrupted.stream().filter(f -> f.key.equals("calm")).collect(Collectors.toList());
        for (int t = 0; t < 400; t++) {
            alone.observe(calm, 1, null, p);
            assertEquals(p.forecast, calmOut.get(t).forecast, "the neighbour's forecasts are its own");
        }
        try (var h = harness(settings, backend)) {
            h.initializeState(snapshot);
            h.open();
            for (int i = 400; i < events.size(); i++) {
                h.processElement(events.get(i), 0);
            }
            assertEquals(uninterrupted.subList(uninterrupted.size() - h.extractOutputValues().size(),
                    uninterrupted.size()), h.extractOutputValues());
            assertEquals(events.size() - 400, h.extractOutputValues().size());
        }
    }
}
