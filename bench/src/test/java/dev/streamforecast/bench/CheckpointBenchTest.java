package dev.streamforecast.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.Observation;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointBenchTest {

    @Test
    void everyKeyGetsItsEventsInOrderOneGroupAtATimeThenOneMore() {
        int keys = 2_500;
        int perKey = 3;
        CheckpointBench.Events events = new CheckpointBench.Events(keys, perKey);
        Map<String, Long> lastTs = new HashMap<>();
        int highestKeySeen = -1;
        for (long i = 0; i < (long) keys * (perKey + 1); i++) {
            Observation o = events.map(i);
            Long last = lastTs.put(o.key, o.ts);
            assertTrue(last == null || o.ts > last, "event " + i + " of " + o.key + " is out of order");
            int key = Integer.parseInt(o.key.substring(1));
            if (i < (long) keys * perKey) {
                // a group's keys only start once the previous group's keys have all their events
                assertTrue(key / CheckpointBench.GROUP >= highestKeySeen / CheckpointBench.GROUP);
                highestKeySeen = Math.max(highestKeySeen, key);
            } else {
                assertEquals(perKey * 1000L, o.ts, "the extra event is each key's next step");
            }
        }
        assertEquals(keys, lastTs.size());
        lastTs.values().forEach(ts -> assertEquals(perKey * 1000L, ts));
    }

    @Test
    void aKeyInMemoryHoldsItsFloat32ValuesAsDoubles() throws Exception {
        long stored = CheckpointBench.stateBytesPerKey(BenchCommand.lstm32(), 40);
        long memory = CheckpointBench.memoryBytesPerKey(BenchCommand.lstm32(), stored);
        // parameters and moments are most of the state: in memory it nearly doubles
        assertTrue(memory > 1.8 * stored && memory < 2 * stored, stored + " stored, " + memory + " in memory");
    }

    @Test
    void onlyTheHeapBackendsChildGetsAHeapSizedForTheState() {
        long perKey = 109_000;
        long heap = CheckpointBench.childHeapBytes(StateBackends.HASHMAP, 100_000, perKey);
        assertTrue(heap > 100_000L * perKey, "heap " + heap);
        assertTrue(CheckpointBench.childHeapBytes(StateBackends.ROCKSDB, 100_000, perKey) < 4L << 30);
    }
}
