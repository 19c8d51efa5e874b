package dev.streamforecast.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.Observation;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.ModelScope;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The key record's bytes across layouts: records and snapshots written by the layouts that kept a key's
 * events in a map state (key scope 3 and 4, shared scope 1, the SQL function's) are still read, marked
 * to take those events from the map, and the current layout keeps the waiting and held events in the
 * record with every other field.
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

    /** A record without a model, as the earlier layout of {@code format} wrote it, holding nothing. */
    private static byte[] earlier(int format) throws IOException {
        return earlier(format, KeyRecord.NONE);
    }

    /** A record without a model, as the earlier layout of {@code format} wrote it, holding {@code held} (layout 4). */
    private static byte[] earlier(int format, long held) throws IOException {
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
        if (format == SeriesStateSerializer.RECORD_FORMAT_WITH_HELD_TIME) {
            out.writeLong(held);
        }
        out.writeBoolean(false);           // no model
        return out.getCopyOfBuffer();
    }

    @Test
    void recordsOfTheLayoutsThatKeptEventsInAMapAreReadMarkedToTakeThemFromIt() throws IOException {
        for (TypeSerializer<KeyRecord> s : serializers()) {
            for (int format : new int[] {SeriesStateSerializer.RECORD_FORMAT_WITHOUT_HELD,
                    SeriesStateSerializer.RECORD_FORMAT_WITH_HELD_TIME}) {
                // every scope's records open with the key scope's record layout
                KeyRecord r = s.deserialize(new DataInputDeserializer(earlier(format)));
                String what = s.getClass().getSimpleName() + " format " + format;
                assertEquals(1_700_000_000_000L, r.lastTs, what);
                assertEquals(1_700_000_005_000L, r.clock, what);
                assertEquals(42, r.lastArrival, what);
                assertEquals(99, r.flushTimer, what);
                assertEquals(0x5eed, r.shape, what);
                assertTrue(r.eventsInMap(), what + ": two events wait in the map");
                assertEquals(0, r.waitingCount(), what + ": not taken before the store reads the map");
                assertNull(r.held, what);
                assertNull(r.model, what);
            }
        }
    }

    @Test
    void aRecordOfTheLayoutWithTheHeldTimeTakesThatEventFromTheMapAsHeldAndTheOthersAsWaiting() throws IOException {
        long held = 5_680_281_600_000L;
        KeyRecord r = SeriesStateSerializer.records(KEY, JobSettings.ShapeChange.FAIL).deserialize(
                new DataInputDeserializer(earlier(SeriesStateSerializer.RECORD_FORMAT_WITH_HELD_TIME, held)));
        r.adoptFromMap(List.of(new Observation("k", 1_700_000_005_000L, 2), new Observation("k", held, 3),
                new Observation("k", 1_700_000_001_000L, 1)));
        assertEquals(held, r.held.ts);
        assertEquals(2, r.waitingCount());
        assertEquals(1_700_000_001_000L, r.waiting.first(), "in time order, whatever the map's");
        assertTrue(r.eventsInMap(), "until the record is stored, the map keeps them");
        r.mapEmptied();
        assertFalse(r.eventsInMap());
    }

    @Test
    void theCurrentLayoutKeepsTheWaitingAndHeldEventsAndEveryOtherField() throws IOException {
        KeyRecord r = new KeyRecord();
        r.lastTs = 10;
        r.clock = 20;
        r.span = 7;
        r.endTimer = true;
        r.held = new Observation("k", 5_680_281_600_000L, 4, new double[] {1.5})
                .from("topic-0@12", "{\"ts\":\"2150-01-01\"}".getBytes(StandardCharsets.UTF_8));
        r.waiting.add(new Observation("k", 17, 2, new double[] {0.5}));
        r.waiting.add(new Observation("k", 15, 1, new double[] {0.25}));
        r.shape = 7;
        for (TypeSerializer<KeyRecord> s : serializers()) {
            DataOutputSerializer out = new DataOutputSerializer(128);
            s.serialize(r, out);
            KeyRecord back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            String what = s.getClass().getSimpleName();
            assertEquals(r.held, back.held, what);
            assertEquals("topic-0@12", back.held.origin, what);
            assertArrayEquals(r.held.payload, back.held.payload, what);
            assertEquals(r.clock, back.clock, what);
            assertEquals(r.lastTs, back.lastTs, what);
            assertEquals(7, back.span, what);
            assertTrue(back.endTimer, what);
            assertEquals(2, back.waitingCount(), what);
            assertEquals(r.waiting.get(0), back.waiting.get(0), what);
            assertEquals(r.waiting.get(1), back.waiting.get(1), what);
            assertFalse(back.eventsInMap(), what);
            KeyRecord copy = s.copy(r);
            assertEquals(r.held, copy.held, what);
            assertEquals(2, copy.waitingCount(), what);
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
        assertNull(r.held);
        assertTrue(r.eventsInMap());

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
