package dev.streamforecast.app;

import static dev.streamforecast.testutil.HostileInput.lines;
import static dev.streamforecast.testutil.HostileInput.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.io.DeadLetterCodec;
import dev.streamforecast.io.UserError;
import dev.streamforecast.testutil.HostileInput;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code backtest} on files no exporter should write: the replay runs to its end whatever single lines
 * hold, every refused line is a valid JSON dead letter with its file, line, kind, reason and exact
 * bytes, and a file with nothing usable stops with one line after its dead letters are written.
 */
class BacktestHostileFilesITCase {
    private static final long T0 = 1_704_067_200_000L; // 2024-01-01T00:00:00Z

    @TempDir
    Path dir;

    /** Runs the command line; returns the exception the command threw, or null when it exited 0. */
    private static Exception backtest(String... args) {
        CommandLine cli = new CommandLine(new Main());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        Exception[] thrown = new Exception[1];
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            thrown[0] = e;
            return 2;
        });
        int rc = cli.execute(args);
        assertEquals(thrown[0] == null ? 0 : 2, rc, "backtest: " + err);
        return thrown[0];
    }

    private static Map<String, DeadLetter> deadLettersByOrigin(Path file) {
        Map<String, DeadLetter> out = new TreeMap<>();
        for (JsonNode n : HostileInput.jsonLines(file)) {
            DeadLetter d = DeadLetterCodec.decode(utf8(n.toString()));
            out.put(d.origin + " " + d.kind, d);
        }
        return out;
    }

    @Test
    void hostileJsonLinesReplayToTheEndWithEveryBadLineAValidDeadLetterWithItsBytes() throws Exception {
        List<byte[]> lines = new ArrayList<>();
        String odd = "back\\\\slash \\\"quoted\\\" \\u0001\\t";
        for (int t = 0; t < 60; t++) {
            for (String key : List.of("a", odd)) {
                lines.add(utf8("{\"key\":\"" + key + "\",\"ts\":" + (T0 + t * 3_600_000L) + ",\"value\":" + t % 7 + "}"));
            }
        }
        byte[] invalid = {'{', '"', 'k', 'e', 'y', '"', ':', '"', 'a', (byte) 0xE2, (byte) 0x82, '"', '}'};
        byte[] nul = utf8("{\"key\":\"a\u0000\",\"ts\":" + T0 + ",\"value\":1}");
        byte[] future = utf8("{\"key\":\"a\",\"ts\":\"2150-01-01T00:00:00Z\",\"value\":1}");
        byte[] huge = new byte[10 << 20];
        Arrays.fill(huge, (byte) ' ');
        huge[0] = '{';
        lines.add(30, invalid);
        lines.add(40, nul);
        lines.add(50, future);
        lines.add(60, huge);
        Path input = HostileInput.file(dir, "hostile.jsonl", lines(lines.toArray(new byte[0][])));
        Path output = dir.resolve("out.jsonl");

        assertEquals(null, backtest("backtest", "--input", input.toString(), "--output", output.toString()));

        List<JsonNode> forecasts = HostileInput.jsonLines(output);
        assertEquals(120, forecasts.size(), "every good line forecast");
        assertEquals(new TreeSet<>(List.of("a", "back\\slash \"quoted\" \u0001\t")),
                forecasts.stream().map(n -> n.get("key").textValue()).collect(Collectors.toCollection(TreeSet::new)));

        Map<String, DeadLetter> dead = deadLettersByOrigin(dir.resolve("out.jsonl.dead-letters.jsonl"));
        assertEquals(4, dead.size(), dead.keySet().toString());
        DeadLetter d = dead.get("hostile.jsonl:31 malformed");
        assertEquals("invalid UTF-8 at byte 10 of the line (0xE2)", d.reason);
        assertArrayEquals(invalid, d.payload);
        d = dead.get("hostile.jsonl:41 malformed");
        assertTrue(d.reason.startsWith("malformed JSON: Illegal unquoted character"), d.reason);
        assertArrayEquals(nul, d.payload);
        d = dead.get("hostile.jsonl:51 future");
        assertTrue(d.reason.startsWith("event time 2150-01-01T00:00:00Z is more than events.max-future = 1d after "
                + "the replay's start "), d.reason);
        assertArrayEquals(future, d.payload);
        d = dead.get("hostile.jsonl:61 malformed");
        assertEquals(huge.length, d.payloadBytes);
        assertArrayEquals(Arrays.copyOf(huge, DeadLetterCodec.DEFAULT_MAX_PAYLOAD_BYTES), d.payload);
    }

    @Test
    void aLongCsvReadWithTheDefaultFormatIsDetectedAndItsBadLinesAndDuplicatesAreDeadLetters() throws Exception {
        List<byte[]> lines = new ArrayList<>();
        lines.add(utf8("timestamp,series,value"));
        for (int t = 0; t < 60; t++) {
            for (String key : List.of("north", "south")) {
                lines.add(utf8(T0 + t * 3_600_000L + "," + key + "," + (t % 5)));
            }
        }
        byte[] invalid = {'1', ',', 'n', 'o', 'r', 't', 'h', ',', '1', (byte) 0xC0, (byte) 0xAF};
        lines.add(21, invalid);
        lines.add(utf8(T0 + 60 * 3_600_000L + ",north,1"));
        lines.add(utf8(T0 + ",north,9")); // sixty hours behind its key
        Path input = HostileInput.file(dir, "long.csv", lines(lines.toArray(new byte[0][])));
        Path output = dir.resolve("out.jsonl");

        assertEquals(null, backtest("backtest", "--input", input.toString(), "--output", output.toString()));

        List<JsonNode> forecasts = HostileInput.jsonLines(output);
        assertEquals(121, forecasts.size());
        assertEquals(new TreeSet<>(List.of("north", "south")), forecasts.stream().map(n -> n.get("key").textValue())
                .collect(Collectors.toCollection(TreeSet::new)), "series by key, none named 'value'");
        Map<String, DeadLetter> dead = deadLettersByOrigin(dir.resolve("out.jsonl.dead-letters.jsonl"));
        DeadLetter d = dead.get("long.csv:22 malformed");
        assertEquals("invalid UTF-8 at byte 10 of the line (0xC0)", d.reason);
        assertArrayEquals(invalid, d.payload);
        String late = "long.csv:" + lines.size();
        assertTrue(dead.containsKey(late + " late") || dead.containsKey(late + " duplicate"), dead.keySet().toString());
        assertEquals(2, dead.size(), dead.keySet().toString());
    }

    @Test
    void aFileWithNoUsableRowStopsWithOneLineAfterWritingItsDeadLetters() throws Exception {
        Path input = HostileInput.file(dir, "none.csv", utf8("ts,key,value\n" + T0 + ",a,n/a\n" + (T0 + 1000) + ",a,\n"));
        Path output = dir.resolve("out.jsonl");
        Exception e = backtest("backtest", "--input", input.toString(), "--output", output.toString());
        assertInstanceOf(UserError.class, e);
        assertEquals("none.csv: no usable rows: all 2 were refused (none.csv:2: column 'value': not a number: 'n/a'); "
                + "every refusal, with its reason, is in " + dir.resolve("out.jsonl.dead-letters.jsonl"), e.getMessage());
        assertEquals(2, HostileInput.jsonLines(dir.resolve("out.jsonl.dead-letters.jsonl")).size());
        assertTrue(!Files.exists(output), "no forecasts file for a replay that did not run");

        Path headerOnly = HostileInput.file(dir, "header.csv", utf8("ts,key,value\n"));
        e = backtest("backtest", "--input", headerOnly.toString(), "--output", output.toString());
        assertEquals("header.csv has a header (ts,key,value) but no rows", e.getMessage());
    }
}
