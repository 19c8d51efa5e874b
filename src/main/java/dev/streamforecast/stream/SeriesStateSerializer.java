package dev.streamforecast.stream;

import dev.streamforecast.event.Observation;
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
import org.apache.flink.types.StringValue;

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
     * The layout of a record's bytes, written first in each record, in both scopes: 5 keeps the waiting
     * and held events in the record and the key's longest recent interval; 4 added the held event's
     * time to 3. Records of 3 and 4 are still read; their events are in the map state of that time.
     */
    static final int RECORD_FORMAT = 5;
    /** The layout that kept the held event's time in the record and its events in the map state. */
    static final int RECORD_FORMAT_WITH_HELD_TIME = 4;
    /** The earliest layout still read: nothing held, waiting events in the map state. */
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


    /** Key records in the layout written now, {@link #RECORD_FORMAT}, and those before it still read. */
    abstract static class CurrentRecords extends RecordSerializer {
        private static final long serialVersionUID = 1L;

        @Override
        public void serialize(KeyRecord r, DataOutputView target) throws IOException {
            target.writeInt(RECORD_FORMAT);
            target.writeLong(r.lastTs);
            target.writeLong(r.clock);
            target.writeLong(r.span);
            target.writeLong(r.lastArrival);
            target.writeLong(r.expiryTimer);
            target.writeLong(r.flushTimer);
            target.writeLong(r.shape);
            target.writeBoolean(r.endTimer);
            writeEvents(r, target);
            target.writeBoolean(r.model != null);
            if (r.model != null) {
                r.model.write(Part.RECURRENT, target);
            }
        }

        @Override
        public KeyRecord deserialize(DataInputView source) throws IOException {
            int format = source.readInt();
            if (!readable(format)) {
                throw new IOException("unsupported key record format " + format + " (this build reads "
                        + RECORD_FORMAT_WITHOUT_HELD + " to " + RECORD_FORMAT + ")");
            }
            KeyRecord r;
            if (format == RECORD_FORMAT) {
                r = new KeyRecord();
                r.lastTs = source.readLong();
                r.clock = source.readLong();
                r.span = source.readLong();
                r.lastArrival = source.readLong();
                r.expiryTimer = source.readLong();
                r.flushTimer = source.readLong();
                r.shape = source.readLong();
                r.endTimer = source.readBoolean();
                readEvents(r, source);
            } else {
                r = readBookkeeping(source, format == RECORD_FORMAT_WITH_HELD_TIME);
            }
            if (source.readBoolean()) {
                r.model = new SeriesState();
                r.model.read(Part.RECURRENT, source);
            }
            return r;
        }
    }

    /** Whether a record or a snapshot of layout {@code format} is read by this build. */
    static boolean readable(int format) {
        return format >= RECORD_FORMAT_WITHOUT_HELD && format <= RECORD_FORMAT;
    }

    /**
     * The key's waiting events, then its held event: their key once (every event of a record is the
     * record's key's), then each event's time, value and covariates; the held event also keeps its
     * origin and original bytes, which its refusal would carry.
     */
    private static void writeEvents(KeyRecord r, DataOutputView target) throws IOException {
        int n = r.waiting.size();
        target.writeInt(n);
        target.writeBoolean(r.held != null);
        if (n == 0 && r.held == null) {
            return;
        }
        StringValue.writeString(r.held != null ? r.held.key : r.waiting.get(0).key, target);
        for (int i = 0; i < n; i++) {
            writeEvent(r.waiting.get(i), target);
        }
        if (r.held != null) {
            writeEvent(r.held, target);
            StringValue.writeString(r.held.origin, target);
            byte[] payload = r.held.payload;
            target.writeInt(payload == null ? -1 : payload.length);
            if (payload != null) {
                target.write(payload);
            }
        }
    }

    private static void writeEvent(Observation obs, DataOutputView target) throws IOException {
        target.writeLong(obs.ts);
        target.writeDouble(obs.value);
        target.writeInt(obs.features.length);
        for (double f : obs.features) {
            target.writeDouble(f);
        }
    }

    /** What {@link #writeEvents} wrote, into {@code r}. */
    private static void readEvents(KeyRecord r, DataInputView source) throws IOException {
        int n = source.readInt();
        boolean held = source.readBoolean();
        if (n < 0) {
            throw new IOException("corrupt key record: " + n + " waiting events");
        }
        if (n == 0 && !held) {
            return;
        }
        String key = StringValue.readString(source);
        for (int i = 0; i < n; i++) {
            r.waiting.add(readEvent(key, source));
        }
        if (held) {
            Observation h = readEvent(key, source);
            h.origin = StringValue.readString(source);
            int bytes = source.readInt();
            if (bytes >= 0) {
                h.payload = new byte[bytes];
                source.readFully(h.payload);
            }
            r.held = h;
        }
    }

    private static Observation readEvent(String key, DataInputView source) throws IOException {
        long ts = source.readLong();
        double value = source.readDouble();
        int n = source.readInt();
        if (n < 0 || n > 100_000) {
            throw new IOException("corrupt key record: an event with " + n + " covariates");
        }
        double[] features = new double[n];
        for (int i = 0; i < n; i++) {
            features[i] = source.readDouble();
        }
        return new Observation(key, ts, value, features);
    }

    /**
     * A record of layout 3 or 4 ({@code withHeld}): its fields other than its model, and no model yet.
     * Its waiting events, and its held one, are in the map state of that time, which the key's store
     * moves into the record when the key is next touched.
     */
    static KeyRecord readBookkeeping(DataInputView source, boolean withHeld) throws IOException {
        KeyRecord r = new KeyRecord();
        r.lastTs = source.readLong();
        r.clock = source.readLong();
        int waiting = source.readInt();
        source.readLong(); // the earliest waiting event's time, which the record's events now give
        r.lastArrival = source.readLong();
        r.expiryTimer = source.readLong();
        r.flushTimer = source.readLong();
        r.shape = source.readLong();
        long held = withHeld ? source.readLong() : KeyRecord.NONE;
        if (waiting != 0 || held != KeyRecord.NONE) {
            r.eventsInMap(held);
        }
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
            if (version != VERSION || !readable(format)) {
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
            r.eventsInMap(KeyRecord.NONE);
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
            if (!readable(format)) {
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
