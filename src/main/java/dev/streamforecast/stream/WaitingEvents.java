package dev.streamforecast.stream;

import dev.streamforecast.event.Observation;
import java.util.Arrays;
import java.util.List;

/**
 * The events a key has accepted but not used yet, in time order, kept inside its {@link KeyRecord} so
 * that the one state access that reads the record reaches them too.
 *
 * <p>They are few (those within {@code events.max-out-of-orderness} of the key's clock) and arrive
 * mostly in order: an event in order is appended, the due ones are taken from the front, and the
 * array is compacted or grown only when its end is reached, so a key's steady stream allocates nothing.
 */
final class WaitingEvents {
    private static final Observation[] EMPTY = {};

    private Observation[] events = EMPTY;
    /** The waiting events are {@code events[head .. head + size)}, in time order. */
    private int head;
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The waiting event at position {@code i} in time order. */
    Observation get(int i) {
        return events[head + i];
    }

    /** The earliest waiting event's time; {@code Long.MAX_VALUE} when none waits. */
    long first() {
        return size == 0 ? Long.MAX_VALUE : events[head].ts;
    }

    /** Whether an event at {@code ts} waits. */
    boolean contains(long ts) {
        return size > 0 && ts >= events[head].ts && ts <= events[head + size - 1].ts && find(ts) >= 0;
    }

    /** Adds {@code obs}, whose time no waiting event has, in its place. */
    void add(Observation obs) {
        if (head + size == events.length) {
            makeRoom();
        }
        int end = head + size;
        if (size == 0 || events[end - 1].ts < obs.ts) {
            events[end] = obs;
        } else {
            int at = -find(obs.ts) - 1;
            System.arraycopy(events, at, events, at + 1, end - at);
            events[at] = obs;
        }
        size++;
    }

    /** Moves the waiting events at or before {@code ts} into {@code due}, in time order. */
    void takeUpTo(long ts, List<Observation> due) {
        while (size > 0 && events[head].ts <= ts) {
            due.add(events[head]);
            events[head++] = null;
            size--;
        }
        if (size == 0) {
            head = 0;
        }
    }

    void clear() {
        Arrays.fill(events, head, head + size, null);
        head = 0;
        size = 0;
    }

    /** Adds the events of {@code other}, which are shared: an event is not changed once it waits. */
    void addAll(WaitingEvents other) {
        for (int i = 0; i < other.size; i++) {
            add(other.get(i));
        }
    }

    /** The index of the waiting event at {@code ts}, or {@code -(insertion point) - 1}. */
    private int find(long ts) {
        int lo = head;
        int hi = head + size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long t = events[mid].ts;
            if (t < ts) {
                lo = mid + 1;
            } else if (t > ts) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -lo - 1;
    }

    /** Moves the events to the front, or grows the array when they fill more than half of it. */
    private void makeRoom() {
        if (size > events.length / 2 || events.length == 0) {
            events = Arrays.copyOfRange(events, head, head + Math.max(4, 2 * events.length));
        } else {
            System.arraycopy(events, head, events, 0, size);
            Arrays.fill(events, size, head + size, null);
        }
        head = 0;
    }
}
