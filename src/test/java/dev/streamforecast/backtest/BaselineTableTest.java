package dev.streamforecast.backtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaselineTableTest {

    static Path write(Path dir, String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void aWideFileIsReadIntoOneArrayPerColumnUpToTheRowLimit(@TempDir Path dir) throws IOException {
        Path file = write(dir, "x.csv", "date,a,b\n2016-07-01 00:00,1,10\n2016-07-01 01:00,2,20\n"
                + "2016-07-01 02:00,3,30\nthis line is past the limit and never parsed\n");
        Dataset d = Dataset.readWide(file, 3);
        assertEquals("x", d.name());
        assertEquals(List.of("a", "b"), List.copyOf(d.series().keySet()));
        assertArrayEquals(new double[] {1, 2, 3}, d.series().get("a"));
        assertArrayEquals(new double[] {10, 20, 30}, d.series().get("b"));
        assertEquals(3, d.rows());
        assertEquals(3_600_000, d.medianInterval());
        assertEquals(24, d.dailySeason());
    }

    @Test
    void aBadRowFailsTheReadRatherThanSkewTheBenchmark(@TempDir Path dir) throws IOException {
        Path file = write(dir, "x.csv", "date,a\n2016-07-01,1\n2016-07-02,oops\n2016-07-03,3\n");
        IOException e = assertThrows(IOException.class, () -> Dataset.readWide(file, -1));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    }

    @Test
    void theDailySeasonFollowsTheMedianSamplingInterval(@TempDir Path dir) throws IOException {
        // Five-minute data with one gap: the median still says five minutes.
        Path file = write(dir, "y.csv", "timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,1\n"
                + "2014-01-01 00:10:00,1\n2014-01-01 02:00:00,1\n2014-01-01 02:05:00,1\n");
        assertEquals(288, Dataset.readWide(file, -1).dailySeason());
    }

    @Test
    void pooledScoresCoverEverySeriesOfACase(@TempDir Path dir) throws IOException {
        StringBuilder csv = new StringBuilder("timestamp,a,b\n");
        double[] y = BaselinesTest.walk(200, 3);
        for (int t = 0; t < 200; t++) {
            csv.append(1_400_000_000_000L + 60_000L * t).append(',').append(y[t]).append(',').append(-y[t])
                    .append('\n');
        }
        BaselineTable.Case c = new BaselineTable.Case(Dataset.readWide(write(dir, "z.csv", csv.toString()), -1),
                Protocol.NAB);
        Metrics m = BaselineTable.pooled(c, Persistence::new);
        assertEquals(2 * 150, m.count());
        assertEquals(4, BaselineTable.baselines(c).size());
        assertEquals("seasonal-naive(1440)", BaselineTable.baselines(c).get(1).get().name());
    }
}
