package dev.streamforecast.stream;

import dev.streamforecast.model.SharedKeyState;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * The serializer of a key's record when keys share their network ({@code model.scope=shared}): the
 * key's bookkeeping as {@link SeriesStateSerializer}'s records hold it, and the key's own state in
 * {@link SharedKeyState}'s form, a few kilobytes, in the keyed state named {@code series} as in key
 * scope. Its snapshot records the {@link StateShape}: a restore under other shaping settings fails at
 * start naming each change (or, with {@code model.on-shape-change=reset}, such keys start afresh), and
 * a restore of key-scope state fails naming the scope, as the key-scope serializer does for this one.
 */
public final class SharedStateSerializer {
    /**
     * The layout the snapshot names: 2 adds the held event's time to 1. Each record opens with the key
     * scope's record layout ({@link SeriesStateSerializer#RECORD_FORMAT}), as its bookkeeping is that
     * layout's; records of snapshot layout 1 open with {@link SeriesStateSerializer#RECORD_FORMAT_WITHOUT_HELD}.
     */
    static final int RECORD_FORMAT = 2;
    /** The earlier snapshot layout, still read: its records hold no event. */
    static final int RECORD_FORMAT_WITHOUT_HELD = 1;

    private SharedStateSerializer() {}

    /** The record serializer for shared-scope state made under {@code shape}. */
    static Records records(StateShape shape, JobSettings.ShapeChange onShapeChange) {
        return new Records(shape, onShapeChange);
    }

    /** Key records with the key's shared-scope state. */
    public static final class Records extends SeriesStateSerializer.RecordSerializer {
        private static final long serialVersionUID = 1L;
        private final StateShape shape;
        private final JobSettings.ShapeChange onShapeChange;

        Records(StateShape shape, JobSettings.ShapeChange onShapeChange) {
            this.shape = Objects.requireNonNull(shape, "shape");
            this.onShapeChange = Objects.requireNonNull(onShapeChange, "onShapeChange");
        }

        @Override
        public void serialize(KeyRecord r, DataOutputView target) throws IOException {
            target.writeInt(SeriesStateSerializer.RECORD_FORMAT);
            SeriesStateSerializer.writeBookkeeping(r, target);
            target.writeBoolean(r.model != null);
            if (r.model != null) {
                SharedKeyState.write(r.model, target);
            }
        }

        @Override
        public KeyRecord deserialize(DataInputView source) throws IOException {
            int format = source.readInt();
            boolean withHeld = format == SeriesStateSerializer.RECORD_FORMAT;
            if (!withHeld && format != SeriesStateSerializer.RECORD_FORMAT_WITHOUT_HELD) {
                throw new IOException("unsupported shared key record format " + format + " (this build reads "
                        + SeriesStateSerializer.RECORD_FORMAT_WITHOUT_HELD + " and " + SeriesStateSerializer.RECORD_FORMAT
                        + ")");
            }
            KeyRecord r = SeriesStateSerializer.readBookkeeping(source, withHeld);
            if (source.readBoolean()) {
                r.model = SharedKeyState.read(source);
            }
            return r;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SharedStateSerializer.Records && ((SharedStateSerializer.Records) o).shape.equals(shape);
        }

        @Override
        public int hashCode() {
            return shape.hashCode();
        }

        @Override
        public TypeSerializerSnapshot<KeyRecord> snapshotConfiguration() {
            return new SharedStateSerializer.RecordsSnapshot(shape, onShapeChange);
        }
    }

    /** The record serializer's snapshot: the record layout and the shape of the state. */
    public static final class RecordsSnapshot implements TypeSerializerSnapshot<KeyRecord> {
        private static final int VERSION = 1;
        private StateShape shape;
        private JobSettings.ShapeChange onShapeChange = JobSettings.ShapeChange.FAIL;

        /** For Flink, which reads the snapshot into it. */
        public RecordsSnapshot() {}

        RecordsSnapshot(StateShape shape, JobSettings.ShapeChange onShapeChange) {
            this.shape = shape;
            this.onShapeChange = onShapeChange;
        }

        @Override
        public int getCurrentVersion() {
            return VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            out.writeInt(RECORD_FORMAT);
            SeriesStateSerializer.writeShape(out, shape);
        }

        @Override
        public void readSnapshot(int version, DataInputView in, ClassLoader classLoader) throws IOException {
            if (version != VERSION) {
                throw new IOException("shared key record snapshot version " + version + " is not read by this build ("
                        + VERSION + "): restore with the version of the forecaster that wrote it");
            }
            int format = in.readInt();
            if (format != RECORD_FORMAT && format != RECORD_FORMAT_WITHOUT_HELD) {
                throw new IOException("unsupported shared key record format " + format);
            }
            shape = SeriesStateSerializer.readShape(in);
        }

        @Override
        public TypeSerializer<KeyRecord> restoreSerializer() {
            return new Records(shape, onShapeChange);
        }

        @Override
        public TypeSerializerSchemaCompatibility<KeyRecord> resolveSchemaCompatibility(
                TypeSerializerSnapshot<KeyRecord> oldSnapshot) {
            if (oldSnapshot instanceof SeriesStateSerializer.RecordsSnapshot) {
                throw new SuppressRestartsException(new IllegalStateException(
                        SeriesStateSerializer.scopeChangeMessage("key", shape.scope())));
            }
            if (!(oldSnapshot instanceof RecordsSnapshot)) {
                return TypeSerializerSchemaCompatibility.incompatible();
            }
            List<String> changes = shape.changesFrom(((RecordsSnapshot) oldSnapshot).shape);
            if (changes.isEmpty() || onShapeChange == JobSettings.ShapeChange.RESET) {
                return TypeSerializerSchemaCompatibility.compatibleAsIs();
            }
            throw new SuppressRestartsException(new IllegalStateException(
                    SeriesStateSerializer.shapeChangeMessage(changes)));
        }
    }
}
