package dev.streamforecast.stream;

import dev.streamforecast.model.SeriesState;
import dev.streamforecast.model.SeriesState.Part;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * Flink serializers for the keyed state of {@link ForecastFunction}: one part of a key's
 * {@link SeriesState} each ({@link #WEIGHTS}, {@link #MOMENTS}), and the {@link KeyRecord} that carries
 * the per-event part and the key's bookkeeping. Each writes only its part, in the model's own compact
 * binary form, so no Kryo and no reflection touch the model state, and copies (for the heap backend's
 * copy-on-write during snapshots) copy only that part.
 *
 * <p>Versioning. Each serializer's snapshot (written into every checkpoint and savepoint) has a
 * version, and the record serializer's snapshot carries the {@link StateShape} the state was made
 * under. On restore, {@link RecordsSnapshot#resolveSchemaCompatibility} compares it with the new
 * job's: when shaping settings changed, the job fails at start naming each one with its old and new
 * value (without restart attempts, which could not succeed), unless {@code model.on-shape-change=reset}
 * asks for such keys to start afresh. Snapshot version 3 is the format before shapes were recorded
 * (schema-2 model state); its records are read by a legacy serializer and migrated.
 */
public abstract class SeriesStateSerializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 2L;

    /** The snapshot version written now; 3 was written by the serializers before shapes were recorded. */
    static final int SNAPSHOT_VERSION = 4;
    static final int LEGACY_SNAPSHOT_VERSION = 3;
    /**
     * The layout of a record's bytes, written first in each record, in both scopes: 4 adds the held
     * event's time to 3.
     */
    static final int RECORD_FORMAT = 4;
    /** The earlier layout, still read: its records hold no event. */
    static final int RECORD_FORMAT_WITHOUT_HELD = 3;

    public static final Weights WEIGHTS = new Weights();
    public static final Moments MOMENTS = new Moments();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<T> duplicate() {
        return this; // stateless
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return getClass().hashCode();
    }

    /** The record serializer for state made under {@code shape}. */
    public static Records records(StateShape shape, JobSettings.ShapeChange onShapeChange) {
        return new Records(shape, onShapeChange);
    }

    /** One part of the model, as a {@link SeriesState} holding only that part. */
    abstract static class PartSerializer extends SeriesStateSerializer<SeriesState> {
        private static final long serialVersionUID = 2L;
        private final Part part;

        PartSerializer(Part part) {
            this.part = part;
        }

        @Override
        public SeriesState createInstance() {
            return new SeriesState();
        }

        @Override
        public SeriesState copy(SeriesState from) {
            return from.copy(part);
        }

        @Override
        public void serialize(SeriesState record, DataOutputView target) throws IOException {
            record.write(part, target);
        }

        @Override
        public SeriesState deserialize(DataInputView source) throws IOException {
            SeriesState s = new SeriesState();
            s.read(part, source);
            return s;
        }
    }

    /** The network's parameters. */
    public static final class Weights extends PartSerializer {
        private static final long serialVersionUID = 2L;

        /** Public for the SQL function's RAW state type, which instantiates it by class; stateless. */
        public Weights() {
            super(Part.WEIGHTS);
        }

        @Override
        public TypeSerializerSnapshot<SeriesState> snapshotConfiguration() {
            return new WeightsSnapshot();
        }
    }

    /** Adam's moments and step. */
    public static final class Moments extends PartSerializer {
        private static final long serialVersionUID = 2L;

        /** Public for the SQL function's RAW state type, which instantiates it by class; stateless. */
        public Moments() {
            super(Part.MOMENTS);
        }

        @Override
        public TypeSerializerSnapshot<SeriesState> snapshotConfiguration() {
            return new MomentsSnapshot();
        }
    }

    /** Key records, in one format or another. */
    abstract static class RecordSerializer extends SeriesStateSerializer<KeyRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public KeyRecord createInstance() {
            return new KeyRecord();
        }

        @Override
        public KeyRecord copy(KeyRecord from) {
            return from.copy();
        }

    }


    /** Key records in the layout written now, {@link #RECORD_FORMAT}. */
    abstract static class CurrentRecords extends RecordSerializer {
        private static final long serialVersionUID = 1L;

        @Override
        public void serialize(KeyRecord r, DataOutputView target) throws IOException {
            target.writeInt(RECORD_FORMAT);
            writeBookkeeping(r, target);
            target.writeBoolean(r.model != null);
            if (r.model != null) {
                r.model.write(Part.RECURRENT, target);
            }
        }

        @Override
        public KeyRecord deserialize(DataInputView source) throws IOException {
            int format = source.readInt();
            if (format != RECORD_FORMAT && format != RECORD_FORMAT_WITHOUT_HELD) {
                throw new IOException("unsupported key record format " + format + " (this build reads "
                        + RECORD_FORMAT_WITHOUT_HELD + " and " + RECORD_FORMAT + ")");
            }
            KeyRecord r = readBookkeeping(source, format == RECORD_FORMAT);
            if (source.readBoolean()) {
                r.model = new SeriesState();
                r.model.read(Part.RECURRENT, source);
            }
            return r;
        }
    }

    /** A record's fields other than its model, as every record layout writes them. */
    static void writeBookkeeping(KeyRecord r, DataOutputView target) throws IOException {
        target.writeLong(r.lastTs);
        target.writeLong(r.clock);
        target.writeInt(r.pendingCount);
        target.writeLong(r.pendingMin);
        target.writeLong(r.lastArrival);
        target.writeLong(r.expiryTimer);
        target.writeLong(r.flushTimer);
        target.writeLong(r.shape);
        target.writeLong(r.held);
    }

    /**
     * A record with the fields {@link #writeBookkeeping} wrote, and no model yet; {@code withHeld} false
     * for a layout written before events were held, which holds none.
     */
    static KeyRecord readBookkeeping(DataInputView source, boolean withHeld) throws IOException {
        KeyRecord r = new KeyRecord();
        r.lastTs = source.readLong();
        r.clock = source.readLong();
        r.pendingCount = source.readInt();
        r.pendingMin = source.readLong();
        r.lastArrival = source.readLong();
        r.expiryTimer = source.readLong();
        r.flushTimer = source.readLong();
        r.shape = source.readLong();
        r.held = withHeld ? source.readLong() : KeyRecord.NONE;
        return r;
    }

    /** A shape as snapshots record it: the number of settings, then each name and value. */
    static void writeShape(DataOutputView out, StateShape shape) throws IOException {
        Map<String, String> m = shape.settings();
        out.writeInt(m.size());
        for (Map.Entry<String, String> e : m.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
    }

    /** What {@link #writeShape} wrote. */
    static StateShape readShape(java.io.DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1000) {
            throw new IOException("corrupt shape of " + n + " settings");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(in.readUTF(), in.readUTF());
        }
        return StateShape.of(m);
    }

    /** The per-key record: bookkeeping, shape fingerprint and the model's per-event part. */
    public static final class Records extends CurrentRecords {
        private static final long serialVersionUID = 2L;
        private final StateShape shape;
        private final JobSettings.ShapeChange onShapeChange;

        Records(StateShape shape, JobSettings.ShapeChange onShapeChange) {
            this.shape = Objects.requireNonNull(shape, "shape");
            this.onShapeChange = Objects.requireNonNull(onShapeChange, "onShapeChange");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Records && ((Records) o).shape.equals(shape);
        }

        @Override
        public int hashCode() {
            return shape.hashCode();
        }

        @Override
        public TypeSerializerSnapshot<KeyRecord> snapshotConfiguration() {
            return new RecordsSnapshot(shape, onShapeChange);
        }
    }

    /**
     * Key records as {@link Records} writes them, for state whose shape is known only per key: the SQL
     * function's, whose settings arrive with its rows, after Flink has made its serializers. Its snapshot
     * records no shape; each key's model is checked against the settings by its fingerprint when the
     * key is next used.
     */
    public static final class UnshapedRecords extends CurrentRecords {
        private static final long serialVersionUID = 1L;

        /** Public for the SQL function's RAW state type, which instantiates it by class; stateless. */
        public UnshapedRecords() {}

        @Override
        public TypeSerializerSnapshot<KeyRecord> snapshotConfiguration() {
            return new UnshapedRecordsSnapshot();
        }
    }

    /** The snapshot of {@link UnshapedRecords}: the record layout. */
    public static final class UnshapedRecordsSnapshot implements TypeSerializerSnapshot<KeyRecord> {
        private static final int VERSION = 1;

        @Override
        public int getCurrentVersion() {
            return VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            out.writeInt(RECORD_FORMAT);
        }

        @Override
        public void readSnapshot(int version, DataInputView in, ClassLoader classLoader) throws IOException {
            int format = in.readInt();
            if (version != VERSION || format != RECORD_FORMAT && format != RECORD_FORMAT_WITHOUT_HELD) {
                throw new IOException("key record snapshot version " + version + ", format " + format
                        + " is not read by this build (it reads version " + VERSION + ", format " + RECORD_FORMAT
                        + "): restore with the version of the forecaster that wrote it");
            }
        }

        @Override
        public TypeSerializer<KeyRecord> restoreSerializer() {
            return new UnshapedRecords();
        }

        @Override
        public TypeSerializerSchemaCompatibility<KeyRecord> resolveSchemaCompatibility(
                TypeSerializerSnapshot<KeyRecord> oldSnapshot) {
            return oldSnapshot instanceof UnshapedRecordsSnapshot ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.incompatible();
        }
    }

    /**
     * Reads the records of snapshot version 3 (schema-2 model state): last event time, the event-time
     * expiry timer (no longer used), the model's per-event part. Their waiting events stay in the
     * pending map, uncounted until the key is next touched; the shape was not recorded.
     */
    static final class LegacyRecords extends RecordSerializer {
        private static final long serialVersionUID = 1L;
        static final LegacyRecords INSTANCE = new LegacyRecords();

        @Override
        public void serialize(KeyRecord record, DataOutputView target) {
            throw new UnsupportedOperationException("records are written in format " + RECORD_FORMAT + " only");
        }

        @Override
        public KeyRecord deserialize(DataInputView source) throws IOException {
            KeyRecord r = new KeyRecord();
            r.lastTs = source.readLong();
            source.readLong(); // the event-time expiry timer of the old format
            r.clock = r.lastTs;
            r.pendingCount = KeyRecord.UNCOUNTED;
            r.model = new SeriesState();
            r.model.read(Part.RECURRENT, source);
            return r;
        }

        @Override
        public TypeSerializerSnapshot<KeyRecord> snapshotConfiguration() {
            return new RecordsSnapshot(null, JobSettings.ShapeChange.FAIL);
        }
    }

    /** The record serializer's snapshot: format version and the shape of the state. */
    public static final class RecordsSnapshot implements TypeSerializerSnapshot<KeyRecord> {
        private StateShape shape;
        private JobSettings.ShapeChange onShapeChange = JobSettings.ShapeChange.FAIL;

        /** For Flink, which reads the snapshot into it. */
        public RecordsSnapshot() {}

        RecordsSnapshot(StateShape shape, JobSettings.ShapeChange onShapeChange) {
            this.shape = shape;
            this.onShapeChange = onShapeChange;
        }

        /** Whether this snapshot was written before shapes were recorded. */
        boolean legacy() {
            return shape == null;
        }

        @Override
        public int getCurrentVersion() {
            return SNAPSHOT_VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            out.writeInt(RECORD_FORMAT);
            writeShape(out, shape);
        }

        @Override
        public void readSnapshot(int version, DataInputView in, ClassLoader classLoader) throws IOException {
            if (version == LEGACY_SNAPSHOT_VERSION) {
                shape = null; // nothing was written
                return;
            }
            if (version != SNAPSHOT_VERSION) {
                throw new IOException("key record snapshot version " + version + " is newer than this build reads ("
                        + SNAPSHOT_VERSION + "): restore with the version of the forecaster that wrote it");
            }
            int format = in.readInt();
            if (format != RECORD_FORMAT && format != RECORD_FORMAT_WITHOUT_HELD) {
                throw new IOException("unsupported key record format " + format);
            }
            shape = readShape(in);
        }

        @Override
        public TypeSerializer<KeyRecord> restoreSerializer() {
            return legacy() ? LegacyRecords.INSTANCE : new Records(shape, onShapeChange);
        }

        @Override
        public TypeSerializerSchemaCompatibility<KeyRecord> resolveSchemaCompatibility(
                TypeSerializerSnapshot<KeyRecord> oldSnapshot) {
            StateShape before;
            boolean migrate = false;
            if (oldSnapshot instanceof SharedStateSerializer.RecordsSnapshot) {
                // records of the shared scope's own earlier form: read with its serializer, written anew
                before = ((SharedStateSerializer.RecordsSnapshot) oldSnapshot).shape();
                migrate = true;
            } else if (oldSnapshot instanceof RecordsSnapshot) {
                RecordsSnapshot old = (RecordsSnapshot) oldSnapshot;
                if (old.legacy()) {
                    if (!shape.scope().equals("key")) {
                        throw new SuppressRestartsException(new IllegalStateException(scopeChangeMessage("key",
                                shape.scope())));
                    }
                    // read with the legacy serializer, written anew; shapes are checked key by key
                    return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
                }
                before = old.shape;
            } else {
                return TypeSerializerSchemaCompatibility.incompatible();
            }
            if (!before.scope().equals(shape.scope())) {
                throw new SuppressRestartsException(new IllegalStateException(
                        scopeChangeMessage(before.scope(), shape.scope())));
            }
            List<String> changes = shape.changesFrom(before);
            if (changes.isEmpty() || onShapeChange == JobSettings.ShapeChange.RESET) {
                return migrate ? TypeSerializerSchemaCompatibility.compatibleAfterMigration()
                        : TypeSerializerSchemaCompatibility.compatibleAsIs();
            }
            throw new SuppressRestartsException(new IllegalStateException(shapeChangeMessage(changes)));
        }
    }

    /** What a restore under other shaping settings says: each change, and the two ways on. */
    static String shapeChangeMessage(List<String> changes) {
        return "the restored state was made under other model settings, which its keys' models cannot continue "
                + "with: " + String.join("; ", changes) + ". Restore with the old values, or set "
                + "model.on-shape-change=reset to start those keys afresh (their models are lost)";
    }

    /**
     * What a restore into another {@code model.scope} says. Models of one scope do not make the other's:
     * per-key models are not one shared network, nor the reverse, so such a restore is refused at start.
     */
    static String scopeChangeMessage(String from, String to) {
        return "the restored state was made with model.scope=" + from + ", which a job with model.scope=" + to
                + " cannot continue (" + (from.equals("key") ? "a model per key does not make one shared network"
                        : "one shared network does not make a model per key") + "; model.on-shape-change does not "
                + "apply). Restore it with model.scope=" + from + ", or start the model.scope=" + to + " job without "
                + "it: kafka.starting-offsets=committed resumes from the offsets the old job committed, and every key "
                + "starts afresh (docs/shared-model.md)";
    }

    /** The weights serializer's snapshot; the payload carries its own schema version. */
    public static final class WeightsSnapshot extends PartSnapshot {
        public WeightsSnapshot() {
            super(WEIGHTS);
        }
    }

    /** The moments serializer's snapshot. */
    public static final class MomentsSnapshot extends PartSnapshot {
        public MomentsSnapshot() {
            super(MOMENTS);
        }
    }

    /**
     * A model part's snapshot: version 4 writes the model's schema version, version 3 wrote nothing.
     * Either is read by the same serializer, since every part's payload opens with its schema version.
     */
    abstract static class PartSnapshot implements TypeSerializerSnapshot<SeriesState> {
        private final PartSerializer serializer;

        PartSnapshot(PartSerializer serializer) {
            this.serializer = serializer;
        }

        @Override
        public int getCurrentVersion() {
            return SNAPSHOT_VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            out.writeInt(SeriesState.SCHEMA_VERSION);
        }

        @Override
        public void readSnapshot(int version, DataInputView in, ClassLoader classLoader) throws IOException {
            if (version == SNAPSHOT_VERSION) {
                int schema = in.readInt();
                if (schema > SeriesState.SCHEMA_VERSION) {
                    throw new IOException("model state schema " + schema + " was written by a newer build (this one "
                            + "reads up to " + SeriesState.SCHEMA_VERSION + ")");
                }
            } else if (version != LEGACY_SNAPSHOT_VERSION) {
                throw new IOException("model state snapshot version " + version + " is not read by this build");
            }
        }

        @Override
        public TypeSerializer<SeriesState> restoreSerializer() {
            return serializer;
        }

        @Override
        public TypeSerializerSchemaCompatibility<SeriesState> resolveSchemaCompatibility(
                TypeSerializerSnapshot<SeriesState> oldSnapshot) {
            return oldSnapshot.getClass() == getClass() ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
