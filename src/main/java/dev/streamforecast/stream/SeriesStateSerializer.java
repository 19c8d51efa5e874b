package dev.streamforecast.stream;

import dev.streamforecast.model.SeriesState;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer for a key's {@link SeriesState}: its own compact binary form, versioned inside the
 * payload ({@link SeriesState#SCHEMA_VERSION}), so no Kryo and no reflection touch the model state.
 */
public final class SeriesStateSerializer extends TypeSerializerSingleton<SeriesState> {
    private static final long serialVersionUID = 1L;
    public static final SeriesStateSerializer INSTANCE = new SeriesStateSerializer();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public SeriesState createInstance() {
        return new SeriesState();
    }

    @Override
    public SeriesState copy(SeriesState from) {
        return from.copy();
    }

    @Override
    public SeriesState copy(SeriesState from, SeriesState reuse) {
        return from.copy();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(SeriesState record, DataOutputView target) throws IOException {
        record.writeTo(target);
    }

    @Override
    public SeriesState deserialize(DataInputView source) throws IOException {
        return SeriesState.readFrom(source);
    }

    @Override
    public SeriesState deserialize(SeriesState reuse, DataInputView source) throws IOException {
        return SeriesState.readFrom(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        SeriesState.readFrom(source).writeTo(target);
    }

    @Override
    public TypeSerializerSnapshot<SeriesState> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the serializer on recovery; the payload carries its own schema version. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SeriesState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
