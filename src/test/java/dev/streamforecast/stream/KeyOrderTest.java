package dev.streamforecast.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.Observation;
import dev.streamforecast.io.FutureLimit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyOrderTest {
    private final KeyRecord record = new KeyRecord();
    private final List<Long> used = new ArrayList<>();

    private final List<String> refused = new ArrayList<>();

    /** The order with events.max-future switched off: every event is used as it comes, none held. */
    private KeyOrder order(long bound) {
        return new KeyOrder(bound, FutureLimit.none(), (held, reason) -> refused.add(held.ts + ": " + reason));
    }

    /** The order under the default events.max-future of a day. */
    private KeyOrder holding(long bound) {
        return new KeyOrder(bound, FutureLimit.of(Duration.ofDays(1)), (held, reason) -> refused.add(held.ts + ": " + reason));
    }

    private static final long T0 = 1_700_000_000_000L; // 2023-11-14T22:13:20Z
    private static final long H = 3_600_000L;
    private static final long D = 24 * H;
    private static final long Y2150 = 5_680_281_600_000L; // 2150-01-01

    private KeyOrder.Verdict offer(KeyOrder order, long ts) throws Exception {
        return order.offer(record, new Observation("k", ts, ts), KeyRecord.NONE, obs -> used.add(obs.ts));
    }

    @Test
    void withoutABoundEventsAreUsedOnArrivalAndOlderOnesAreLate() throws Exception {
        KeyOrder order = order(0);
        assertEquals(KeyOrder.Verdict.ACCEPTED, offer(order, 10));
        assertEquals(KeyOrder.Verdict.ACCEPTED, offer(order, 30));
        assertEquals(KeyOrder.Verdict.LATE, offer(order, 20));
        assertEquals(KeyOrder.Verdict.DUPLICATE, offer(order, 30));
        assertEquals(List.of(10L, 30L), used);
        assertEquals(0, record.waitingCount());
    }

    @Test
    void eventsWaitUntilTheKeysOwnClockIsTheBoundPastThem() throws Exception {
        KeyOrder order = order(100);
        offer(order, 1000);
        offer(order, 1050);
        assertEquals(List.of(), used, "nothing is 100 ms behind the key's clock yet");
        offer(order, 1020);
        offer(order, 1120);
        assertEquals(List.of(1000L, 1020L), used);
        assertEquals(2, record.waitingCount());
        assertEquals(1050, record.waiting.first());
        assertEquals(1120, record.clock);
    }

    @Test
    void anEventBeforeOneAlreadyUsedIsLateAndARepeatIsADuplicate() throws Exception {
        KeyOrder order = order(100);
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
        KeyOrder order = order(10_000);
        for (long ts : new long[] {50, 10, 40, 20, 30}) {
            offer(order, ts);
        }
        assertEquals(List.of(), used);
        order.flush(record, obs -> used.add(obs.ts));
        assertEquals(List.of(10L, 20L, 30L, 40L, 50L), used);
        assertEquals(0, record.waitingCount());
        assertEquals(50, record.lastTs);
    }

    @Test
    void aFutureTimestampMovesOnlyItsOwnKeysClock() throws Exception {
        // two keys, each with its own record and buffer: one event far ahead in one key leaves the other alone
        KeyOrder order = order(5_000);
        KeyRecord other = new KeyRecord();
        List<Long> otherUsed = new ArrayList<>();
        offer(order, 5_680_000_000_000L); // 2150
        for (long ts = 1_600_000_000_000L; ts < 1_600_000_100_000L; ts += 10_000) {
            order.offer(other, new Observation("other", ts, 1), KeyRecord.NONE, obs -> otherUsed.add(obs.ts));
        }
        assertEquals(9, otherUsed.size(), "the other key's events wait only behind its own clock");
    }

    @Test
    void aKeysFirstEventIsHeldUntilItsNextEventConfirmsIt() throws Exception {
        KeyOrder order = holding(0);
        assertEquals(KeyOrder.Verdict.ACCEPTED, offer(order, T0));
        assertEquals(List.of(), used, "nothing to judge the first event against yet");
        assertEquals(T0, record.held.ts);
        assertEquals(KeyRecord.NONE, record.clock);
        offer(order, T0 + H);
        assertEquals(List.of(T0, T0 + H), used);
        assertNull(record.held);
        assertEquals(List.of(), refused);
    }

    @Test
    void anOlderNextEventWithinTheLimitConfirmsTheFirstAndBothAreUsedInTimeOrder() throws Exception {
        KeyOrder order = holding(0);
        offer(order, T0 + H);
        offer(order, T0);
        assertEquals(List.of(T0, T0 + H), used);
    }

    @Test
    void aFirstEventItsNextEventRefutesIsRefusedAsFutureAndTheKeyStartsFromTheNext() throws Exception {
        KeyOrder order = holding(0);
        offer(order, Y2150);
        offer(order, T0);
        assertEquals(List.of(Y2150 + ": event time 2150-01-01T00:00:00Z is more than events.max-future = 1d after "
                + "the key's next event 2023-11-14T22:13:20Z (it was the key's first event)"), refused);
        assertEquals(T0, record.held.ts, "the next is now the key's first");
        offer(order, T0 + H);
        assertEquals(List.of(T0, T0 + H), used);
        assertEquals(T0 + H, record.clock);
    }

    @Test
    void anEventFarBeyondTheClockMovesNothingAndIsRefusedWhenTheKeysNextEventDoesNotFollowIt() throws Exception {
        for (long bound : new long[] {0, 5_000}) {
            KeyRecord r = new KeyRecord();
            List<Long> u = new ArrayList<>();
            refused.clear();
            KeyOrder order = holding(bound);
            for (long t : new long[] {T0, T0 + H, T0 + 2 * H, Y2150, T0 + 3 * H, T0 + 4 * H}) {
                order.offer(r, new Observation("k", t, 1), KeyRecord.NONE, obs -> u.add(obs.ts));
                if (t == Y2150) {
                    assertEquals(T0 + 2 * H, r.clock, "a held event moves nothing");
                }
            }
            order.finish(r, obs -> u.add(obs.ts));
            assertEquals(List.of(T0, T0 + H, T0 + 2 * H, T0 + 3 * H, T0 + 4 * H), u, "bound " + bound);
            assertEquals(List.of(Y2150 + ": event time 2150-01-01T00:00:00Z is more than events.max-future = 1d after "
                    + "the key's newest event time 2023-11-15T00:13:20Z, and the key's next event, at "
                    + "2023-11-15T01:13:20Z, did not follow it"), refused);
        }
    }

    @Test
    void gapsAndSparseSeriesAreHeldOneEventAndNeverRefused() throws Exception {
        List<Long> weekOff = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            weekOff.add(T0 + i * H);
        }
        for (int i = 0; i < 10; i++) {
            weekOff.add(T0 + 7 * D + i * H);
        }
        List<Long> weekly = new ArrayList<>();
        List<Long> weekdays = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            weekly.add(T0 + i * 7 * D);
            if ((i % 7) < 5) {
                weekdays.add(T0 + i * D);
            }
        }
        for (List<Long> series : List.of(weekOff, weekly, weekdays)) {
            for (long bound : new long[] {0, 5_000}) {
                KeyRecord r = new KeyRecord();
                List<Long> u = new ArrayList<>();
                KeyOrder order = holding(bound);
                for (long t : series) {
                    assertEquals(KeyOrder.Verdict.ACCEPTED, order.offer(r, new Observation("k", t, 1), KeyRecord.NONE, obs -> u.add(obs.ts)));
                }
                // a held event waits for the next; with a bound, the one before it waits for the clock to pass it
                assertTrue(u.size() >= series.size() - (bound == 0 ? 1 : 2), u.size() + " of " + series.size());
                assertEquals(series.subList(0, u.size()), u);
                order.finish(r, obs -> u.add(obs.ts));
                assertEquals(series, u);
            }
        }
        assertEquals(List.of(), refused);
    }

    @Test
    void anOlderEventBetweenTheLastUsedAndTheClockDecidesNothing() throws Exception {
        KeyOrder order = holding(5_000);
        offer(order, T0);
        offer(order, T0 + 10_000);
        offer(order, Y2150);
        assertEquals(KeyOrder.Verdict.ACCEPTED, offer(order, T0 + 8_000), "after the last used event: in time");
        assertEquals(Y2150, record.held.ts, "still held");
        offer(order, T0 + 20_000);
        assertEquals(1, refused.size());
        order.finish(record, obs -> used.add(obs.ts));
        assertEquals(List.of(T0, T0 + 8_000, T0 + 10_000, T0 + 20_000), used);
    }

    @Test
    void repeatsAndRetriesOfRecentEventsAreStillDuplicatesOrLate() throws Exception {
        KeyOrder order = holding(0);
        for (int i = 0; i < 6; i++) {
            offer(order, T0 + i * H);
        }
        assertEquals(KeyOrder.Verdict.LATE, offer(order, T0 + 3 * H));
        assertEquals(KeyOrder.Verdict.DUPLICATE, offer(order, T0 + 5 * H));
        assertEquals(KeyOrder.Verdict.ACCEPTED, offer(order, Y2150));
        assertEquals(KeyOrder.Verdict.DUPLICATE, offer(order, Y2150), "a repeat of the held event");
        assertEquals(KeyOrder.Verdict.LATE, offer(order, T0), "an old event decides nothing and is late");
        assertEquals(Y2150, record.held.ts);
    }

    @Test
    void silenceUsesTheWaitingEventsButNotTheHeldOneWhichTheEndOfTheInputUses() throws Exception {
        KeyOrder order = holding(5_000);
        offer(order, T0);
        offer(order, T0 + 1_000);
        offer(order, T0 + 3 * D);
        assertEquals(List.of(), used);
        order.flush(record, obs -> used.add(obs.ts));
        assertEquals(List.of(T0, T0 + 1_000), used);
        assertEquals(T0 + 3 * D, record.held.ts);
        order.flush(record, obs -> used.add(obs.ts));
        assertEquals(2, used.size(), "silence decides nothing about a held event");
        order.finish(record, obs -> used.add(obs.ts));
        assertEquals(List.of(T0, T0 + 1_000, T0 + 3 * D), used);
        assertEquals(0, record.waitingCount());
    }

    @Test
    void withTheLimitSwitchedOffNothingIsHeld() throws Exception {
        KeyOrder order = order(0);
        offer(order, Y2150);
        assertEquals(List.of(Y2150), used);
        assertEquals(KeyOrder.Verdict.LATE, offer(order, T0));
    }

    private void offerVetted(KeyOrder order, long ts, long reference) throws Exception {
        order.offer(record, new Observation("k", ts, ts), reference, obs -> used.add(obs.ts));
    }

    @Test
    void anEventItsInputVettedIsUsedAtOnceAsTheKeysFirstAndAfterAnyGap() throws Exception {
        KeyOrder order = holding(0);
        offerVetted(order, T0, T0 + 2_000); // a Kafka record stamped 2 s after its event's time
        assertEquals(List.of(T0), used, "the key's first event gets its forecast at once");
        assertNull(record.held);
        offerVetted(order, T0 + 30 * D, T0 + 30 * D + 500);
        assertEquals(List.of(T0, T0 + 30 * D), used, "a month's silence, vetted: no wait for the next event");
        assertEquals(List.of(), refused);
    }

    @Test
    void aReferenceVetsOnlyAnEventWithinTheLimitOfItAndNotStampedWithItsOwnTime() {
        KeyOrder order = holding(0);
        assertTrue(order.vetted(T0, T0 + 1));
        assertTrue(order.vetted(T0 + D, T0), "up to events.max-future ahead, as the decoder allows");
        assertFalse(order.vetted(T0, T0), "an element stamped with its own event's time says nothing of it");
        assertFalse(order.vetted(T0, T0 + 2 * D), "history replayed through a live topic is judged by its key");
        assertFalse(order.vetted(Y2150, T0));
        assertFalse(order.vetted(T0, KeyRecord.NONE), "a SQL row, a file's line: nothing vets them");
        assertFalse(order(0).vetted(T0, T0 + 1) && order(0).holds(record, T0, KeyRecord.NONE),
                "with the limit off nothing is held anyway");
    }

    @Test
    void weeklyDataAndWeekdaysWithWeekendsAreUsedOnArrivalOnceTheKeyHasAnIntervalAndNeverRefused() throws Exception {
        List<Long> weekly = new ArrayList<>();
        List<Long> weekdays = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            weekly.add(T0 + i * 7 * D);
            if ((i % 7) < 5) {
                weekdays.add(T0 + i * D); // three days from each fifth day to the next first
            }
        }
        for (List<Long> series : List.of(weekly, weekdays)) {
            for (boolean vetted : new boolean[] {false, true}) {
                KeyRecord r = new KeyRecord();
                List<Long> u = new ArrayList<>();
                KeyOrder order = holding(0);
                for (int i = 0; i < series.size(); i++) {
                    long t = series.get(i);
                    order.offer(r, new Observation("k", t, 1), vetted ? t + 1_000 : KeyRecord.NONE, obs -> u.add(obs.ts));
                    // unvetted, the key's first event waits for its second, and a second more than
                    // events.max-future after it (no interval known yet) for its third; nothing after that
                    boolean held = !vetted && (i == 0 || i == 1 && t - series.get(0) > D);
                    int late = held ? 1 : 0;
                    assertEquals(series.subList(0, i + 1 - late), u, (vetted ? "vetted " : "") + "event " + i);
                }
            }
        }
        assertEquals(List.of(), refused);
    }

    @Test
    void aFarFutureEventAsTheKeysSecondIsRefusedAndTheKeyGoesOnFromItsFirst() throws Exception {
        KeyOrder order = holding(0);
        offer(order, T0);
        offer(order, Y2150);
        offer(order, T0 + H);
        offer(order, T0 + 2 * H);
        assertEquals(List.of(T0, T0 + H, T0 + 2 * H), used);
        assertEquals(1, refused.size());
        assertTrue(refused.get(0).startsWith(Y2150 + ": "), refused.get(0));
        assertEquals(T0 + 2 * H, record.clock);
    }

    @Test
    void theKeysOwnIntervalAllowsAJumpPastTheLimitButNotOneFarBeyondIt() throws Exception {
        KeyOrder order = holding(0);
        for (int i = 0; i < 5; i++) {
            offer(order, T0 + i * 7 * D);
        }
        long clock = record.clock;
        offer(order, clock + 400 * D);
        assertEquals(clock + 400 * D, record.held.ts, "more than four weeks past a weekly key: held");
        offer(order, clock + 7 * D);
        assertEquals(1, refused.size());
        assertTrue(refused.get(0).contains("and more than 4 times the key's longest recent interval (7d)"),
                refused.get(0));
        assertEquals(clock + 7 * D, record.clock);
    }
}
