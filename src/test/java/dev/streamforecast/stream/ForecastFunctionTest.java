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
    void reordersWithinTheBoundAndSendsLateAndDuplicateEventsToDeadLetters() throws Exception {
        JobSettings settings = JobSettings.defaults(MODEL).withMaxOutOfOrderness(Duration.ofMillis(100))
                .withIdleStateRetention(Duration.ZERO);
        try (var h = harness(settings)) {
            h.open();
            h.processElement(new Observation("a", 30, 3.0), 30);
            h.processElement(new Observation("a", 10, 1.0), 10);
            h.processElement(new Observation("a", 20, 2.0), 20);
            h.processElement(new Observation("a", 20, 2.0), 20);
            assertEquals(0, h.extractOutputValues().size(), "nothing before the watermark");
            h.processWatermark(25);
            h.processElement(new Observation("a", 15, 1.5), 15);
            h.processWatermark(100);
            List<Forecast> out = h.extractOutputValues();
            assertEquals(List.of(10L, 20L, 30L), out.stream().map(f -> f.ts).collect(Collectors.toList()));
            assertEquals(List.of(1.0, 2.0, 3.0), out.stream().map(f -> f.value).collect(Collectors.toList()));
            List<DeadLetter> dead = h.getSideOutput(ForecastTopology.DEAD_LETTERS).stream()
                    .map(r -> r.getValue()).collect(Collectors.toList());
            assertEquals(List.of("duplicate", "late"), dead.stream().map(d -> d.kind).collect(Collectors.toList()));
            assertTrue(dead.get(1).reason.contains("not after the key's last processed event 20"), dead.get(1).reason);
            assertTrue(dead.get(1).payloadText().contains("\"ts\":15"), dead.get(1).payloadText());
        }
    }

    @Test
    void idleKeysLoseTheirStateAfterTheRetentionInEventTime() throws Exception {
        JobSettings settings = JobSettings.defaults(MODEL).withMaxOutOfOrderness(Duration.ofMillis(1))
                .withIdleStateRetention(Duration.ofMillis(1000));
        try (var h = harness(settings)) {
            h.open();
            h.processElement(new Observation("a", 100, 1.0), 100);
            h.processElement(new Observation("b", 100, 1.0), 100);
            h.processWatermark(600);
            h.processElement(new Observation("b", 700, 2.0), 700);
            h.processWatermark(800);
            assertEquals(2 * ForecastFunction.STATES_PER_KEY, h.numKeyedStateEntries());
            h.processWatermark(1150);
            assertEquals(ForecastFunction.STATES_PER_KEY, h.numKeyedStateEntries(), "only b remains");
            h.processWatermark(1800);
            assertEquals(0, h.numKeyedStateEntries());
            // a key that comes back starts afresh
            h.processElement(new Observation("a", 5000, 1.0), 5000);
            h.processWatermark(5001);
            Forecast last = h.extractOutputValues().get(h.extractOutputValues().size() - 1);
            assertEquals(1, last.events);
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
            SeriesState expected = f.newState(trained);
            f.observe(expected, value("a", 0), null, p);
            assertEquals(p.forecast, h.extractOutputValues().get(0).forecast);
        }
    }
}
