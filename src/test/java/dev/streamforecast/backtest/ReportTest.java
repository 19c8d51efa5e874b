package dev.streamforecast.backtest;

import static dev.streamforecast.testutil.ReportFixtures.hourly;
import static dev.streamforecast.testutil.ReportFixtures.rows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamforecast.testutil.ReportFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    private static final String DATA_OPEN = "<script type=\"application/json\" id=\"report-data\">";

    @TempDir
    Path dir;

    private static List<Report.Row> allRows() {
        List<Report.Row> rows = new ArrayList<>();
        rows.addAll(rows("HUFL", 0.123456));
        rows.addAll(rows("OT", 1.5));
        rows.add(new Report.Row("all", "model", 34_838, 0.8117, 0.4, 0.9, 15.0, 0.9, 0.95, 2.4));
        rows.add(new Report.Row("all", "persistence", 34_838, 0.7, 0.5, 0.84, 19.0, 1.0, Double.NaN, Double.NaN));
        return rows;
    }

    private static Map<String, String> configuration() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("model.hidden", "32");
        c.put("model.cell", "lstm");
        c.put("input", "sample-data/ETTh1.csv");
        return c;
    }

    private Path write(String name, List<Report.Series> series, List<Report.Row> rows, Map<String, String> config)
            throws IOException {
        Path file = dir.resolve(name);
        Report.write(file, "ETTh1 backtest", series, rows, config,
                List.of("Protocol: predict, then learn, one event at a time", "Input: sample-data/ETTh1.csv"));
        return file;
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /** The JSON chart data exactly as the page's script reads it. */
    private static JsonNode data(String page) throws IOException {
        int start = page.indexOf(DATA_OPEN) + DATA_OPEN.length();
        int end = page.indexOf("</script>", start);
        return new ObjectMapper().readTree(page.substring(start, end));
    }

    @Test
    void writesOneFileWithTitleNotesEveryKeyTheMetricsAndTheConfiguration() throws IOException {
        String page = read(write("report.html", List.of(hourly("HUFL", 200, 1), hourly("OT", 300, 2)),
                allRows(), configuration()));

        assertTrue(page.startsWith("<!DOCTYPE html>"));
        assertTrue(page.contains("<h1>ETTh1 backtest</h1>"));
        assertTrue(page.contains("<li>Protocol: predict, then learn, one event at a time</li>"));
        for (String key : List.of("HUFL", "OT", "all")) {
            assertTrue(page.contains("<td class=\"key\" rowspan=\"" + ("all".equals(key) ? 2 : 3) + "\">" + key
                    + "</td>"), key);
        }
        assertTrue(page.contains("<h3>HUFL</h3>"));
        assertTrue(page.contains("<h3>OT</h3>"));
        // 0.123456 to four significant digits, sqrt(0.123456) = 0.35136..., n with a thousands separator
        assertTrue(page.contains(">0.1235<"));
        assertTrue(page.contains(">0.3514<"));
        assertTrue(page.contains(">17,419<"));
        assertTrue(page.contains(">0.9470<"));
        assertTrue(page.contains("<td>seasonal naive (24)</td>"));
        assertTrue(page.contains("<tr><td>model.hidden</td><td>32</td></tr>"));
        assertTrue(page.contains("<tr><td>input</td><td>sample-data/ETTh1.csv</td></tr>"));
        assertTrue(page.contains("<div class=\"chart\" id=\"forecast-1\"></div>"));
        assertTrue(page.contains("<div class=\"chart\" id=\"error-1\"></div>"));
        assertEquals(List.of("HUFL", "OT"), List.of(data(page).at("/series/0/key").asText(),
                data(page).at("/series/1/key").asText()));
        assertTrue(page.endsWith("</html>\n"));
    }

    @Test
    void metricsAreGroupedByKeyWithThePooledGroupFirstAndEachKeysLowestMseHighlighted() throws IOException {
        String page = read(write("report.html", List.of(), allRows(), Map.of()));
        int start = page.indexOf("<table class=\"metrics\">");
        String table = page.substring(start, page.indexOf("</table>", start));

        assertTrue(table.indexOf(">all<") < table.indexOf(">HUFL<"));
        assertTrue(table.indexOf(">HUFL<") < table.indexOf(">OT<"));
        List<String> best = new ArrayList<>();
        Matcher m = Pattern.compile("<tr class=\"best\">(?:<td class=\"key\"[^>]*>([^<]*)</td>)?<td>([^<]*)</td>")
                .matcher(table);
        while (m.find()) {
            best.add(m.group(2));
        }
        // per key the model wins; pooled, persistence (0.7) beats the model (0.8117)
        assertEquals(List.of("persistence", "model", "model"), best);
        assertEquals(3, Report.groupByKey(allRows()).size());
        assertEquals("all", Report.groupByKey(allRows()).get(0).get(0).key());
    }

    @Test
    void numbersKeepFourSignificantDigitsAndUndefinedOnesShowAsADash() {
        assertEquals("\u2013", Report.number(Double.NaN));
        assertEquals("\u221e", Report.number(Double.POSITIVE_INFINITY));
        assertEquals("0", Report.number(0.0));
        assertEquals("0.1235", Report.number(0.123456));
        assertEquals("0.9470", Report.number(0.947));
        assertEquals("-2.500", Report.number(-2.5));
        assertEquals("123.5", Report.number(123.45678));
        assertEquals("0.5000", Report.number(0.5));
        assertEquals("1000", Report.number(999.99));
        assertEquals("12346", Report.number(12345.678));
        assertEquals("1.235e-05", Report.number(1.23456e-5));
        assertEquals("4.200e+12", Report.number(4.2e12));
    }

    @Test
    void undefinedValuesBecomeNullInTheChartDataAndADashInTheTable() throws IOException {
        Report.Series s = hourly("HUFL", 50, 3);
        s.actual()[7] = Double.POSITIVE_INFINITY;
        String page = read(write("report.html", List.of(s), rows("HUFL", 0.2), Map.of()));
        JsonNode series = data(page).at("/series/0");

        for (String column : List.of("forecast", "lower", "upper", "absError", "meanError")) {
            assertTrue(series.get(column).get(0).isNull(), column);
            assertTrue(series.get(column).get(1).isNumber(), column);
        }
        assertTrue(series.get("actual").get(7).isNull());
        assertTrue(series.get("absError").get(7).isNull());
        assertFalse(page.contains("NaN"));
        assertFalse(page.contains("Infinity"));
        assertTrue(page.contains("<td class=\"num\">\u2013</td>"));
    }

    @Test
    void pageReferencesNothingOutsideItself() throws IOException {
        String page = read(write("report.html", fleetSeries(12), ReportFixtures.fleet(12), configuration()));

        for (String external : List.of("http://", "https://", "src=", "url(", "@import", "<link")) {
            assertFalse(page.contains(external), external);
        }
        // links only to places in the page
        assertTrue(page.contains("href=\"#"));
        assertFalse(page.replace("href=\"#", "").contains("href="));
    }

    private static List<Report.Series> fleetSeries(int keys) {
        List<Report.Series> series = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
            series.add(hourly(ReportFixtures.fleetKey(k), 50, k));
        }
        return series;
    }

    private static List<String> chartedKeys(String page) throws IOException {
        List<String> keys = new ArrayList<>();
        data(page).get("series").forEach(s -> keys.add(s.get("key").asText()));
        return keys;
    }

    @Test
    void aFleetOpensWithTheShareOfKeysBeatingEachBaselineTheRatiosAndTheWorstKeysLinkedToTheirSections()
            throws IOException {
        String page = read(write("fleet.html", fleetSeries(12), ReportFixtures.fleet(12), Map.of()));

        assertTrue(page.indexOf("<h2>Fleet</h2>") < page.indexOf("<h2>Metrics</h2>"));
        // ratios to persistence 0.5, 0.6, ..., 1.6: five below 1; to seasonal naive's 0.8, three
        assertTrue(page.contains("<tr><td>persistence</td><td class=\"num\">5 of 12 (42%)</td><td class=\"num\">0.5000"
                + "</td><td class=\"num\">0.6000</td><td class=\"num\">0.8000</td><td class=\"num\">1.100</td>"
                + "<td class=\"num\">1.300</td><td class=\"num\">1.500</td><td class=\"num\">1.600</td></tr>"), page);
        assertTrue(page.contains("<tr><td>seasonal naive (24)</td><td class=\"num\">3 of 12 (25%)</td>"));
        JsonNode histogram = data(page).get("fleet");
        double better = 0;
        double worse = 0;
        for (int b = 0; b < histogram.get("x").size(); b++) {
            better += histogram.get("better").get(b).asDouble();
            worse += histogram.get("worse").get(b).asDouble();
        }
        assertEquals(5, better);
        assertEquals(7, worse);

        // the charts of the three worst, the median and the best, in the order of the series
        assertEquals(List.of("k00", "k05", "k09", "k10", "k11"), chartedKeys(page));
        assertTrue(page.contains("Charts of 5 of 12 series: the three worst keys, the median and the best by MSE "
                + "relative to persistence."));
        // the worst keys, worst first, each linked to its charts or, without, to its rows in the table
        int worst = page.indexOf("<h3>Worst keys</h3>");
        assertTrue(worst > 0 && page.indexOf("<tr><td><a href=\"#series-4\">k11</a></td><td class=\"num\">1.600</td>")
                > worst);
        assertTrue(page.indexOf(">k11</a>") < page.indexOf(">k10</a>"));
        assertTrue(page.contains("<section id=\"series-4\">\n<h3>k11</h3>"));
        assertTrue(page.contains("<tr><td><a href=\"#metrics-9\">k08</a></td>"));
        assertTrue(page.contains("<tbody id=\"metrics-9\">\n<tr><td class=\"key\" rowspan=\"3\">k08</td>"));
        assertFalse(page.contains(">k01</a>"), "ten worst keys of twelve");
    }

    @Test
    void chartsAreDrawnForTheChosenKeysAndForEverySeriesThatIsNotAKey() throws IOException {
        List<Report.Series> series = new ArrayList<>(fleetSeries(12));
        series.add(hourly("k03 (fan of steps 1..4)", 20, 99));
        Path file = dir.resolve("chosen.html");
        Report.write(file, "fleet", series, ReportFixtures.fleet(12), Map.of(), List.of(), java.util.Set.of("k07", "k03"), Map.of());
        String page = read(file);

        assertEquals(List.of("k03", "k07", "k03 (fan of steps 1..4)"), chartedKeys(page));
        assertTrue(page.contains("Charts of 3 of 13 series, as chosen."));
        // a few keys of a few: every one, and no fleet summary for one key
        assertEquals(List.of("HUFL", "OT"), chartedKeys(read(write("two.html", List.of(hourly("HUFL", 20, 1),
                hourly("OT", 20, 2)), allRows(), Map.of()))));
        assertFalse(read(write("one.html", List.of(hourly("HUFL", 20, 1)), rows("HUFL", 0.2), Map.of()))
                .contains("<h2>Fleet</h2>"));
    }

    @Test
    void stepsAheadHaveAChartOfMseAndCoverageByStepBesideTheirTableNotInTheMetrics() throws IOException {
        List<Report.Row> rows = new ArrayList<>(ReportFixtures.fleet(2));
        rows.addAll(ReportFixtures.steps(4));
        String page = read(write("steps.html", fleetSeries(2), rows, Map.of()));

        int metrics = page.indexOf("<h2>Metrics</h2>");
        int steps = page.indexOf("<h2>Steps ahead</h2>");
        assertTrue(metrics < steps && steps < page.indexOf("<h2>Configuration</h2>"));
        assertFalse(page.substring(metrics, steps).contains("step 1"), "steps are not keys of the metrics table");
        assertTrue(page.contains("<div class=\"chart\" id=\"steps-chart\"></div>"));
        assertTrue(page.contains("<tr><td>4</td><td class=\"num\">2.000</td><td class=\"num\">4.000</td>"));
        assertTrue(page.contains("<tr class=\"mean\"><td>mean 1..4</td>"));
        JsonNode data = data(page).get("steps");
        assertEquals("[1,2,3,4]", data.get("h").toString());
        assertEquals("[\"model\",\"persistence\"]", data.get("methods").toString());
        assertEquals("[[0.5,1,1.5,2],[1,2,3,4]]", data.get("mse").toString());
        assertEquals("[0.89,0.88,0.87,0.86]", data.get("coverage").toString());
    }

    @Test
    void aFleetOf200KeysOf2000EventsGivesAReportOfFiveChartsUnderAMegabyte() throws IOException {
        List<Report.Series> series = new ArrayList<>();
        for (int k = 0; k < 200; k++) {
            series.add(hourly(ReportFixtures.fleetKey(k), 2_000, k));
        }
        Path file = write("large.html", series, ReportFixtures.fleet(200), Map.of());

        assertEquals(5, chartedKeys(read(file)).size());
        assertTrue(Files.size(file) < 1_000_000, Files.size(file) + " bytes");
    }

    @Test
    void inlinesTheVendoredChartLibraryItsStylesAndItsLicense() throws IOException {
        String page = read(write("report.html", List.of(hourly("HUFL", 100, 4)), List.of(), Map.of()));

        assertTrue(page.contains("/*! uPlot 1.6.32"));
        assertTrue(page.contains("Copyright (c) 2022 Leon Sorokin"));
        assertTrue(page.contains("Permission is hereby granted, free of charge"));
        assertTrue(page.contains("var uPlot="));
        assertTrue(page.contains(".uplot {"));
        assertTrue(page.contains("document.body") && page.contains("dataset.rendered"));
    }

    @Test
    void sameInputsGiveByteIdenticalFilesWhateverTheConfigurationMapOrder() throws IOException {
        List<Report.Series> series = List.of(hourly("HUFL", 500, 5), hourly("OT", 25_000, 6));
        Map<String, String> reversed = new LinkedHashMap<>();
        List<Map.Entry<String, String>> entries = new ArrayList<>(configuration().entrySet());
        for (int i = entries.size() - 1; i >= 0; i--) {
            reversed.put(entries.get(i).getKey(), entries.get(i).getValue());
        }

        byte[] first = Files.readAllBytes(write("a.html", series, allRows(), configuration()));
        byte[] second = Files.readAllBytes(write("b.html", series, allRows(), reversed));
        byte[] third = Files.readAllBytes(write("c.html", series, allRows(), new HashMap<>(configuration())));

        assertArrayEquals(first, second);
        assertArrayEquals(first, third);
    }

    @Test
    void scriptEndTagInAKeyCannotLeaveItsBlock() throws IOException {
        String key = "</script><script>document.title='x'</script><!--";
        String page = read(write("report.html", List.of(hourly(key, 20, 7)), rows(key, 0.2),
                Map.of("</style>", "</script>")));

        // one JSON block, the library and the page's own script: nothing else may close a script element
        assertEquals(3, page.split("</script>", -1).length - 1);
        assertFalse(page.contains("<!--"));
        assertTrue(page.contains("<h3>&lt;/script&gt;&lt;script&gt;document.title=&#39;x&#39;&lt;/script&gt;&lt;!--</h3>"));
        assertEquals(key, data(page).at("/series/0/key").asText());
    }

    @Test
    void longSeriesAreDownsampledPerChartAndTheCaptionSaysSo() throws IOException {
        int n = 100_000;
        Report.Series s = hourly("OT", n, 8);
        s.actual()[54_321] = 1_000;
        String page = read(write("report.html", List.of(s, hourly("HUFL", 300, 9)), List.of(), Map.of()));
        JsonNode series = data(page).at("/series/0");

        assertEquals(2 * ReportCharts.BUCKETS, series.get("x").size());
        assertEquals(n, series.get("events").asInt());
        boolean spike = false;
        for (JsonNode v : series.get("actual")) {
            spike |= v.isNumber() && v.asDouble() == 1_000;
        }
        assertTrue(spike, "the spike survives downsampling");
        assertEquals(300, data(page).at("/series/1/x").size());
        assertTrue(page.contains("Downsampled for display: 100,000 events in 5,000 buckets of about 20 events"));
        assertTrue(page.contains("The page holds every event."));
    }

    @Test
    void seriesColumnsMustMatchTheTimestampsAndTimeMustNotGoBack() {
        double[] three = new double[3];
        assertThrows(IllegalArgumentException.class,
                () -> new Report.Series("k", new long[] {1, 2, 3}, three, new double[2], three, three));
        assertThrows(IllegalArgumentException.class,
                () -> new Report.Series("k", new long[] {1, 3, 2}, three, three, three, three));
        assertThrows(NullPointerException.class,
                () -> new Report.Series("k", new long[] {1, 2, 3}, three, three, null, three));
        new Report.Series("k", new long[] {1, 1, 2}, three, three, three, three);
    }

    @Test
    void emptyInputsStillGiveACompletePage() throws IOException {
        String page = read(write("report.html", List.of(ReportFixtures.hourly("empty", 0, 1)), List.of(), Map.of()));

        assertTrue(page.contains("No metrics."));
        assertTrue(page.contains("No configuration given."));
        assertTrue(page.contains("No events."));
        assertEquals(0, data(page).at("/series/0/x").size());
    }
}
