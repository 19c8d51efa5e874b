package dev.streamforecast.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The checkpoint benchmark's machinery on a few keys: checkpoints are taken, their statistics read
 * back from Flink, and their size is what that many keys' states must take. No timing is asserted.
 */
class CheckpointBenchITCase {
    private static final int KEYS = 150;
    private static final int EVENTS_PER_KEY = 16;

    @ParameterizedTest
    @ValueSource(strings = {StateBackends.HASHMAP, StateBackends.ROCKSDB, StateBackends.FORST})
    void checkpointAfterTheLoadHoldsEveryKeysState(String backend, @TempDir Path dir) throws Exception {
        CheckpointBench.Result r = CheckpointBench.measure(BenchCommand.lstm32(), backend, KEYS, EVENTS_PER_KEY,
                Duration.ofSeconds(1), dir);
        long states = KEYS * r.stateBytesPerKey();
        long full = r.afterLoad().stateBytes();
        assertTrue(r.stateBytesPerKey() > 50_000, "one LSTM-32 key's state is about 56 KB");
        if (backend.equals(StateBackends.HASHMAP)) {
            // the states' binary form plus keys, key groups and the key's last timestamp
            assertTrue(full >= states && full < states * 1.02, full + " bytes for " + states + " bytes of states");
            assertEquals(full, r.afterLoad().persistedBytes(), "heap checkpoints are full");
            assertNull(r.afterTouch());
        } else {
            // SST files: every key's latest value, plus overwritten ones compaction has not dropped yet
            assertTrue(full >= states * 0.9 && full < states * 5, full + " bytes for " + states + " bytes of states");
            assertNotNull(r.afterTouch());
            // the one more event did not train (16 + 1 is no multiple of k1): only each key's record changed,
            // and RocksDB stores it compressed
            assertTrue(r.touchPersistedBytes() >= KEYS * recordBytes() * 0.5,
                    "every key's record changed, so its new value was persisted: " + r.touchPersistedBytes());
        }
        assertTrue(r.afterLoad().durationMillis() >= r.afterLoad().asyncMillis());
    }

    /** Bytes of one LSTM-32 key's record: its last event time, its expiry timer and the per-event part. */
    private static long recordBytes() throws java.io.IOException {
        dev.streamforecast.model.SeriesState s =
                new dev.streamforecast.model.OnlineForecaster(BenchCommand.lstm32()).newState("k");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        s.write(dev.streamforecast.model.SeriesState.Part.RECURRENT, new java.io.DataOutputStream(bytes));
        return 16 + bytes.size();
    }

    @Test
    void theSuitesPartRunsInAChildJvmAndReportsItsFigures() throws Exception {
        long heap = CheckpointBench.childHeapBytes(StateBackends.HASHMAP, KEYS, 110_000);
        List<String> lines = CheckpointBench.inChildJvm(StateBackends.HASHMAP, KEYS, heap);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("checkpoint_bytes_per_key_hashmap=")), lines.toString());
        assertTrue(lines.stream().allMatch(l -> l.matches("[a-z0-9_]+=\\S+ \\S+")), lines.toString());
    }
}
