package dev.streamforecast.stream;

import dev.streamforecast.event.Observation;
import dev.streamforecast.model.SeriesState;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The current key's keyed state, in parts that change at different rates: the {@link KeyRecord}
 * written by every event, with the key's waiting events; the weights read by every used event and
 * written when the key learns; the optimiser moments touched only when it learns. When the keys share
 * their network ({@code model.scope=shared}) the weights and moments are the network's, in operator
 * state, and a key keeps its record (its own part of the model, a few kilobytes).
 *
 * <p>A backend that serialises on access (RocksDB, ForSt) then moves a few kilobytes per event instead
 * of the whole model, in two reads and one write. On the heap backend the three model states hold one
 * object, so an event costs one state lookup; a part missing from the record (after a restore, under a
 * copy-on-write snapshot, or always on RocksDB) is attached from its own state, never from a reference
 * kept elsewhere.
 *
 * <p>Earlier layouts kept waiting events in the map state {@code pending}; it is still declared (its
 * name and types as then) so that their savepoints restore, and a key's entries move into its record
 * the next time the key is touched. Nothing else reads or writes it.
 */
final class KeyStateStore implements KeyStore {
    /** Keyed states per key with a model of its own: the record, the weights and the moments. */
    static final int STATES_PER_KEY = 3;
    /** Keyed states per key whose network is shared: the record. */
    static final int STATES_PER_SHARED_KEY = 1;

    private final ValueState<KeyRecord> records;
    /** The weights and moments of a key's own model; null when the network is shared. */
    private final ValueState<SeriesState> weights;
    private final ValueState<SeriesState> moments;
    /** Waiting events as earlier layouts kept them: read once per key, then emptied. */
    private final MapState<Long, Observation> pending;

    KeyStateStore(RuntimeContext context, StateShape shape, JobSettings.ShapeChange onShapeChange) {
        // names and types as in every earlier version, so savepoints restore into them
        records = context.getState(new ValueStateDescriptor<>("series",
                SeriesStateSerializer.records(shape, onShapeChange)));
        boolean own = !shape.scope().equals("shared");
        weights = own ? context.getState(new ValueStateDescriptor<>("weights", SeriesStateSerializer.WEIGHTS)) : null;
        moments = own ? context.getState(new ValueStateDescriptor<>("moments", SeriesStateSerializer.MOMENTS)) : null;
        pending = context.getMapState(new MapStateDescriptor<>("pending", Types.LONG,
                TypeInformation.of(Observation.class)));
    }

    /**
     * The current key's record, or null for a key with no state. A record of an earlier layout takes
     * the waiting events that layout kept in the map state; a key that had only waiting events gets a
     * record (the map is looked at once, when a key has no record).
     */
    @Override
    public KeyRecord record() throws Exception {
        KeyRecord r = records.value();
        if (r == null) {
            if (pending.isEmpty()) {
                return null;
            }
            r = new KeyRecord();
            r.eventsInMap(KeyRecord.NONE);
        }
        if (r.eventsInMap()) {
            r.adoptFromMap(pending.values());
        }
        return r;
    }

    /** Stores the record; a record that took the map's events empties the map (not before: a refusal stores nothing). */
    @Override
    public void putRecord(KeyRecord r) throws Exception {
        if (r.eventsInMap()) {
            pending.clear();
            r.mapEmptied();
        }
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
