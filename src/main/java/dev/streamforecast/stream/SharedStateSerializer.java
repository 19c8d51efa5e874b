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
 * {@link SeriesStateSerializer}'s: the snapshot class that savepoints of that time name, and the reader
 * of their records (the key scope's record layout, 3, with {@link SharedKeyState}'s model). A job checks
 * such a snapshot in {@code SeriesStateSerializer.RecordsSnapshot#resolveSchemaCompatibility}, and Flink
 * reads the records with {@link LegacyRecords} and writes them anew.
 */
public final class SharedStateSerializer {
    /** The layout the snapshot names (its records opened with {@link SeriesStateSerializer#RECORD_FORMAT_WITHOUT_HELD}). */
    static final int SNAPSHOT_FORMAT = 1;

    private SharedStateSerializer() {}

    /** Reads shared-scope records of that time: bookkeeping without a held event, {@link SharedKeyState}'s model. */
    static final class LegacyRecords extends SeriesStateSerializer.RecordSerializer {
        private static final long serialVersionUID = 1L;
        private final StateShape shape;

        LegacyRecords(StateShape shape) {
            this.shape = shape;
        }

        @Override
        public void serialize(KeyRecord record, DataOutputView target) {
            throw new UnsupportedOperationException("records of both scopes are written by SeriesStateSerializer");
        }

        @Override
        public KeyRecord deserialize(DataInputView source) throws IOException {
            int format = source.readInt();
            if (format != SeriesStateSerializer.RECORD_FORMAT_WITHOUT_HELD) {
                throw new IOException("unsupported shared key record format " + format + " (this build reads "
                        + SeriesStateSerializer.RECORD_FORMAT_WITHOUT_HELD + ")");
            }
            KeyRecord r = SeriesStateSerializer.readBookkeeping(source, false);
            if (source.readBoolean()) {
                r.model = SharedKeyState.read(source);
            }
            return r;
        }

        @Override
        public TypeSerializerSnapshot<KeyRecord> snapshotConfiguration() {
            // qualified: the name alone is the inherited SeriesStateSerializer.RecordsSnapshot here
            return new SharedStateSerializer.RecordsSnapshot(shape);
        }
    }

    /** The record serializer's snapshot as shared-scope savepoints of that time hold it. */
    public static final class RecordsSnapshot implements TypeSerializerSnapshot<KeyRecord> {
        private static final int VERSION = 1;
        private StateShape shape;

        /** For Flink, which reads the snapshot into it. */
        public RecordsSnapshot() {}

        RecordsSnapshot(StateShape shape) {
            this.shape = shape;
        }

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
            out.writeInt(SNAPSHOT_FORMAT);
            SeriesStateSerializer.writeShape(out, shape);
        }

        @Override
        public void readSnapshot(int version, DataInputView in, ClassLoader classLoader) throws IOException {
            if (version != VERSION) {
                throw new IOException("shared key record snapshot version " + version + " is not read by this build ("
                        + VERSION + "): restore with the version of the forecaster that wrote it");
            }
            int format = in.readInt();
            if (format != SNAPSHOT_FORMAT) {
                throw new IOException("unsupported shared key record format " + format + " (this build reads "
                        + SNAPSHOT_FORMAT + ")");
            }
            shape = SeriesStateSerializer.readShape(in);
        }

        @Override
        public TypeSerializer<KeyRecord> restoreSerializer() {
            return new LegacyRecords(shape);
        }

        /** Never the new snapshot: jobs write {@link SeriesStateSerializer}'s. */
        @Override
        public TypeSerializerSchemaCompatibility<KeyRecord> resolveSchemaCompatibility(
                TypeSerializerSnapshot<KeyRecord> oldSnapshot) {
            return TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
