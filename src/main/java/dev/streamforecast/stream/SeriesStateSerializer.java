package dev.streamforecast.stream;

import dev.streamforecast.model.SeriesState;
import dev.streamforecast.model.SeriesState.Part;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializers for the keyed state of {@link ForecastFunction}: one part of a key's
 * {@link SeriesState} each ({@link #WEIGHTS}, {@link #MOMENTS}), and the {@link KeyRecord} that carries
 * the per-event part. Each writes only its part, in the model's own compact binary form, versioned
 * inside the payload ({@link SeriesState#SCHEMA_VERSION}), so no Kryo and no reflection touch the
 * model state, and copies (for the heap backend's copy-on-write during snapshots) copy only that part.
 */
public abstract class SeriesStateSerializer<T> extends TypeSerializerSingleton<T> {
    private static final long serialVersionUID = 1L;

    public static final Weights WEIGHTS = new Weights();
    public static final Moments MOMENTS = new Moments();
    public static final Records RECORDS = new Records();

    @Override
    public boolean isImmutableType() {
        return false;
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

    /** One part of the model, as a {@link SeriesState} holding only that part. */
    abstract static class PartSerializer extends SeriesStateSerializer<SeriesState> {
        private static final long serialVersionUID = 1L;
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
        private static final long serialVersionUID = 1L;

        private Weights() {
            super(Part.WEIGHTS);
        }

        @Override
        public TypeSerializerSnapshot<SeriesState> snapshotConfiguration() {
            return new WeightsSnapshot();
        }
    }

    /** Adam's moments and step. */
    public static final class Moments extends PartSerializer {
        private static final long serialVersionUID = 1L;

        private Moments() {
            super(Part.MOMENTS);
        }

        @Override
        public TypeSerializerSnapshot<SeriesState> snapshotConfiguration() {
            return new MomentsSnapshot();
        }
    }

    /** The per-key record: event-time bookkeeping and the model's per-event part. */
    public static final class Records extends SeriesStateSerializer<KeyRecord> {
        private static final long serialVersionUID = 1L;

        private Records() {}

        @Override
        public KeyRecord createInstance() {
            return new KeyRecord();
        }

        @Override
        public KeyRecord copy(KeyRecord from) {
            KeyRecord c = new KeyRecord(from.model.copy(Part.RECURRENT));
            c.lastTs = from.lastTs;
            c.expiryTimer = from.expiryTimer;
            return c;
        }

        @Override
        public void serialize(KeyRecord record, DataOutputView target) throws IOException {
            target.writeLong(record.lastTs);
            target.writeLong(record.expiryTimer);
            record.model.write(Part.RECURRENT, target);
        }

        @Override
        public KeyRecord deserialize(DataInputView source) throws IOException {
            KeyRecord r = new KeyRecord(new SeriesState());
            r.lastTs = source.readLong();
            r.expiryTimer = source.readLong();
            r.model.read(Part.RECURRENT, source);
            return r;
        }

        @Override
        public TypeSerializerSnapshot<KeyRecord> snapshotConfiguration() {
            return new RecordsSnapshot();
        }
    }

    /** Restores the weights serializer on recovery; the payload carries its own schema version. */
    public static final class WeightsSnapshot extends SimpleTypeSerializerSnapshot<SeriesState> {
        public WeightsSnapshot() {
            super(() -> WEIGHTS);
        }
    }

    /** Restores the moments serializer on recovery. */
    public static final class MomentsSnapshot extends SimpleTypeSerializerSnapshot<SeriesState> {
        public MomentsSnapshot() {
            super(() -> MOMENTS);
        }
    }

    /** Restores the record serializer on recovery. */
    public static final class RecordsSnapshot extends SimpleTypeSerializerSnapshot<KeyRecord> {
        public RecordsSnapshot() {
            super(() -> RECORDS);
        }
    }
}
