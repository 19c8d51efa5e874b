package dev.streamforecast.io;

import static dev.streamforecast.testutil.HostileInput.file;
import static dev.streamforecast.testutil.HostileInput.lines;
import static dev.streamforecast.testutil.HostileInput.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Observation;
import dev.streamforecast.testutil.HostileInput;
import dev.streamforecast.testutil.HostileTimes;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile files through the reader every file replay uses: each refusal is a dead letter with its file
 * and line, its kind, its reason and the exact bytes of the line; files that cannot be meant as given
 * are refused with a suggestion.
 */
class HistoryFileTest {
    /** The replay's start: the far-future rule's reference. */
    private static final long NOW = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private static final InputSettings SETTINGS = InputSettings.defaults(List.of());

    @TempDir
    Path dir;

    private HistoryFile.Contents read(String name, String format, byte[] bytes) throws IOException {
        HistoryFile.Contents c = HistoryFile.read(file(dir, name, bytes), format, SETTINGS, NOW);
        for (DeadLetter d : c.deadLetters) {
            HostileInput.json(DeadLetterCodec.encode(d, SETTINGS.maxPayloadBytes, Integer.MAX_VALUE));
        }
        return c;
    }

    private static void refused(DeadLetter d, String origin, String kind, String reason, byte[] payload) {
        assertEquals(origin, d.origin);
        assertEquals(kind, d.kind);
        assertTrue(d.reason.contains(reason), () -> "'" + d.reason + "' should contain '" + reason + "'");
        assertArrayEquals(payload, d.payload, () -> "payload " + d.payloadText());
    }

    private static String message(Runnable r) {
        return assertThrows(UserError.class, r::run).getMessage();
    }

    @Test
    void invalidUtf8InTheMiddleOfJsonLinesIsOneDeadLetterWithItsLineNumber() throws IOException {
        byte[] bad = {'{', '"', 'k', 'e', 'y', '"', ':', '"', (byte) 0xC3, '"', '}'};
        HistoryFile.Contents c = read("in.jsonl", HistoryFile.AUTO, lines(
                utf8("{\"key\":\"a\",\"ts\":1000,\"value\":1}"), bad, utf8("{\"key\":\"a\",\"ts\":2000,\"value\":2}")));
        assertEquals(2, c.observations.size());
        assertEquals(1, c.deadLetters.size());
        refused(c.deadLetters.get(0), "in.jsonl:2", DeadLetter.MALFORMED, "invalid UTF-8 at byte 9 of the line (0xC3)", bad);
        assertNull(c.problem);
        assertEquals("in.jsonl:3", c.observations.get(1).origin);
        assertArrayEquals(utf8("{\"key\":\"a\",\"ts\":2000,\"value\":2}"), c.observations.get(1).payload);
    }

    @Test
    void invalidUtf8InTheMiddleOfACsvIsOneDeadLetterWithItsLineNumberInBothLayouts() throws IOException {
        byte[] bad = {'3', '0', '0', '0', ',', 'a', (byte) 0xFF, ',', '3'};
        HistoryFile.Contents longFile = read("long.csv", "csv-long",
                lines(utf8("ts,key,value"), utf8("1000,a,1"), bad, utf8("2000,a,2")));
        assertEquals(2, longFile.observations.size());
        refused(longFile.deadLetters.get(0), "long.csv:3", DeadLetter.MALFORMED, "invalid UTF-8 at byte 7", bad);

        byte[] badWide = {'3', '0', '0', '0', ',', '1', (byte) 0xFF, ',', '3'};
        HistoryFile.Contents wide = read("wide.csv", "csv-wide",
                lines(utf8("date,a,b"), utf8("1000,1,2"), badWide, utf8("2000,3,4")));
        assertEquals(4, wide.observations.size());
        refused(wide.deadLetters.get(0), "wide.csv:3", DeadLetter.MALFORMED, "invalid UTF-8 at byte 7", badWide);
    }

    @Test
    void csvObservationsCarryTheirFileLineAndTheBytesTheyCameFrom() throws IOException {
        HistoryFile.Contents longFile = read("l.csv", "csv-long", utf8("ts,key,value\n1000, \"k,1\" ,1.5\r\n"));
        Observation o = longFile.observations.get(0);
        assertEquals("l.csv:2", o.origin);
        assertArrayEquals(utf8("1000, \"k,1\" ,1.5"), o.payload, "the line without its end");

        HistoryFile.Contents wide = read("w.csv", "csv-wide", utf8("date,a,b\n2024-01-01 00:00, 1.5,\"2\"\n"));
        assertEquals("w.csv:2", wide.observations.get(1).origin);
        assertArrayEquals(utf8("2024-01-01 00:00, 1.5"), wide.observations.get(0).payload, "time cell and own cell");
        assertArrayEquals(utf8("2024-01-01 00:00,\"2\""), wide.observations.get(1).payload);
    }

    @Test
    void nulBytesAreRefusedWhereTheyBreakARecordAndKeptWhereTheyAreText() throws IOException {
        byte[] nulInJson = utf8("{\"key\":\"a\u0000\",\"ts\":2000,\"value\":2}");
        HistoryFile.Contents json = read("nul.jsonl", HistoryFile.AUTO,
                lines(utf8("{\"key\":\"a\",\"ts\":1000,\"value\":1}"), nulInJson));
        refused(json.deadLetters.get(0), "nul.jsonl:2", DeadLetter.MALFORMED, "malformed JSON", nulInJson);

        byte[] nulValue = utf8("2000,a,1\u00002");
        HistoryFile.Contents csv = read("nul.csv", HistoryFile.AUTO,
                lines(utf8("ts,key,value"), utf8("1000,a\u0000b,1"), nulValue, utf8("3000,a,3")));
        refused(csv.deadLetters.get(0), "nul.csv:3", DeadLetter.MALFORMED, "not a number", nulValue);
        assertEquals("a\u0000b", csv.observations.get(0).key, "a key is text, whatever characters it holds");

        String m = message(() -> readUnchecked("zeros.csv", HistoryFile.AUTO, new byte[4096]));
        assertTrue(m.contains("NUL bytes"), m);
        byte[] utf16 = "ts,key,value\n1000,a,1\n".getBytes(java.nio.charset.StandardCharsets.UTF_16);
        m = message(() -> readUnchecked("utf16.csv", HistoryFile.AUTO, utf16));
        assertTrue(m.contains("UTF-16") && m.contains("save it as UTF-8"), m);
    }

    @Test
    void keysWithBackslashesQuotesAndControlCharactersAreReadAsTheyAre() throws IOException {
        byte[] json = utf8("{\"key\":\"a\\\\b\\\"c\\u0001\\n\",\"ts\":1000,\"value\":1}");
        HistoryFile.Contents c = read("keys.jsonl", "jsonl", lines(json));
        assertEquals("a\\b\"c\u0001\n", c.observations.get(0).key);
        assertArrayEquals(json, c.observations.get(0).payload);
        byte[] csv = utf8("1000,\"a\\b\"\"c\u0001\t\",1");
        c = read("keys.csv", "csv-long", lines(utf8("ts,key,value"), csv));
        assertEquals("a\\b\"c\u0001\t", c.observations.get(0).key);
        assertArrayEquals(csv, c.observations.get(0).payload);
    }

    @Test
    void aTenMegabyteLineIsOneDeadLetterKeepingItsFirstBytesAndItsSize() throws IOException {
        byte[] huge = new byte[10 << 20];
        Arrays.fill(huge, (byte) 'x');
        huge[0] = '{';
        for (String format : List.of("jsonl", "csv-long")) {
            byte[] first = format.equals("jsonl") ? utf8("{\"key\":\"a\",\"ts\":1000,\"value\":1}") : utf8("ts,key,value");
            byte[] last = format.equals("jsonl") ? utf8("{\"key\":\"a\",\"ts\":2000,\"value\":2}") : utf8("2000,a,2");
            HistoryFile.Contents c = read("huge." + format, format, lines(first, huge, last));
            DeadLetter d = c.deadLetters.get(0);
            assertEquals("huge." + format + ":2", d.origin);
            assertEquals(DeadLetter.MALFORMED, d.kind);
            assertTrue(d.reason.contains("line of 10485760 bytes is longer than the limit"), d.reason);
            assertArrayEquals(Arrays.copyOf(huge, DeadLetterCodec.DEFAULT_MAX_PAYLOAD_BYTES), d.payload);
            assertEquals(huge.length, d.payloadBytes);
            assertEquals(format.equals("jsonl") ? 2 : 1, c.observations.size(), format);
        }
    }

    @Test
    void aHeaderOnlyCsvAFileWithoutHeaderAndAnEmptyFileAreClearErrors() {
        String m = message(() -> readUnchecked("h.csv", HistoryFile.AUTO, utf8("ts,key,value\n\n")));
        assertEquals("h.csv has a header (ts,key,value) but no rows", m);
        m = message(() -> readUnchecked("n.csv", "csv-long", utf8("2024-01-01,a,1\n2024-01-02,a,2\n")));
        assertTrue(m.startsWith("n.csv: the first line looks like data, not a header ('2024-01-01,a,1')"), m);
        m = message(() -> readUnchecked("n2.csv", HistoryFile.AUTO, utf8("1467331200000,5.5,2.25\n")));
        assertTrue(m.contains("looks like data"), m);
        m = message(() -> readUnchecked("e.csv", HistoryFile.AUTO, utf8(" \n\n")));
        assertTrue(m.startsWith("e.csv is empty"), m);
    }

    @Test
    void aLongFileReadAsWideIsRefusedWithTheRightFormat() {
        byte[] longFile = utf8("ts,key,value\n1000,a,1\n1000,b,2\n2000,a,3\n");
        String m = message(() -> readUnchecked("l.csv", "csv-wide", longFile));
        assertTrue(m.startsWith("l.csv looks like csv-long (header ts,key,value names a key and a value column), "
                + "not csv-wide: use --format csv-long"), m);
        byte[] unnamed = utf8("time,sensor,reading\n1000,north,1\n1000,south,2\n2000,north,3\n");
        m = message(() -> readUnchecked("u.csv", "csv-wide", unnamed));
        assertTrue(m.contains("use --format csv-long"), m);
    }

    @Test
    void aWideFileReadAsLongAndCsvReadAsJsonLinesAndTheReverseAreRefusedWithTheRightFormat() {
        byte[] wide = utf8("date,HUFL,HULL,OT\n2016-07-01 00:00:00,5.827,2.009,30.531\n2016-07-01 01:00:00,5.693,2.076,27.787\n");
        String m = message(() -> readUnchecked("ETTh1.csv", "csv-long", wide));
        assertTrue(m.contains("looks like csv-wide") && m.contains("'5.827'") && m.contains("use --format csv-wide"), m);
        m = message(() -> readUnchecked("w.csv", "jsonl", wide));
        assertTrue(m.contains("use --format csv-wide"), m);
        m = message(() -> readUnchecked("two.csv", "csv-long", utf8("timestamp,value\n2014-07-01 00:00:00,10844\n")));
        assertTrue(m.contains("use --format csv-wide"), m);
        m = message(() -> readUnchecked("j.csv", "csv-long", utf8("{\"key\":\"a\",\"ts\":1000,\"value\":1}\n")));
        assertTrue(m.contains("looks like jsonl") && m.contains("use --format jsonl"), m);
    }

    @Test
    void autoDetectsEachFormatAndSaysWhy() throws IOException {
        HistoryFile.Contents c = read("a.csv", HistoryFile.AUTO, utf8("timestamp,series,value\n1000,a,1\n"));
        assertEquals("csv-long", c.format);
        assertTrue(c.detected.contains("timestamp,series,value"), c.detected);
        c = read("b.csv", HistoryFile.AUTO, utf8("date,A,B,C\n2024-01-01,1,2,3\n2024-01-02,4,5,6\n"));
        assertEquals("csv-wide", c.format);
        assertEquals(6, c.observations.size());
        c = read("c.jsonl", HistoryFile.AUTO, utf8("\n {\"key\":\"a\",\"ts\":1000,\"value\":1}\n"));
        assertEquals("jsonl", c.format);
        c = read("d.csv", HistoryFile.AUTO, utf8("when,who,how_much\n1000,north,1\n1000,south,2\n2000,north,3\n"));
        assertEquals("csv-long", c.format, "names in column 2 and repeated times");
        c = read("e.csv", HistoryFile.AUTO, utf8("date,101,102\n2024-01-01,1,2\n"));
        assertEquals("csv-wide", c.format, "numbered series are names, not data");
        c = read("f.csv", "csv-wide", utf8("ts,value\n1000,1\n"));
        assertNull(c.detected, "given, not detected");
    }

    @Test
    void aFileWithNoUsableRowSaysSoAndStillHasEveryDeadLetter() throws IOException {
        HistoryFile.Contents c = read("bad.csv", "csv-long",
                utf8("ts,key,value\n1000,a,x\n2000,a,y\nnoon,a,1\n"));
        assertEquals(3, c.deadLetters.size());
        assertEquals("bad.csv: no usable rows: all 3 were refused (bad.csv:2: column 'value': not a number: 'x')",
                c.problem);

        StringBuilder seconds = new StringBuilder("ts,key,value\n");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 1500; i++) {
            seconds.append(1_700_000_000L + 3600L * i).append(",a,1\n");
            lines.append("{\"key\":\"a\",\"ts\":").append(1_700_000_000L + 3600L * i).append(",\"value\":1}\n");
        }
        c = read("seconds.csv", "csv-long", utf8(seconds.toString()));
        assertEquals(1500, c.deadLetters.size(), "a CSV with no usable row is read to its end");
        assertTrue(c.problem.startsWith("seconds.csv: no usable rows: all 1500 were refused (seconds.csv:2: timestamp "
                + "1700000000 looks like epoch seconds"), c.problem);
        c = read("seconds.jsonl", "jsonl", utf8(lines.toString()));
        assertTrue(c.problem.startsWith("seconds.jsonl: no usable rows in the first 1000 rows: all 1000 were refused"),
                c.problem);
    }

    @Test
    void mostOfTheFirstRowsRefusedIsAProblemWithASuggestionWhereOneFits() throws IOException {
        StringBuilder b = new StringBuilder("ts,key,value\n");
        for (int i = 0; i < 3000; i++) {
            b.append(1000 + i).append(",a,").append(i % 3 == 0 ? "1" : "-").append('\n');
        }
        HistoryFile.Contents c = read("most.csv", HistoryFile.AUTO, utf8(b.toString()));
        assertTrue(c.problem.startsWith("most.csv: 666 of the 1000 rows in the first 1000 rows were refused"), c.problem);
        assertEquals(666, c.deadLetters.size(), "reading stops once the first rows have been judged");

        StringBuilder j = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            j.append(i < 4 ? "{\"key\":\"a\",\"ts\":" + (1000 + i) + ",\"value\":1}" : "ts,key,value").append('\n');
        }
        c = read("mixed.txt", "jsonl", utf8(j.toString()));
        assertTrue(c.problem.startsWith("mixed.txt: 6 of the 10 rows in the first 10 rows were refused"), c.problem);
    }

    @Test
    void timesFarAfterTheReplaysStartAreRefusedAsFutureAndHistoryIsNot() throws IOException {
        byte[] far = utf8("2150-01-01T00:00:00Z,a,2");
        byte[] tomorrowAndABit = utf8("2026-01-02T00:00:01Z,a,3");
        HistoryFile.Contents c = read("f.csv", "csv-long", lines(utf8("ts,key,value"), utf8("1990-01-01,a,1"), far,
                utf8("2026-01-01T23:59:59Z,a,2"), tomorrowAndABit, utf8("2200-01-01,a,4")));
        assertEquals(2, c.observations.size());
        refused(c.deadLetters.get(0), "f.csv:3", DeadLetter.FUTURE, "event time 2150-01-01T00:00:00Z is more than "
                + "events.max-future = 1d after the replay's start 2026-01-01T00:00:00Z", far);
        refused(c.deadLetters.get(1), "f.csv:5", DeadLetter.FUTURE, "2026-01-02T00:00:01Z", tomorrowAndABit);
        refused(c.deadLetters.get(2), "f.csv:6", DeadLetter.MALFORMED, "timestamp out of range: 2200-01-01T00:00:00Z is not before 2200-01-01", utf8("2200-01-01,a,4"));

        InputSettings off = new InputSettings(List.of(), FutureLimit.none(), 1000);
        c = HistoryFile.read(file(dir, "g.jsonl", lines(utf8("{\"key\":\"a\",\"ts\":\"2150-01-01\",\"value\":1}"))),
                "jsonl", off, NOW);
        assertEquals(1, c.observations.size(), "events.max-future = none");
        c = HistoryFile.read(file(dir, "h.jsonl", lines(utf8("{\"key\":\"a\",\"ts\":\"2150-01-01\",\"value\":1}"))),
                "jsonl", new InputSettings(List.of(), FutureLimit.of(Duration.ofHours(2)), 1000), NOW);
        assertEquals("event time 2150-01-01T00:00:00Z is more than events.max-future = 2h after the replay's start "
                + "2026-01-01T00:00:00Z", c.deadLetters.get(0).reason);
        assertEquals(DeadLetter.FUTURE, c.deadLetters.get(0).kind);
    }

    /** The hostile integer times as digits, and ISO times outside the range, with their outcomes under each unit. */
    static Stream<Arguments> hostileTimes() {
        return Stream.concat(HostileTimes.INTEGERS.stream().map(c -> Arguments.of(Long.toString(c.value()), c)),
                Stream.of(Arguments.of("1899-12-31T23:59:59Z", new HostileTimes.Case(0, "is before 1900-01-01",
                        "is before 1900-01-01")), Arguments.of("2200-01-01T00:00:00Z", new HostileTimes.Case(0,
                        "is not before 2200-01-01", "is not before 2200-01-01"))));
    }

    /**
     * One hostile time after a good row, in each file format and under each {@code events.time-unit}:
     * read in the configured unit (never guessed), or refused with its reason.
     */
    @ParameterizedTest
    @MethodSource("hostileTimes")
    void hostileTimesAreReadInTheConfiguredUnitOrRefusedInEveryFileFormat(String time, HostileTimes.Case c)
            throws IOException {
        String json = time.contains("T") ? "\"" + time + "\"" : time;
        for (EpochUnit unit : EpochUnit.values()) {
            InputSettings settings = new InputSettings(List.of(), FutureLimit.of(Duration.ofDays(1)), 1000, unit);
            for (String format : List.of("csv-long", "csv-wide", "jsonl")) {
                String text = switch (format) {
                    case "csv-long" -> "ts,key,value\n2024-01-01T00:00:00Z,a,1\n" + time + ",a,2\n";
                    case "csv-wide" -> "date,a\n2024-01-01T00:00:00Z,1\n" + time + ",2\n";
                    default -> "{\"key\":\"a\",\"ts\":\"2024-01-01T00:00:00Z\",\"value\":1}\n"
                            + "{\"key\":\"a\",\"ts\":" + json + ",\"value\":2}\n";
                };
                String name = "t-" + unit.label() + "." + format;
                HistoryFile.Contents contents = HistoryFile.read(file(dir, name, utf8(text)), format, settings, NOW);
                String what = time + " in " + format + " under " + unit.label();
                if (c.read(unit) != null) {
                    assertEquals(2, contents.observations.size(), what);
                    assertEquals(c.read(unit).toEpochMilli(), contents.observations.get(1).ts, what);
                } else {
                    assertEquals(1, contents.observations.size(), what);
                    int line = format.equals("jsonl") ? 2 : 3;
                    refused(contents.deadLetters.get(0), name + ":" + line, DeadLetter.MALFORMED, c.under(unit),
                            utf8(text.split("\n")[line - 1]));
                }
            }
        }
    }

    @Test
    void jsonLinesAskedForAreReadAsSuchEvenWhenTheFirstLineIsNoCsvHeader() throws IOException {
        byte[] bad = {'{', (byte) 0xFF};
        HistoryFile.Contents c = read("one.jsonl", "jsonl", lines(bad));
        refused(c.deadLetters.get(0), "one.jsonl:1", DeadLetter.MALFORMED, "invalid UTF-8 at byte 2", bad);
        assertEquals("one.jsonl: no usable rows: all 1 were refused (one.jsonl:1: invalid UTF-8 at byte 2 of the "
                + "line (0xFF))", c.problem);
        String m = message(() -> readUnchecked("one.csv", HistoryFile.AUTO, lines(bad)));
        assertTrue(m.contains("should be a CSV header, is unreadable"), m);
    }

    @Test
    void anUnknownFormatIsAUserError() {
        String m = message(() -> readUnchecked("x.csv", "csv", utf8("ts,key,value\n1,a,1\n")));
        assertEquals("invalid --format csv: expected one of auto, csv-wide, csv-long, jsonl", m);
    }

    private HistoryFile.Contents readUnchecked(String name, String format, byte[] bytes) {
        try {
            return read(name, format, bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
