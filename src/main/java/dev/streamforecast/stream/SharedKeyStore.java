package dev.streamforecast.stream;

import dev.streamforecast.event.Observation;
import dev.streamforecast.model.SeriesState;
import java.util.Map;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * A key's keyed state when keys share their network: its record, holding its bookkeeping and its own
 * part of the model (a few kilobytes), and its waiting events. The weights and moments are the shared
 * network's, in operator state, so the model parts a key-scope store keeps apart do not exist here.
 *
 * <p>The states have the key-scope store's names ({@code series}, {@code pending}), so that a restore of
 * state of the other scope meets this store's serializer and is refused naming the scope.
 */
final class SharedKeyStore implements KeyStore {
    /** Keyed states per key with a model: the record. */
    static final int STATES_PER_KEY = 1;

    private final ValueState<KeyRecord> records;
    private final MapState<Long, Observation> pending;

    SharedKeyStore(RuntimeContext context, StateShape shape, JobSettings.ShapeChange onShapeChange) {
        records = context.getState(new ValueStateDescriptor<>("series",
                SharedStateSerializer.records(shape, onShapeChange)));
        pending = context.getMapState(new MapStateDescriptor<>("pending", Types.LONG,
                TypeInformation.of(Observation.class)));
    }

    @Override
    public KeyRecord record() throws Exception {
        return records.value();
    }

    @Override
    public void putRecord(KeyRecord r) throws Exception {
        records.update(r);
    }

    /** The model is the record's, whole: there are no parts stored apart. */
    @Override
    public SeriesState storedPart(SeriesState.Part part) {
        return null;
    }

    @Override
    public void putModel(KeyRecord r) {
        // the key's model is in its record
    }

    @Override
    public void clearModel() {
        // the key's model is in its record
    }

    @Override
    public void clear() {
        records.clear();
        pending.clear();
    }

    @Override
    public boolean contains(long ts) throws Exception {
        return pending.contains(ts);
    }

    @Override
    public void put(Observation obs) throws Exception {
        // a waiting event is never refused later, so its original bytes need not be kept
        obs.payload = null;
        pending.put(obs.ts, obs);
    }

    @Override
    public Iterable<Map.Entry<Long, Observation>> waiting() throws Exception {
        return pending.entries();
    }

    @Override
    public void removeWaiting(long ts) throws Exception {
        pending.remove(ts);
    }
}
