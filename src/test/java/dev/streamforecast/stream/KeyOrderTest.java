package dev.streamforecast.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamforecast.event.Observation;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class KeyOrderTest {
    /** The waiting events of one key, in memory. */
    static final class MemoryPending implements KeyOrder.Pending {
        final TreeMap<Long, Observation> events = new TreeMap<>();

        @Override
        public boolean contains(long ts) {
            return events.containsKey(ts);
        }

        @Override
        public void put(Observation obs) {
            events.put(obs.ts, obs);
        }

        @Override
        public long takeUpTo(long ts, List<Observation> due) {
            while (!events.isEmpty() && events.firstKey() <= ts) {
                due.add(events.pollFirstEntry().getValue());
            }
            return events.isEmpty() ? Long.MAX_VALUE : events.firstKey();
        }
    }

    private final KeyRecord record = new KeyRecord();
    private final MemoryPending pending = new MemoryPending();
    private final List<Long> used = new ArrayList<>();

    private KeyOrder.Verdict offer(KeyOrder order, long ts) throws Exception {
        return order.offer(record, new Observation("k", ts, ts), pending, obs -> used.add(obs.ts));
    }

    @Test
    void withoutABoundEventsAreUsedOnArrivalAndOlderOnesAreLate() throws Exception {
        KeyOrder order = new KeyOrder(0);
        assertEquals(KeyOrder.Verdict.ACCEPTED, offer(order, 10));
        assertEquals(KeyOrder.Verdict.ACCEPTED, offer(order, 30));
        assertEquals(KeyOrder.Verdict.LATE, offer(order, 20));
        assertEquals(KeyOrder.Verdict.DUPLICATE, offer(order, 30));
        assertEquals(List.of(10L, 30L), used);
        assertEquals(0, record.pendingCount);
    }

    @Test
    void eventsWaitUntilTheKeysOwnClockIsTheBoundPastThem() throws Exception {
        KeyOrder order = new KeyOrder(100);
        offer(order, 1000);
        offer(order, 1050);
        assertEquals(List.of(), used, "nothing is 100 ms behind the key's clock yet");
        offer(order, 1020);
        offer(order, 1120);
        assertEquals(List.of(1000L, 1020L), used);
        assertEquals(2, record.pendingCount);
        assertEquals(1050, record.pendingMin);
        assertEquals(1120, record.clock);
    }

    @Test
    void anEventBeforeOneAlreadyUsedIsLateAndARepeatIsADuplicate() throws Exception {
        KeyOrder order = new KeyOrder(100);
        offer(order, 1000);
        offer(order, 1200);
        assertEquals(List.of(1000L), used);
        assertEquals(KeyOrder.Verdict.LATE, offer(order, 999));
        assertEquals(KeyOrder.Verdict.DUPLICATE, offer(order, 1000));
        assertEquals(KeyOrder.Verdict.DUPLICATE, offer(order, 1200), "a repeat of a waiting event");
        assertEquals(KeyOrder.Verdict.ACCEPTED, offer(order, 1001), "after the last used event: still in time");
        assertEquals(List.of(1000L, 1001L), used, "1001 is 199 ms behind the clock: used at once");
    }

    @Test
    void flushUsesEveryWaitingEventInTimeOrder() throws Exception {
        KeyOrder order = new KeyOrder(10_000);
        for (long ts : new long[] {50, 10, 40, 20, 30}) {
            offer(order, ts);
        }
        assertEquals(List.of(), used);
        order.flush(record, pending, obs -> used.add(obs.ts));
        assertEquals(List.of(10L, 20L, 30L, 40L, 50L), used);
        assertEquals(0, record.pendingCount);
        assertEquals(50, record.lastTs);
    }

    @Test
    void aFutureTimestampMovesOnlyItsOwnKeysClock() throws Exception {
        // two keys, each with its own record and buffer: one event far ahead in one key leaves the other alone
        KeyOrder order = new KeyOrder(5_000);
        KeyRecord other = new KeyRecord();
        MemoryPending otherPending = new MemoryPending();
        List<Long> otherUsed = new ArrayList<>();
        offer(order, 5_680_000_000_000L); // 2150
        for (long ts = 1_600_000_000_000L; ts < 1_600_000_100_000L; ts += 10_000) {
            order.offer(other, new Observation("other", ts, 1), otherPending, obs -> otherUsed.add(obs.ts));
        }
        assertEquals(9, otherUsed.size(), "the other key's events wait only behind its own clock");
    }
}
