package dev.streamforecast.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.ModelScope;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Savepoints of the forecasting operator written by earlier builds, committed under
 * {@code src/test/resources/savepoints}, restore into this one and every key continues its model: a
 * change that breaks one breaks users' savepoints. {@link #main} wrote them (see the folder's README).
 */
class CommittedSavepointsTest {
    private static final long START = 1_704_067_200_000L; // 2024-01-01T00:00:00Z
    private static final long HOUR = 3_600_000L;
    private static final String[] KEYS = {"sensor-a", "price-b", "pump\\7 \"north\""};
    /** Events per key before the snapshot; the last of each still waits behind its key's clock. */
    private static final int BEFORE = 60;

    /** The snapshots, each with the settings it was written under. */
    enum Snapshot {
        KEY_SCHEMA_5("forecast-operator-v5-key.snapshot", ModelConfig.builder().build()),
        KEY_SCHEMA_5_H24("forecast-operator-v5-key-h24.snapshot", ModelConfig.builder().horizon(24).build()),
        SHARED_SCHEMA_2("forecast-operator-v5-shared.snapshot",
                ModelConfig.builder().scope(ModelScope.SHARED).build());

        final String file;
        final ModelConfig model;

        Snapshot(String file, ModelConfig model) {
            this.file = file;
            this.model = model;
        }
    }

    static KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast> harness(ModelConfig model)
            throws Exception {
        JobSettings settings = JobSettings.defaults(model);
        ForecastFunction f = new ForecastFunction(settings, ForecastTopology.DEAD_LETTERS, ForecastTopology.MODELS);
        var h = new KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast>(
                new KeyedProcessOperator<>(f), obs -> obs.key, Types.STRING);
        h.setStateBackend(new HashMapStateBackend());
        ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
        return h;
    }

    /** Key k's value at hour t: a daily cycle of its own size. */
    static double value(int k, int t) {
        return 10 * (k + 1) + Math.sin(2 * Math.PI * t / 24 + k) + 0.1 * Math.cos(7.0 * t);
    }

    static void feed(KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast> h, int from, int to)
            throws Exception {
        for (int t = from; t < to; t++) {
            for (int k = 0; k < KEYS.length; k++) {
                h.processElement(new Observation(KEYS[k], START + HOUR * t + k, value(k, t)), 0);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Snapshot.class)
    void aCommittedSavepointRestoresAndEveryKeyContinuesItsModel(Snapshot snapshot) throws Exception {
        Path file = Path.of(getClass().getResource("/savepoints/" + snapshot.file).toURI());
        OperatorSubtaskState state = OperatorSnapshotUtil.readStateHandle(file.toString());
        try (var h = harness(snapshot.model)) {
            h.initializeState(state);
            h.open();
            feed(h, BEFORE, BEFORE + 30);
            h.processWatermark(Long.MAX_VALUE);
            assertNull(h.getSideOutput(ForecastTopology.DEAD_LETTERS), "no dead letters");
            for (int k = 0; k < KEYS.length; k++) {
                String key = KEYS[k];
                List<Forecast> out = h.extractOutputValues().stream().filter(f -> f.key.equals(key))
                        .collect(Collectors.toList());
                // the event that waited at the snapshot, and the 30 after it
                assertEquals(31, out.size(), key);
                for (int i = 0; i < out.size(); i++) {
                    Forecast f = out.get(i);
                    int t = BEFORE - 1 + i;
                    assertEquals(START + HOUR * t + k, f.ts, key + " in time order");
                    assertEquals(t + 1, f.events, key + " continues its model");
                    assertTrue(Double.isFinite(f.forecast), key);
                    assertTrue(Math.abs(f.forecast - value(k, t + 1)) < 1.0, key + " at " + t + ": " + f.forecast
                            + " for " + value(k, t + 1));
                    assertEquals(snapshot.model.horizon, f.horizon(), key);
                }
            }
        }
    }

    /** Writes the snapshots into the folder given (the test resources' savepoints folder). */
    public static void main(String[] args) throws Exception {
        for (Snapshot s : Snapshot.values()) {
            try (var h = harness(s.model)) {
                h.open();
                feed(h, 0, BEFORE);
                OperatorSubtaskState state = h.snapshot(1, 1);
                OperatorSnapshotUtil.writeStateHandle(state, Path.of(args[0], s.file).toString());
            }
        }
    }
}
