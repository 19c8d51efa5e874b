package dev.streamforecast.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.ModelScope;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.SharedNetwork;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shared-scope operator in Flink's test harness: its output, one keyed state per key, the network in
 * operator state through snapshot and restore, the union of replicas redistributed on rescale (2 -> 1
 * merges, 1 -> 2 hands every instance the same network), and the restores it refuses.
 */
class SharedForecastStateTest {
    private static final ModelConfig MODEL = ModelConfig.builder().hidden(8).k1(4).k2(12).linearOrder(6)
            .scope(ModelScope.SHARED).set(ModelConfig.BATCH, 4).set(ModelConfig.SHARED_BUDGET, 1000).build();
    private static final int MAX_PARALLELISM = 128;

    /** A harness of the operator and the function inside it, subtask {@code index} of {@code parallelism}. */
    private record Harness(KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast> h,
            ForecastFunction function) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            h.close();
        }

        SharedNetwork network() {
            return function.network();
        }
    }

    private static Harness harness(JobSettings settings, String backend, int parallelism, int index)
            throws Exception {
        ForecastFunction f = new ForecastFunction(settings, ForecastTopology.DEAD_LETTERS, ForecastTopology.MODELS);
        var h = new KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast>(
                new KeyedProcessOperator<>(f), obs -> obs.key, Types.STRING, MAX_PARALLELISM, parallelism, index);
        h.setStateBackend(backend.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend());
        // Any state or record falling back to Kryo fails loudly.
        ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
        return new Harness(h, f);
    }

    private static Harness harness(JobSettings settings, String backend) throws Exception {
        return harness(settings, backend, 1, 0);
    }

    private static JobSettings immediate(ModelConfig model) {
        return JobSettings.defaults(model).withMaxOutOfOrderness(Duration.ZERO).withIdleStateRetention(Duration.ZERO);
    }

    /** The live job's defaults: 5 s of reordering, 2 s of wall-clock wait, expiry after an hour. */
    private static JobSettings live(ModelConfig model) {
        return JobSettings.defaults(model).withMaxWait(Duration.ofSeconds(2)).withIdleStateRetention(Duration.ofHours(1));
    }

    private static double value(String key, int t) {
        return key.length() * 10 + Math.sin(0.3 * t + key.length());
    }

    /** Events of {@code keys} a second apart from step {@code from} to {@code to}, in order. */
    private static List<Observation> events(List<String> keys, int from, int to) {
        return events(keys, from, to, false);
    }

    /** {@link #events(List, int, int)}, every fifth pair swapped when {@code disordered}. */
    private static List<Observation> events(List<String> keys, int from, int to, boolean disordered) {
        List<Observation> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            int t = !disordered ? i : i % 5 == 0 ? i + 1 : i % 5 == 1 ? i - 1 : i;
            for (String key : keys) {
                out.add(new Observation(key, 1_700_000_000_000L + 1000L * t, value(key, t)));
            }
        }
        return out;
    }

    /**
     * {@code events} in the order a key order without a bound uses them: each key's first event is held
     * until its second arrives (it has nothing to be judged against before; see KeyOrder).
     */
    private static List<Observation> inUseOrder(List<Observation> events) {
        List<Observation> out = new ArrayList<>();
        Map<String, Observation> first = new HashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Observation o : events) {
            int n = seen.merge(o.key, 1, Integer::sum);
            if (n == 1) {
                first.put(o.key, o);
                continue;
            }
            if (n == 2) {
                out.add(first.get(o.key));
            }
            out.add(o);
        }
        return out;
    }

    private static void feed(Harness h, List<Observation> events, long wallStart) throws Exception {
        long wall = wallStart;
        for (Observation o : events) {
            h.h.setProcessingTime(wall += 20);
            h.h.processElement(new Observation(o.key, o.ts, o.value), 0);
        }
    }

    private static List<String> outputs(Harness h) {
        return h.h.extractOutputValues().stream().map(f -> f.key + " " + f.ts + " " + f.forecast + " " + f.events)
                .collect(Collectors.toList());
    }

    @Test
    void eachEventIsForecastByTheSharedNetworkAsTheModelAloneWouldAndEachKeyKeepsOneState() throws Exception {
        List<String> keys = List.of("a", "bb", "ccc");
        try (Harness h = harness(immediate(MODEL), "hashmap")) {
            h.h.open();
            feed(h, events(keys, 0, 60), 0);
            List<Forecast> out = h.h.extractOutputValues();
            assertEquals(180, out.size());
            // the same events, in the same order, through the model alone
            SharedNetwork network = SharedNetwork.create(MODEL);
            OnlineForecaster alone = new OnlineForecaster(network);
            Map<String, SeriesState> states = new HashMap<>();
            Prediction p = new Prediction();
            List<Observation> sent = inUseOrder(events(keys, 0, 60));
            for (int i = 0; i < sent.size(); i++) {
                Observation o = sent.get(i);
                SeriesState s = states.computeIfAbsent(o.key, alone::newState);
                alone.observe(s, OnlineForecaster.keyHash(o.key), o.ts, o.value, null, p);
                assertEquals(p.forecast, out.get(i).forecast, "event " + i);
                assertEquals(s.events, out.get(i).events);
                assertEquals(MODEL.id(), out.get(i).modelId);
            }
            assertTrue(network.updates() > 5);
            assertEquals(network.updates(), h.network().updates());
            assertEquals(keys.size() * ForecastFunction.STATES_PER_SHARED_KEY, h.h.numKeyedStateEntries());
        }
    }

    @Test
    void eachForecastCarriesItsEventsAnomalyScoreAsTheModelAloneScoresItFlaggedAtTheThreshold() throws Exception {
        List<Observation> sent = events(List.of("a"), 0, 300);
        Observation spike = sent.get(280);
        sent.set(280, new Observation("a", spike.ts, spike.value + 50));
        try (Harness h = harness(immediate(MODEL), "hashmap")) {
            h.h.open();
            feed(h, sent, 0);
            List<Forecast> out = h.h.extractOutputValues();
            OnlineForecaster alone = new OnlineForecaster(SharedNetwork.create(MODEL));
            SeriesState s = alone.newState("a");
            Prediction p = new Prediction();
            for (int i = 0; i < sent.size(); i++) {
                alone.observe(s, OnlineForecaster.keyHash("a"), sent.get(i).ts, sent.get(i).value, null, p);
                assertEquals(p.anomaly, out.get(i).anomaly, "event " + i);
            }
            assertEquals("warming-up", out.get(0).anomalyStatus);
            assertTrue(out.get(280).anomalous, "a spike of 50 on a sine scores " + out.get(280).anomaly);
            assertTrue(out.subList(0, 280).stream().noneMatch(f -> f.anomalous), "flagged before the spike");
        }
    }

    /**
     * Events that wait for their key's clock and come out in the same order after a restore: what a key's
     * own events release is the same either way; wall-clock releases of silent keys are left out, since a
     * restore gives every key its full wait again and so changes which keys' events reach the shared
     * network first (the values then differ, as they may between any two live runs; nothing is lost).
     */
    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aRestoreContinuesEveryKeyAndTheNetworkBitForBit(String backend) throws Exception {
        List<String> keys = List.of("a", "bb", "ccc", "dddd", "eeeee");
        ModelConfig model = MODEL.toBuilder().set(ModelConfig.BATCH, 3).build();
        JobSettings settings = live(model).withMaxWait(Duration.ofHours(1));
        List<String> uninterrupted;
        List<String> beforeSnapshot;
        OperatorSubtaskState snapshot;
        byte[] networkAtSnapshot;
        try (Harness h = harness(settings, backend)) {
            h.h.open();
            feed(h, events(keys, 0, 40, true), 0);
            beforeSnapshot = outputs(h);
            assertTrue(h.network().pending() > 0, "windows wait in the batch at the snapshot");
            networkAtSnapshot = bytes(h.network());
            snapshot = h.h.snapshot(1, 1);
            feed(h, events(keys, 40, 90, true), 10_000);
            uninterrupted = outputs(h);
        }
        try (Harness h = harness(settings, backend)) {
            h.h.initializeState(snapshot);
            h.h.open();
            assertArrayEquals(networkAtSnapshot, bytes(h.network()));
            feed(h, events(keys, 40, 90, true), 10_000);
            List<String> restored = new ArrayList<>(beforeSnapshot);
            restored.addAll(outputs(h));
            assertEquals(uninterrupted, restored);
        }
    }

    /** Keys that land on subtask {@code index} of {@code parallelism}. */
    private static List<String> keysOf(int index, int parallelism, int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < n; i++) {
            String k = "key-" + i;
            if (KeyGroupRangeAssignment.assignKeyToParallelOperator(k, MAX_PARALLELISM, parallelism) == index) {
                keys.add(k);
            }
        }
        return keys;
    }

    @Test
    void scalingTwoToOneMergesTheReplicasAndEveryKeyContinues() throws Exception {
        List<String> zero = keysOf(0, 2, 3);
        List<String> one = keysOf(1, 2, 3);
        OperatorSubtaskState s0;
        OperatorSubtaskState s1;
        SharedNetwork merged;
        try (Harness a = harness(immediate(MODEL), "hashmap", 2, 0);
                Harness b = harness(immediate(MODEL), "hashmap", 2, 1)) {
            a.h.open();
            b.h.open();
            feed(a, events(zero, 0, 50), 0);
            feed(b, events(one, 0, 70), 0);
            s0 = a.h.snapshot(1, 1);
            s1 = b.h.snapshot(1, 1);
            merged = SharedNetwork.merge(List.of(a.network(), b.network()));
        }
        OperatorSubtaskState both = AbstractStreamOperatorTestHarness.repackageState(s0, s1);
        try (Harness c = harness(immediate(MODEL), "hashmap", 1, 0)) {
            c.h.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(both, MAX_PARALLELISM, 2, 1,
                    0));
            c.h.open();
            assertArrayEquals(bytes(merged), bytes(c.network()), "the mean of the two replicas");
            List<String> all = new ArrayList<>(zero);
            all.addAll(one);
            feed(c, events(all, 70, 71), 0);
            for (Forecast f : c.h.extractOutputValues()) {
                assertEquals(zero.contains(f.key) ? 51 : 71, f.events, f.key + " continues its own state");
            }
        }
    }

    @Test
    void scalingOneToTwoHandsEveryInstanceTheSameNetworkAndEachItsKeys() throws Exception {
        List<String> keys = new ArrayList<>(keysOf(0, 2, 2));
        keys.addAll(keysOf(1, 2, 2));
        OperatorSubtaskState snapshot;
        byte[] network;
        try (Harness h = harness(immediate(MODEL), "hashmap")) {
            h.h.open();
            feed(h, events(keys, 0, 60), 0);
            snapshot = h.h.snapshot(1, 1);
            network = bytes(h.network());
        }
        for (int index = 0; index < 2; index++) {
            try (Harness h = harness(immediate(MODEL), "hashmap", 2, index)) {
                h.h.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(snapshot,
                        MAX_PARALLELISM, 1, 2, index));
                h.h.open();
                assertArrayEquals(network, bytes(h.network()), "subtask " + index);
                List<String> mine = keysOf(index, 2, 2);
                feed(h, events(mine, 60, 61), 0);
                for (Forecast f : h.h.extractOutputValues()) {
                    assertEquals(61, f.events, f.key + " continues on subtask " + index);
                }
                assertEquals(mine.size(), h.h.numKeyedStateEntries());
            }
        }
    }

    private static OperatorSubtaskState stateAfter(JobSettings settings, int n) throws Exception {
        try (Harness h = harness(settings, "hashmap")) {
            h.h.open();
            feed(h, events(List.of("a", "bb"), 0, n, true), 0);
            return h.h.snapshot(1, 1);
        }
    }

    private static String failure(OperatorSubtaskState snapshot, JobSettings settings) throws Exception {
        try (Harness h = harness(settings, "hashmap")) {
            Exception e = assertThrows(Exception.class, () -> {
                h.h.initializeState(snapshot);
                h.h.open();
            });
            assertTrue(ExceptionUtils.findThrowable(e, SuppressRestartsException.class).isPresent(),
                    "no restart could succeed, so none is attempted");
            return ExceptionUtils.stringifyException(e);
        }
    }

    /** The same model with its own weights: the settings of how a shared network learns left out. */
    private static ModelConfig keyScope(ModelConfig shared) {
        return shared.toBuilder().scope(ModelScope.KEY).set(ModelConfig.BATCH, ModelConfig.BATCH.defaultValue())
                .set(ModelConfig.SHARED_BUDGET, ModelConfig.SHARED_BUDGET.defaultValue()).build();
    }

    @Test
    void aKeyScopeSavepointIsRefusedAtStartNamingTheScope() throws Exception {
        ModelConfig key = keyScope(MODEL);
        String message = failure(stateAfter(live(key), 30), live(MODEL));
        assertTrue(message.contains("made with model.scope=key, which a job with model.scope=shared cannot "
                + "continue"), message);
        assertTrue(message.contains("Restore it with model.scope=key"), message);
        // with reset too: models of one scope do not make the other's
        message = failure(stateAfter(live(key), 30), live(MODEL).withOnShapeChange(JobSettings.ShapeChange.RESET));
        assertTrue(message.contains("model.scope=key"), message);
    }

    @Test
    void aSharedScopeSavepointIsRefusedByAKeyScopeJobNamingTheScope() throws Exception {
        ModelConfig key = keyScope(MODEL);
        String message = failure(stateAfter(live(MODEL), 30), live(key));
        assertTrue(message.contains("made with model.scope=shared, which a job with model.scope=key cannot "
                + "continue"), message);
    }

    @Test
    void aRestoreUnderOtherShapingSettingsFailsNamingEachChangeOrWithResetStartsAfresh() throws Exception {
        OperatorSubtaskState snapshot = stateAfter(live(MODEL), 30);
        ModelConfig other = MODEL.toBuilder().hidden(6).build();
        String message = failure(snapshot, live(other));
        assertTrue(message.contains("model.hidden: 8 -> 6"), message);
        assertTrue(message.contains("model.on-shape-change=reset"), message);

        try (Harness h = harness(live(other).withOnShapeChange(JobSettings.ShapeChange.RESET), "hashmap")) {
            h.h.initializeState(snapshot);
            h.h.open();
            assertEquals(0, h.network().updates(), "the network starts afresh");
            h.h.setProcessingTime(100_000);
            h.h.processElement(new Observation("bb", 1_700_000_100_000L, 5.0), 0);
            h.h.setProcessingTime(200_000);
            List<Forecast> bb = h.h.extractOutputValues().stream().filter(f -> f.key.equals("bb"))
                    .collect(Collectors.toList());
            for (int i = 0; i < bb.size(); i++) {
                assertEquals(i + 1, bb.get(i).events, "bb starts afresh");
            }
        }
    }

    @Test
    void settingsThatDoNotShapeStateMayChangeAcrossARestoreTheBatchAmongThem() throws Exception {
        OperatorSubtaskState snapshot = stateAfter(live(MODEL), 30);
        ModelConfig other = MODEL.toBuilder().learningRate(1e-4).set(ModelConfig.BATCH, 1).build();
        try (Harness h = harness(live(other), "hashmap")) {
            h.h.initializeState(snapshot);
            h.h.open();
            assertEquals(0, h.network().pending(), "the windows that waited were learned from");
            h.h.setProcessingTime(100_000);
            h.h.processElement(new Observation("bb", 1_700_000_100_000L, 5.0), 0);
            h.h.setProcessingTime(200_000);
            Forecast f = h.h.extractOutputValues().stream().filter(x -> x.key.equals("bb")).reduce((x, y) -> y).get();
            assertEquals(31, f.events, "bb continues its state");
        }
    }

    @Test
    void aTimeFarBeyondItsKeysClockIsRefusedAndTheFleetForecastsAsIfItHadNeverCome() throws Exception {
        List<String> keys = List.of("a", "bb", "ccc");
        List<Observation> clean = events(keys, 0, 40);
        List<Observation> hostile = new ArrayList<>(clean);
        hostile.add(61, new Observation("bb", 5_680_281_600_000L, 1e6)); // 2150, after bb's twentieth event
        List<List<String>> outputs = new ArrayList<>();
        for (List<Observation> events : List.of(clean, hostile)) {
            try (Harness h = harness(immediate(MODEL), "hashmap")) {
                h.h.open();
                feed(h, events, 0);
                h.h.processWatermark(Long.MAX_VALUE);
                outputs.add(outputs(h));
                var dead = h.h.getSideOutput(ForecastTopology.DEAD_LETTERS);
                assertEquals(events == clean ? List.of() : List.of("future"), dead == null ? List.of()
                        : dead.stream().map(r -> r.getValue().kind).collect(Collectors.toList()));
            }
        }
        assertEquals(120, outputs.get(0).size());
        assertEquals(outputs.get(0), outputs.get(1), "the shared network never saw the held event");
    }

    private static byte[] bytes(SharedNetwork n) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        n.writeTo(new DataOutputStream(b));
        return b.toByteArray();
    }
}
