package dev.streamforecast.backtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.testutil.ReportFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The console's table at fleet size: the summary first, then a few keys unless every key is asked for. */
class ScoreTableTest {

    /** Lines of the fleet of {@link ReportFixtures#fleet}: each method's MSE from one point of that error. */
    private static List<Evaluation.Line> lines(List<Report.Row> rows) {
        List<Evaluation.Line> out = new ArrayList<>();
        for (Report.Row r : rows) {
            Metrics m = new Metrics();
            m.add(0, Math.sqrt(r.mse()));
            out.add(new Evaluation.Line(r.key(), r.method(), m));
        }
        return out;
    }

    private static List<String> keysPrinted(String table) {
        return table.lines().filter(l -> l.matches("k\\d\\d .*")).map(l -> l.substring(0, 3)).distinct()
                .collect(Collectors.toList());
    }

    @Test
    void aFleetPrintsThePooledLinesAndTheSummaryFirstThenTheBestTheMedianAndTheWorstKey() {
        List<Report.Row> rows = ReportFixtures.fleet(12);
        FleetSummary fleet = FleetSummary.of(rows, Evaluation.MODEL);
        String table = ScoreTable.of(lines(rows), fleet, false);

        List<String> printed = table.lines().collect(Collectors.toList());
        assertTrue(printed.get(0).startsWith("key "), table);
        assertTrue(printed.get(1).startsWith("all            model"), table);
        assertTrue(table.indexOf("12 keys: the model's MSE over each baseline's") < table.indexOf("k00 "), table);
        assertTrue(table.replaceAll(" +", " ").contains("\npersistence 5 of 12 (42%) 0.500 0.600 0.800 1.100 1.300 "
                + "1.500 1.600\nseasonal naive (24) 3 of 12 (25%) 0.625"), table);
        assertTrue(table.contains("the best, the median and the worst key by MSE relative to persistence "
                + "(--all-keys prints all 12):"), table);
        assertEquals(List.of("k00", "k05", "k11"), keysPrinted(table));
    }

    @Test
    void everyKeyWhenAskedOrWhenThereAreAtMostAFew() {
        List<Report.Row> rows = ReportFixtures.fleet(12);
        String all = ScoreTable.of(lines(rows), FleetSummary.of(rows, Evaluation.MODEL), true);
        assertEquals(12, keysPrinted(all).size());
        assertFalse(all.contains("--all-keys"));

        List<Report.Row> few = ReportFixtures.fleet(FleetSummary.FEW);
        String table = ScoreTable.of(lines(few), FleetSummary.of(few, Evaluation.MODEL), false);
        assertEquals(List.of("k00", "k01", "k02", "k03", "k04"), keysPrinted(table));
    }

    @Test
    void theSummaryRanksKeysWithoutAPersistenceErrorLastAndDoesNotCompareThem() {
        List<Report.Row> rows = new ArrayList<>(ReportFixtures.fleet(3));
        rows.add(new Report.Row("flat", "model", 10, 0.1, 0.1, 0.3, 1, Double.NaN, Double.NaN, Double.NaN));
        rows.add(new Report.Row("flat", "persistence", 10, 0, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN));
        FleetSummary fleet = FleetSummary.of(rows, Evaluation.MODEL);

        assertEquals(List.of("k00", "k01", "k02", "flat"), fleet.ranked.stream().map(FleetSummary.Key::key)
                .collect(Collectors.toList()));
        assertEquals(3, fleet.lines.get(0).compared());
        assertEquals(List.of("k02", "k01"), fleet.worst(2).stream().map(FleetSummary.Key::key)
                .collect(Collectors.toList()));
    }
}
