package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.streamforecast.event.Observation;
import dev.streamforecast.io.SampleData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A history file replays to the same bytes whatever its layout: grouped by key (each series' rows
 * together) with series decades apart, or the same rows in time order; twice, at any parallelism.
 */
class ReplayDeterminismITCase {
    private static final long MINUTE = 60_000L;

    /** Series on clocks decades apart, at different cadences, each with a few rows swapped with their neighbours. */
    private static List<List<Observation>> fleet() {
        long[] starts = {-631_152_000_000L, 978_307_200_000L, 1_546_300_800_000L, 1_704_067_200_000L};
        long[] steps = {24 * 60 * MINUTE, MINUTE, 5 * MINUTE, 60 * MINUTE};
        List<List<Observation>> out = new ArrayList<>();
        Random r = new Random(7);
        for (int k = 0; k < starts.length; k++) {
            List<Observation> rows = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                double v = 100 * (k + 1) + 10 * Math.sin(i / 12.0) + r.nextGaussian();
                rows.add(new Observation("series-" + k, starts[k] + i * steps[k], Math.round(v * 1000) / 1000.0));
            }
            for (int i = 5 + k; i + 1 < rows.size(); i += 37) {
                Observation a = rows.get(i);
                rows.set(i, rows.get(i + 1));
                rows.set(i + 1, a);
            }
            out.add(rows);
        }
        return out;
    }

    private static void backtest(Path input, Path output, String parallelism) {
        CommandLine cli = new CommandLine(new Main());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int rc = cli.execute("backtest", "--input", input.toString(), "--format", "csv-long",
                "--output", output.toString(), "--parallelism", parallelism, "--set", "model.hidden=8");
        assertEquals(0, rc, "backtest failed: " + err);
    }

    @Test
    void aFileGroupedByKeyReplaysLikeTheSameRowsInTimeOrderToTheByte(@TempDir Path dir) throws Exception {
        List<Observation> grouped = new ArrayList<>();
        fleet().forEach(grouped::addAll);
        List<Observation> byTime = new ArrayList<>(grouped);
        byTime.sort(Comparator.comparingLong(o -> o.ts));
        Path groupedFile = dir.resolve("grouped.csv");
        Path byTimeFile = dir.resolve("by-time.csv");
        SampleData.writeCsv(grouped, groupedFile);
        SampleData.writeCsv(byTime, byTimeFile);

        backtest(groupedFile, dir.resolve("g2.jsonl"), "2");
        backtest(groupedFile, dir.resolve("g2-again.jsonl"), "2");
        backtest(groupedFile, dir.resolve("g1.jsonl"), "1");
        backtest(byTimeFile, dir.resolve("t2.jsonl"), "2");

        byte[] reference = Files.readAllBytes(dir.resolve("g2.jsonl"));
        assertEquals(4 * 500, Files.readAllLines(dir.resolve("g2.jsonl")).size(), "every row forecast, none late");
        assertFalse(Files.exists(dir.resolve("g2.jsonl.dead-letters.jsonl")), "no dead letters");
        assertArrayEquals(reference, Files.readAllBytes(dir.resolve("g2-again.jsonl")), "twice, the same bytes");
        assertArrayEquals(reference, Files.readAllBytes(dir.resolve("g1.jsonl")), "at any parallelism");
        assertArrayEquals(reference, Files.readAllBytes(dir.resolve("t2.jsonl")), "in any layout");
    }
}
