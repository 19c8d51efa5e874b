package dev.streamforecast.backtest;

import static dev.streamforecast.testutil.ReportFixtures.hourly;
import static dev.streamforecast.testutil.ReportFixtures.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamforecast.testutil.ReportFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens a written report in a real headless Chromium and checks what a reader needs of every chart: its
 * title, its axis titles, its legend, and its series actually drawn; skipped where no Chromium is installed.
 */
class ReportBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Pattern BODY = Pattern.compile("<body([^>]*)>");

    /*
     * Test-side instrumentation, run before the page's scripts: it records the text each chart's canvas
     * draws (axis titles are drawn, not DOM), and, once the page has rendered, counts the pixels of each
     * series' colour inside each chart's plotting area, and reads the titles and legends from the DOM.
     */
    private static final String PROBE = """
            <script>
            (function () {
              var fillText = CanvasRenderingContext2D.prototype.fillText;
              CanvasRenderingContext2D.prototype.fillText = function (t) {
                var chart = this.canvas.closest('.chart');
                if (chart) { (chart.texts = chart.texts || []).push(String(t)); }
                return fillText.apply(this, arguments);
              };
              function kind(r, g, b, a) {
                if (a > 20 && a < 100 && g > r + 20 && g > b + 20) { return 'green'; }
                if (a < 128) { return null; }
                if (r > 180 && g < 40 && b < 40) { return 'flag'; }
                if (r < 90 && g < 90 && b < 90) { return 'dark'; }
                if (b > r + 80 && b > g + 30) { return 'blue'; }
                if (r > 200 && g > 100 && g < 200 && b < 120) { return 'orange'; }
                if (r > 120 && g < 110 && b < 110) { return 'red'; }
                return null;
              }
              window.addEventListener('load', function () {
                setTimeout(function () {
                  var charts = [];
                  document.querySelectorAll('.chart').forEach(function (el) {
                    var canvas = el.querySelector('canvas'), over = el.querySelector('.u-over'), ink = {};
                    if (canvas && over) {
                      var scale = canvas.width / canvas.clientWidth;
                      var x0 = Math.round(over.offsetLeft * scale), y0 = Math.round(over.offsetTop * scale);
                      var w = Math.round(over.offsetWidth * scale), h = Math.round(over.offsetHeight * scale);
                      var d = canvas.getContext('2d').getImageData(x0, y0, w, h).data;
                      for (var i = 0; i < d.length; i += 4) {
                        var k = kind(d[i], d[i + 1], d[i + 2], d[i + 3]);
                        if (k) { ink[k] = (ink[k] || 0) + 1; }
                      }
                    }
                    charts.push({ id: el.id, title: (el.querySelector('.u-title') || {}).textContent || '',
                      legend: Array.from(el.querySelectorAll('.u-legend .u-label')).map(function (l) { return l.textContent; }),
                      texts: el.texts || [], ink: ink });
                  });
                  document.body.setAttribute('data-check', JSON.stringify(charts));
                  // each link within the page: its text, and whether its target exists and names it
                  var links = Array.from(document.querySelectorAll('a[href^="#"]')).map(function (a) {
                    var target = document.getElementById(a.getAttribute('href').substring(1));
                    return { text: a.textContent, found: !!target,
                      names: !!target && target.textContent.indexOf(a.textContent) >= 0 };
                  });
                  document.body.setAttribute('data-links', JSON.stringify(links));
                }, 200);
              });
            })();
            </script>
            """;

    @TempDir
    Path dir;

    @BeforeAll
    static void chromium() {
        assumeTrue(Files.isExecutable(CHROMIUM), "no Chromium at " + CHROMIUM);
    }

    @Test
    void everyChartHasItsTitleAxisTitlesLegendAndDrawnSeriesAtAnyLength() throws Exception {
        Report.Series longSeries = hourly("OT", 30_000, 2);
        longSeries.actual()[12_345] = 40;
        String hostile = "</script><b>\u00fc</b>";
        List<Report.Series> series = List.of(hourly("HUFL", 2_000, 1), longSeries, hourly(hostile, 50, 3),
                hourly("empty", 0, 4));
        Path page = dir.resolve("report.html");
        Report.write(page, "Browser check", series, rows("HUFL", 0.3), Map.of("model.hidden", "32"),
                List.of("rendered by " + CHROMIUM));

        String dom = dumpDom(page);
        Map<String, String> body = bodyAttributes(dom);
        assertNull(body.get("data-render-error"), "render error");
        assertEquals(String.valueOf(2 * series.size()), body.get("data-rendered"));
        JsonNode charts = new ObjectMapper().readTree(body.get("data-check"));
        assertEquals(2 * series.size(), charts.size());

        for (int i = 0; i < series.size(); i++) {
            String key = series.get(i).key();
            boolean empty = series.get(i).ts().length == 0;
            JsonNode forecast = chart(charts, "forecast-" + i);
            JsonNode error = chart(charts, "error-" + i);

            assertEquals(key + ": actual and forecast", forecast.get("title").asText());
            assertEquals(key + ": absolute error", error.get("title").asText());
            assertEquals(List.of("Time", "interval upper", "interval lower", "actual", "forecast"),
                    strings(forecast.get("legend")), key);
            assertEquals(List.of("Time", "|actual \u2212 forecast|", "mean of last " + (empty ? 1 : i == 1 ? 300 : i == 0
                    ? 20 : 10)), strings(error.get("legend")), key);
            JsonNode ink = forecast.get("ink");
            JsonNode errorInk = error.get("ink");
            if (empty) {
                // no range to draw axes over; the caption says "No events."
                assertEquals(0, ink.path("dark").asInt() + ink.path("blue").asInt(), "nothing drawn for " + key);
            } else {
                assertTrue(strings(forecast.get("texts")).containsAll(List.of("time (UTC)", "value (series units)")),
                        key + " axis titles: " + forecast.get("texts"));
                assertTrue(strings(error.get("texts")).containsAll(List.of("time (UTC)", "|error| (series units)")),
                        key + " axis titles: " + error.get("texts"));
                // the actual values (dark points), the forecast (blue line), the interval (orange band)
                assertTrue(ink.path("dark").asInt() > 100, key + " actual values drawn: " + ink);
                assertTrue(ink.path("blue").asInt() > 100, key + " forecast drawn: " + ink);
                assertTrue(ink.path("orange").asInt() > 100, key + " interval drawn: " + ink);
                assertTrue(errorInk.path("red").asInt() > 100, key + " errors drawn: " + errorInk);
            }
        }
    }

    /**
     * A fleet's report: the summary's histogram of the keys' ratios drawn on both sides of 1, the chart of
     * the steps' MSE and coverage with its legend and axes, and every worst key's link leading to a part of
     * the page that names the key.
     */
    @Test
    void aFleetsSummaryAndStepsChartsAreDrawnAndEveryLinkReachesItsKey() throws Exception {
        List<Report.Series> series = new ArrayList<>();
        for (int k = 0; k < 12; k++) {
            series.add(hourly(ReportFixtures.fleetKey(k), 300, k));
        }
        List<Report.Row> rows = new ArrayList<>(ReportFixtures.fleet(12));
        rows.addAll(ReportFixtures.steps(6));
        Path page = dir.resolve("fleet.html");
        Report.write(page, "Fleet check", series, rows, Map.of(), List.of());

        Map<String, String> body = bodyAttributes(dumpDom(page));
        assertNull(body.get("data-render-error"), "render error");
        // the fleet's histogram, the steps' chart, two charts each for the five keys chosen
        assertEquals("12", body.get("data-rendered"));
        JsonNode charts = new ObjectMapper().readTree(body.get("data-check"));
        JsonNode fleet = chart(charts, "fleet-chart");
        assertEquals("keys by model MSE / persistence MSE", fleet.get("title").asText());
        assertEquals(List.of("ratio", "model better", "model worse"), strings(fleet.get("legend")));
        assertTrue(strings(fleet.get("texts")).contains("keys"), fleet.get("texts").toString());
        assertTrue(fleet.get("ink").path("blue").asInt() > 100, "bars of keys the model is better on: " + fleet);
        assertTrue(fleet.get("ink").path("red").asInt() > 100, "bars of keys it is worse on: " + fleet);
        JsonNode steps = chart(charts, "steps-chart");
        assertEquals("MSE and coverage by step ahead", steps.get("title").asText());
        assertEquals(List.of("step", "model MSE", "persistence MSE", "model coverage"), strings(steps.get("legend")));
        assertTrue(strings(steps.get("texts")).containsAll(List.of("step ahead", "MSE", "coverage")),
                steps.get("texts").toString());
        assertTrue(steps.get("ink").path("blue").asInt() > 100, "the model's MSE drawn: " + steps);

        JsonNode links = new ObjectMapper().readTree(body.get("data-links"));
        assertEquals(10, links.size(), "the ten worst keys");
        for (JsonNode link : links) {
            assertTrue(link.get("found").asBoolean() && link.get("names").asBoolean(), link.toString());
        }
    }

    @Test
    void labelledWindowsAreShadedAndFlaggedEventsMarkedOnlyOnTheirSeriesForecastChart() throws Exception {
        Report.Series marked = hourly("nab", 2_000, 5);
        long[] ts = marked.ts();
        Path page = dir.resolve("report.html");
        Report.write(page, "Marks", List.of(marked, hourly("plain", 500, 6)), rows("nab", 0.3), Map.of(), List.of(), null,
                Map.of("nab", new Report.Marks(List.of(new long[] {ts[800], ts[1000]}), new long[] {ts[900], ts[1500]})));
        Map<String, String> body = bodyAttributes(dumpDom(page));
        assertNull(body.get("data-render-error"), "render error");
        assertEquals("4", body.get("data-rendered"));
        JsonNode charts = new ObjectMapper().readTree(body.get("data-check"));
        JsonNode ink = chart(charts, "forecast-0").get("ink");
        assertTrue(ink.path("green").asInt() > 1000, "the window shaded: " + ink);
        assertTrue(ink.path("flag").asInt() > 50, "the flagged events marked: " + ink);
        JsonNode plain = chart(charts, "forecast-1").get("ink");
        assertEquals(0, plain.path("green").asInt() + plain.path("flag").asInt(), "no marks where none were given: " + plain);
        assertTrue(Files.readString(page).contains("Shaded green: the 1 labelled anomaly window. Red lines: the 2 events "
                + "flagged at anomaly.threshold."));
    }

    private static JsonNode chart(JsonNode charts, String id) {
        for (JsonNode c : charts) {
            if (c.get("id").asText().equals(id)) {
                return c;
            }
        }
        throw new AssertionError("no chart " + id);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private String dumpDom(Path report) throws IOException, InterruptedException {
        String html = Files.readString(report, StandardCharsets.UTF_8);
        Path page = Files.writeString(dir.resolve("probed.html"), html.replaceFirst("<body>", "<body>\n"
                + Matcher.quoteReplacement(PROBE)), StandardCharsets.UTF_8);
        Path profile = Files.createDirectory(dir.resolve("profile"));
        Path out = dir.resolve("dom.html");
        Path err = dir.resolve("chromium.log");
        Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--window-size=1360,1000",
                "--force-device-scale-factor=1", "--virtual-time-budget=10000", "--dump-dom", page.toUri().toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        // a generous bound against a hung browser; a normal run takes a few seconds
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("Chromium did not finish; log: " + Files.readString(err, StandardCharsets.UTF_8));
        }
        String dom = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(p.exitValue() == 0 && dom.contains("<body"),
                "Chromium exited with " + p.exitValue() + "; log: " + Files.readString(err, StandardCharsets.UTF_8));
        return dom;
    }

    private static Map<String, String> bodyAttributes(String dom) {
        Matcher body = BODY.matcher(dom);
        assertTrue(body.find(), "no body element in the dumped DOM");
        Map<String, String> attributes = new TreeMap<>();
        Matcher a = Pattern.compile("([\\w-]+)=\"([^\"]*)\"").matcher(body.group(1));
        while (a.find()) {
            attributes.put(a.group(1), a.group(2).replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">")
                    .replace("&amp;", "&"));
        }
        return attributes;
    }
}
