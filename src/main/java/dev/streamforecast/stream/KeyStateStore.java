package dev.streamforecast.stream;

import dev.streamforecast.model.SeriesState;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;

/**
 * The current key's keyed state, in parts that change at different rates: the {@link KeyRecord}
 * written by every event, the weights read by every used event and written when the key learns, the
 * optimiser moments touched only when it learns, and the events waiting to be used. When the keys share
 * their network ({@code model.scope=shared}) the weights and moments are the network's, in operator
 * state, and a key keeps its record (its own part of the model, a few kilobytes) and waiting events.
 *
 * <p>A backend that serialises on access (RocksDB, ForSt) then moves a few kilobytes per event instead
 * of the whole model. On the heap backend the three model states hold one object, so an event costs
 * one state lookup; a part missing from the record (after a restore, under a copy-on-write snapshot,
 * or always on RocksDB) is attached from its own state, never from a reference kept elsewhere.
 */
final class KeyStateStore extends WaitingEvents {
    /** Keyed states per key with a model of its own: the record, the weights and the moments. */
    static final int STATES_PER_KEY = 3;
    /** Keyed states per key whose network is shared: the record. */
    static final int STATES_PER_SHARED_KEY = 1;

    private final ValueState<KeyRecord> records;
    /** The weights and moments of a key's own model; null when the network is shared. */
    private final ValueState<SeriesState> weights;
    private final ValueState<SeriesState> moments;

    KeyStateStore(RuntimeContext context, StateShape shape, JobSettings.ShapeChange onShapeChange) {
        super(context);
        // names and types as in every earlier version, so savepoints restore into them
        records = context.getState(new ValueStateDescriptor<>("series",
                SeriesStateSerializer.records(shape, onShapeChange)));
        boolean own = !shape.scope().equals("shared");
        weights = own ? context.getState(new ValueStateDescriptor<>("weights", SeriesStateSerializer.WEIGHTS)) : null;
        moments = own ? context.getState(new ValueStateDescriptor<>("moments", SeriesStateSerializer.MOMENTS)) : null;
    }

    /**
     * The current key's record, or null for a key with no state. A record restored from a format that
     * did not count waiting events has them counted now, and a key that had only waiting events then
     * gets a record.
     */
    @Override
    public KeyRecord record() throws Exception {
        KeyRecord r = records.value();
        if (r == null) {
            if (pending.isEmpty()) {
                return null;
            }
            r = new KeyRecord();
            r.pendingCount = KeyRecord.UNCOUNTED;
        }
        if (r.pendingCount == KeyRecord.UNCOUNTED) {
            countLegacyPending(r);
        }
        return r;
    }

    private void countLegacyPending(KeyRecord r) throws Exception {
        int n = 0;
        long min = Long.MAX_VALUE;
        for (Long ts : pending.keys()) {
            n++;
            min = Math.min(min, ts);
            r.clock = r.clock == KeyRecord.NONE ? ts : Math.max(r.clock, ts);
        }
        r.pendingCount = n;
        r.pendingMin = min;
    }

    @Override
    public void putRecord(KeyRecord r) throws Exception {
        records.update(r);
    }

    /** The part stored apart, or null when there is none (the network is shared: the record holds it all). */
    @Override
    public SeriesState storedPart(SeriesState.Part part) throws Exception {
        return weights == null ? null : (part == SeriesState.Part.WEIGHTS ? weights : moments).value();
    }

    @Override
    public void putModel(KeyRecord r) throws Exception {
        if (weights != null) {
            weights.update(r.model);
            moments.update(r.model);
        }
    }

    @Override
    public void clearModel() {
        if (weights != null) {
            weights.clear();
            moments.clear();
        }
    }

    @Override
    public void clear() {
        records.clear();
        clearModel();
        pending.clear();
    }

}
