package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.Observation;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReadersTest {
    private final List<CsvReaders.RowError> errors = new ArrayList<>();

    private List<Observation> read(String text, CsvReaders.Format format) throws IOException {
        List<Observation> out = new ArrayList<>();
        try (CsvReaders.Cursor c = CsvReaders.open(new StringReader(text), format, errors::add)) {
            c.forEachRemaining(out::add);
        }
        return out;
    }

    private static long ms(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    @Test
    void wideFilesGiveOneObservationPerSeriesPerRowInFileOrder() throws IOException {
        List<Observation> obs = read("date,HUFL,OT\n2016-07-01 00:00:00,5.8,30.5\n2016-07-01 01:00:00,5.7,27.8\n",
                CsvReaders.Format.WIDE);
        assertEquals(List.of(
                new Observation("HUFL", ms("2016-07-01T00:00:00Z"), 5.8),
                new Observation("OT", ms("2016-07-01T00:00:00Z"), 30.5),
                new Observation("HUFL", ms("2016-07-01T01:00:00Z"), 5.7),
                new Observation("OT", ms("2016-07-01T01:00:00Z"), 27.8)), obs);
        assertTrue(errors.isEmpty());
    }

    @Test
    void longFilesCarryKeyValueAndNamedFeatures() throws IOException {
        String csv = "ts,key,value,temp,load\n1467331200000,a,1.5,20,0.5\n2016-07-01T00:00:01Z,b,-2,21,0.25\n";
        List<Observation> obs;
        try (CsvReaders.Cursor c = CsvReaders.open(new StringReader(csv), CsvReaders.Format.LONG, errors::add)) {
            assertEquals(List.of("temp", "load"), c.columns());
            obs = new ArrayList<>();
            c.forEachRemaining(obs::add);
        }
        assertEquals(2, obs.size());
        assertEquals(new Observation("a", 1467331200000L, 1.5, new double[] {20, 0.5}), obs.get(0));
        assertEquals(new Observation("b", 1467331201000L, -2, new double[] {21, 0.25}), obs.get(1));
        assertTrue(errors.isEmpty());
    }

    @Test
    void longFilesWithoutFeaturesGiveEmptyFeatureArrays() throws IOException {
        List<Observation> obs = read("ts,key,value\n1000,k,3\n", CsvReaders.Format.LONG);
        assertArrayEquals(new double[0], obs.get(0).features);
    }

    @Test
    void badRowsAreReportedWithLineNumberAndReasonAndTheRestIsRead() throws IOException {
        String csv = String.join("\n",
                "ts,key,value,f",          // 1
                "1000,a,1,0",              // 2 ok
                "1000,a,1",                // 3 too few fields
                "noon,a,1,0",              // 4 bad timestamp
                "1000,,1,0",               // 5 empty key
                "1000,a,x,0",              // 6 bad value
                "1000,a,NaN,0",            // 7 non-finite value
                "1000,a,1,",               // 8 empty feature
                "",                        // 9 blank: skipped silently
                "1000,\"a,b\",2,0",        // 10 ok, quoted key with a comma
                "1000,\"a,2,0",            // 11 unterminated quote
                "2000,a,3,1e-3");          // 12 ok
        List<Observation> obs = read(csv, CsvReaders.Format.LONG);
        assertEquals(3, obs.size());
        assertEquals("a,b", obs.get(1).key);
        assertEquals(0.001, obs.get(2).features[0]);
        List<Long> lines = errors.stream().map(CsvReaders.RowError::line).toList();
        assertEquals(List.of(3L, 4L, 5L, 6L, 7L, 8L, 11L), lines);
        assertTrue(errors.get(0).reason().contains("expected 4 fields, found 3"), errors.get(0).reason());
        assertTrue(errors.get(1).reason().contains("noon"), errors.get(1).reason());
        assertTrue(errors.get(3).reason().contains("'value'"), errors.get(3).reason());
        assertTrue(errors.get(5).reason().contains("'f'"), errors.get(5).reason());
        assertEquals("1000,a,1", errors.get(0).text());
    }

    @Test
    void aBadCellOfAWideRowSkipsOnlyThatSeries() throws IOException {
        List<Observation> obs = read("date,a,b,c\n2016-07-01,1,,3\n2016-07-02,4,5,abc\n", CsvReaders.Format.WIDE);
        assertEquals(List.of("a", "c", "a", "b"), obs.stream().map(o -> o.key).toList());
        assertEquals(2, errors.size());
        assertEquals(2, errors.get(0).line());
        assertTrue(errors.get(0).reason().contains("'b'") && errors.get(0).reason().contains("empty"));
        assertEquals(3, errors.get(1).line());
        assertTrue(errors.get(1).reason().contains("'c'"));
    }

    @Test
    void quotedFieldsWhitespaceCrLfAndAByteOrderMarkAreHandled() throws IOException {
        List<Observation> obs = read("\uFEFF\"date\", \"x\"\r\n 2016-07-01 00:00:00 , \"1.5\" \r\n",
                CsvReaders.Format.WIDE);
        assertEquals(List.of(new Observation("x", ms("2016-07-01T00:00:00Z"), 1.5)), obs);
        assertTrue(errors.isEmpty());
    }

    @Test
    void javaOnlyNumberSpellingsAreRefused() throws IOException {
        read("ts,key,value\n1,a,1d\n2,a,0x1p3\n3,a,Infinity\n4,a,1e400\n", CsvReaders.Format.LONG);
        assertEquals(4, errors.size());
    }

    @Test
    void unusableHeadersAreUserErrors() {
        assertThrows(UserError.class, () -> read("", CsvReaders.Format.WIDE));
        assertThrows(UserError.class, () -> read("date\n2016-07-01\n", CsvReaders.Format.WIDE));
        assertThrows(UserError.class, () -> read("ts,key\n", CsvReaders.Format.LONG));
        assertThrows(UserError.class, () -> read("date,a,a\n", CsvReaders.Format.WIDE));
        assertThrows(UserError.class, () -> read("date,a,\n", CsvReaders.Format.WIDE));
    }

    @Test
    void readsLazilyOneLineAtATime() throws IOException {
        try (CsvReaders.Cursor c = CsvReaders.open(new StringReader("date,a,b\n1000,1,2\n2000,3,4\n"),
                CsvReaders.Format.WIDE, errors::add)) {
            assertEquals(1, c.line());
            c.next();
            assertEquals(2, c.line());
            c.next();
            assertEquals(2, c.line());
            c.next();
            assertEquals(3, c.line());
            c.next();
            assertFalse(c.hasNext());
        }
    }

    @Test
    void readsFilesAndCountsObservations(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("s.csv");
        Files.writeString(file, "timestamp,value\n2014-07-01 00:00:00,10844\n2014-07-01 00:30:00,8127\n",
                StandardCharsets.UTF_8);
        List<Observation> obs = new ArrayList<>();
        assertEquals(2, CsvReaders.read(file, CsvReaders.Format.WIDE, obs::add, errors::add));
        assertEquals(8127, obs.get(1).value);
        assertEquals(ms("2014-07-01T00:30:00Z"), obs.get(1).ts);
    }

    @Test
    void formatsAreNamedAsConfigurationsSpellThem() {
        assertEquals(CsvReaders.Format.WIDE, CsvReaders.Format.of("csv-wide"));
        assertEquals(CsvReaders.Format.LONG, CsvReaders.Format.of(" CSV-LONG "));
        assertThrows(IllegalArgumentException.class, () -> CsvReaders.Format.of("json"));
    }

    @Test
    void readsEtth1InFullWithoutErrors() throws IOException {
        Path file = Path.of("../shared/data/ETTh1.csv");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(file), "shared data not present");
        long n = CsvReaders.read(file, CsvReaders.Format.WIDE, o -> { }, errors::add);
        assertEquals(17_420L * 7, n);
        assertTrue(errors.isEmpty(), () -> errors.toString());
    }
}
