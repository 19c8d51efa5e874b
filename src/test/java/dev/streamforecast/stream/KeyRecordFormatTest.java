package dev.streamforecast.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.ModelScope;
import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The key record's bytes across the layout that added the held event: records and snapshots written by
 * the earlier layout (key scope 3, shared scope 1, the SQL function's) are still read, with nothing
 * held, and the current layout keeps every field.
 */
class KeyRecordFormatTest {
    private static final StateShape KEY = StateShape.of(ModelConfig.builder().hidden(8).build());
    private static final StateShape SHARED = StateShape.of(ModelConfig.builder().hidden(8)
            .scope(ModelScope.SHARED).build());

    private static List<TypeSerializer<KeyRecord>> serializers() {
        return List.of(SeriesStateSerializer.records(KEY, JobSettings.ShapeChange.FAIL),
                new SeriesStateSerializer.UnshapedRecords(),
                SeriesStateSerializer.records(SHARED, JobSettings.ShapeChange.FAIL));
    }

    /** A record without a model, as the earlier layout of {@code format} wrote it. */
    private static byte[] earlier(int format) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(128);
        out.writeInt(format);
        out.writeLong(1_700_000_000_000L); // last used
        out.writeLong(1_700_000_005_000L); // clock
        out.writeInt(2);                   // waiting
        out.writeLong(1_700_000_001_000L); // earliest waiting
        out.writeLong(42);                 // last arrival
        out.writeLong(KeyRecord.NONE);     // expiry timer
        out.writeLong(99);                 // flush timer
        out.writeLong(0x5eed);             // shape
        out.writeBoolean(false);           // no model
        return out.getCopyOfBuffer();
    }

    @Test
    void recordsOfTheLayoutBeforeHeldEventsAreReadWithNoneHeld() throws IOException {
        for (TypeSerializer<KeyRecord> s : serializers()) {
            // every scope's records open with the key scope's record layout
            KeyRecord r = s.deserialize(new DataInputDeserializer(earlier(SeriesStateSerializer.RECORD_FORMAT_WITHOUT_HELD)));
            assertEquals(1_700_000_000_000L, r.lastTs);
            assertEquals(1_700_000_005_000L, r.clock);
            assertEquals(2, r.pendingCount);
            assertEquals(1_700_000_001_000L, r.pendingMin);
            assertEquals(42, r.lastArrival);
            assertEquals(99, r.flushTimer);
            assertEquals(0x5eed, r.shape);
            assertEquals(KeyRecord.NONE, r.held, s.getClass().getSimpleName());
            assertNull(r.model);
        }
    }

    @Test
    void theCurrentLayoutKeepsTheHeldEventAndEveryOtherField() throws IOException {
        KeyRecord r = new KeyRecord();
        r.lastTs = 10;
        r.clock = 20;
        r.held = 5_680_281_600_000L;
        r.pendingCount = 1;
        r.pendingMin = 15;
        r.shape = 7;
        for (TypeSerializer<KeyRecord> s : serializers()) {
            DataOutputSerializer out = new DataOutputSerializer(128);
            s.serialize(r, out);
            KeyRecord back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            assertEquals(r.held, back.held);
            assertEquals(r.clock, back.clock);
            assertEquals(r.pendingMin, back.pendingMin);
            assertEquals(r.held, s.copy(r).held);
        }
    }

    @Test
    void snapshotsOfTheEarlierLayoutRestoreIntoTheCurrentSerializers() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeInt(SeriesStateSerializer.RECORD_FORMAT_WITHOUT_HELD);
        SeriesStateSerializer.writeShape(out, KEY);
        TypeSerializerSnapshot<KeyRecord> keyed = new SeriesStateSerializer.RecordsSnapshot();
        keyed.readSnapshot(SeriesStateSerializer.SNAPSHOT_VERSION, new DataInputDeserializer(out.getCopyOfBuffer()),
                getClass().getClassLoader());
        KeyRecord r = keyed.restoreSerializer().deserialize(new DataInputDeserializer(
                earlier(SeriesStateSerializer.RECORD_FORMAT_WITHOUT_HELD)));
        assertEquals(KeyRecord.NONE, r.held);

        out.clear();
        out.writeInt(SeriesStateSerializer.RECORD_FORMAT_WITHOUT_HELD);
        new SeriesStateSerializer.UnshapedRecordsSnapshot().readSnapshot(1,
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

        out.clear();
        out.writeInt(SharedStateSerializer.SNAPSHOT_FORMAT);
        SeriesStateSerializer.writeShape(out, SHARED);
        new SharedStateSerializer.RecordsSnapshot().readSnapshot(1, new DataInputDeserializer(out.getCopyOfBuffer()),
                getClass().getClassLoader());
    }
}
