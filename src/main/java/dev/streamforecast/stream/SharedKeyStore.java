package dev.streamforecast.stream;

import dev.streamforecast.model.SeriesState;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;

/**
 * A key's keyed state when keys share their network: its record, holding its bookkeeping and its own
 * part of the model (a few kilobytes), and its waiting events. The weights and moments are the shared
 * network's, in operator state, so the model parts a key-scope store keeps apart do not exist here.
 *
 * <p>The states have the key-scope store's names ({@code series}, {@code pending}), so that a restore of
 * state of the other scope meets this store's serializer and is refused naming the scope.
 */
final class SharedKeyStore extends WaitingEvents {
    /** Keyed states per key with a model: the record. */
    static final int STATES_PER_KEY = 1;

    private final ValueState<KeyRecord> records;

    SharedKeyStore(RuntimeContext context, StateShape shape, JobSettings.ShapeChange onShapeChange) {
        super(context);
        records = context.getState(new ValueStateDescriptor<>("series",
                SharedStateSerializer.records(shape, onShapeChange)));
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

}
