package dev.streamforecast.stream;

import dev.streamforecast.model.SharedKeyState;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * What is left of the serializer shared-scope keys' records had before both scopes were written by
 * {@link SeriesStateSerializer}'s: the snapshot class that savepoints of that time name. It reads their
 * shape, and restores their records with {@link SeriesStateSerializer}'s serializer, which reads
 * {@link SeriesStateSerializer#SHARED_RECORD_FORMAT} ({@link SharedKeyState}'s model); a job of either
 * scope checks it in {@code SeriesStateSerializer.RecordsSnapshot#resolveSchemaCompatibility}.
 */
public final class SharedStateSerializer {
    private SharedStateSerializer() {}

    /** The record serializer's snapshot as shared-scope savepoints of that time hold it. */
    public static final class RecordsSnapshot implements TypeSerializerSnapshot<KeyRecord> {
        private static final int VERSION = 1;
        private StateShape shape;

        /** For Flink, which reads the snapshot into it. */
        public RecordsSnapshot() {}

        /** The shape the state was made under. */
        StateShape shape() {
            return shape;
        }

        @Override
        public int getCurrentVersion() {
            return VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            out.writeInt(SeriesStateSerializer.SHARED_RECORD_FORMAT);
            SeriesStateSerializer.writeShape(out, shape);
        }

        @Override
        public void readSnapshot(int version, DataInputView in, ClassLoader classLoader) throws IOException {
            if (version != VERSION) {
                throw new IOException("shared key record snapshot version " + version + " is not read by this build ("
                        + VERSION + "): restore with the version of the forecaster that wrote it");
            }
            int format = in.readInt();
            if (format != SeriesStateSerializer.SHARED_RECORD_FORMAT) {
                throw new IOException("unsupported shared key record format " + format + " (this build reads "
                        + SeriesStateSerializer.SHARED_RECORD_FORMAT + ")");
            }
            shape = SeriesStateSerializer.readShape(in);
        }

        @Override
        public TypeSerializer<KeyRecord> restoreSerializer() {
            return SeriesStateSerializer.records(shape, JobSettings.ShapeChange.FAIL);
        }

        /** Never the new snapshot: jobs write {@link SeriesStateSerializer}'s. */
        @Override
        public TypeSerializerSchemaCompatibility<KeyRecord> resolveSchemaCompatibility(
                TypeSerializerSnapshot<KeyRecord> oldSnapshot) {
            return TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
