package dev.streamforecast.backtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Writes a backtest's results as one self-contained HTML page that needs no network to view.
 *
 * <p>The page holds, in order: the title, the notes as a list; for more than one key the fleet's summary
 * ({@link FleetSummary}: on how many keys the model beats each baseline, the distribution of the ratios as a
 * table and a histogram, and the worst keys, each linked to its charts or its rows); the metrics table (rows
 * grouped by key, the group "all" first and the others in order of first appearance, each key's lowest MSE
 * highlighted); for steps ahead ({@link #stepKey} rows) a chart of each method's MSE and the model's coverage
 * by step beside their table; the configuration sorted by name; and for the series chosen (by default
 * {@link FleetSummary#defaultCharts}, and always a series that is not a key of the rows, such as a fan)
 * two charts drawn with the vendored uPlot library, with titled axes: actual values as points against the
 * forecast as a line with the prediction interval as a band, and the absolute error with its trailing mean.
 * Series longer than {@value ReportCharts#MAX_POINTS} events are reduced to the minimum and maximum of each
 * of {@value ReportCharts#BUCKETS} buckets, which the page says under the chart; the page reduces what it
 * draws the same way, per pixel column of the range shown.
 *
 * <p>The same arguments always give the same bytes: nothing depends on the clock, the locale, the platform's
 * line separator or a map's iteration order. Once every chart has drawn, the page sets
 * {@code data-rendered} on its body to the number of charts drawn, and {@code data-render-error} if any failed.
 */
public final class Report {

    /** One series as replayed: per event its time, actual value, the forecast made at the previous event, and that forecast's interval (NaN where there is none, e.g. the first event). */
    public record Series(String key, long[] ts, double[] actual, double[] forecast, double[] lower, double[] upper) {
        public Series {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(ts, "ts");
            int n = ts.length;
            for (double[] column : new double[][] {actual, forecast, lower, upper}) {
                if (Objects.requireNonNull(column, "column of series " + key).length != n) {
                    throw new IllegalArgumentException("series " + key + ": every column must have " + n
                            + " values, one per timestamp");
                }
            }
            // the charts join points in array order; a step back in time would draw the line backwards
            for (int i = 1; i < n; i++) {
                if (ts[i] < ts[i - 1]) {
                    throw new IllegalArgumentException("series " + key + ": timestamps must not decrease, but ts["
                            + i + "] < ts[" + (i - 1) + "]");
                }
            }
        }
    }

    /** What a series' chart marks: labelled anomaly windows ({@code {start, end}}, epoch ms) and flagged events' times. */
    public record Marks(List<long[]> windows, long[] flagged) {
        public Marks {
            Objects.requireNonNull(windows, "windows");
            Objects.requireNonNull(flagged, "flagged");
        }

        static final Marks NONE = new Marks(List.of(), new long[0]);
    }

    /** One line of the metrics table. method is e.g. "model", "persistence", "seasonal naive (24)", "holt", "ar(24) rls"; coverage and width are NaN for methods without intervals. key is a series key or "all". */
    public record Row(String key, String method, long n, double mse, double mae, double rmse, double smape, double mase, double coverage, double width) {
        public Row {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(method, "method");
        }
    }

    private static final String RESOURCES = "/report/";
    /** The key of the rows pooled over every key. */
    static final String ALL = "all";
    private static final String MODEL = Evaluation.MODEL;
    private static final String STEP = "step ";
    private static final String MEAN = "mean 1..";
    private static final String MISSING = "\u2013";
    private static final Pattern BANNER = Pattern.compile("\\A/\\*!(.*?)\\*/\\s*", Pattern.DOTALL);
    private static final Pattern VERSION = Pattern.compile("\\(v([0-9A-Za-z.+-]+)\\)");

    private static final String STYLE = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;\
            color:#1b1b1b;background:#fff;max-width:1320px;margin:24px auto;padding:0 20px}
            h1{font-size:24px;margin:0 0 10px}
            h2{font-size:18px;margin:30px 0 8px;padding-bottom:4px;border-bottom:1px solid #d6d6d6}
            h3{font-size:16px;margin:26px 0 2px}
            ul.notes{margin:0;padding-left:20px}
            table{border-collapse:collapse;font-variant-numeric:tabular-nums}
            th,td{padding:3px 10px;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
            th{background:#f4f4f4;font-weight:600}
            .num{text-align:right}
            table.metrics tbody{border-top:2px solid #9a9a9a}
            table.metrics td.key{font-weight:600;background:#fff}
            table.metrics tr.best td:not(.key){background:#dff0df}
            table.metrics tr.best td.mse{font-weight:700}
            table.config td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;word-break:break-all}
            table.steps tr.mean td{border-top:2px solid #9a9a9a;font-weight:600}
            .caption{color:#555;font-size:12.5px;margin:2px 0 14px}
            .chart{width:100%;min-height:40px}
            .uplot .u-title{font-size:14px;font-weight:600;text-align:left}
            """;

    private static final String SCRIPT = """
            (function () {
              'use strict';
              var body = document.body, errors = [], drawn = 0, plots = [];
              function fail(e) { errors.push(e && e.message ? e.message : String(e)); }
              window.addEventListener('error', function (ev) { fail(ev.error || ev.message); });
              // the x values are epoch milliseconds; labels in UTC so that every viewer sees the same times
              function utc(ms) { return uPlot.tzDate(new Date(ms), 'Etc/UTC'); }
              function countFirstDraw() {
                var seen = false;
                return function () { if (!seen) { seen = true; drawn++; } };
              }
              function widthOf(el) { return Math.max(320, el.clientWidth); }
              function firstAtOrAfter(x, v) {
                var lo = 0, hi = x.length;
                while (lo < hi) { var m = (lo + hi) >> 1; if (x[m] < v) { lo = m + 1; } else { hi = m; } }
                return lo;
              }
              // The columns between x = min and max (and one point beyond each, so lines reach the edges),
              // reduced to each pixel column's lowest and highest value in time order: a line or a cloud of
              // points then looks the same as with every event, whatever the length and the zoom.
              function perPixel(full, min, max, pixels) {
                var x = full[0], from = Math.max(0, firstAtOrAfter(x, min) - 1);
                var to = Math.min(x.length, firstAtOrAfter(x, max) + 1), n = to - from;
                if (n <= 2 * pixels) { return full.map(function (c) { return c.slice(from, to); }); }
                var out = full.map(function () { return []; });
                for (var p = 0; p < pixels; p++) {
                  var s = from + Math.floor(p * n / pixels), e = from + Math.floor((p + 1) * n / pixels);
                  if (e <= s) { continue; }
                  out[0].push(x[s], x[e - 1]);
                  for (var c = 1; c < full.length; c++) {
                    var col = full[c], lo = -1, hi = -1;
                    for (var k = s; k < e; k++) {
                      if (col[k] === null) { continue; }
                      if (lo < 0 || col[k] < col[lo]) { lo = k; }
                      if (hi < 0 || col[k] > col[hi]) { hi = k; }
                    }
                    if (lo < 0) { out[c].push(null, null); } else { out[c].push(col[Math.min(lo, hi)], col[Math.max(lo, hi)]); }
                  }
                }
                return out;
              }
              function pixelsOf(u) { return Math.max(1, Math.round(u.bbox.width / (window.devicePixelRatio || 1))); }
              // labelled windows shaded and flagged events as red lines, under the series
              function marker(s) {
                return function (u) {
                  var ctx = u.ctx, left = u.bbox.left, right = left + u.bbox.width, top = u.bbox.top, h = u.bbox.height;
                  function at(t) { return Math.min(right, Math.max(left, u.valToPos(t, 'x', true))); }
                  ctx.save();
                  ctx.fillStyle = 'rgba(46,125,50,0.16)';
                  (s.windows || []).forEach(function (w) { var a = at(w[0]); ctx.fillRect(a, top, Math.max(1, at(w[1]) - a), h); });
                  ctx.strokeStyle = 'rgba(213,0,0,0.75)';
                  ctx.lineWidth = 1;
                  (s.flagged || []).forEach(function (t) {
                    var x = u.valToPos(t, 'x', true);
                    if (x < left || x > right) { return; }
                    ctx.beginPath(); ctx.moveTo(Math.round(x) + 0.5, top); ctx.lineTo(Math.round(x) + 0.5, top + h); ctx.stroke();
                  });
                  ctx.restore();
                };
              }
              function chart(id, title, yTitle, height, series, bands, full, marks) {
                var el = document.getElementById(id);
                try {
                  var x = full[0];
                  var opts = {
                    title: title, width: widthOf(el), height: height, ms: 1, tzDate: utc,
                    scales: { x: { time: true } }, series: series, bands: bands,
                    axes: [{ label: 'time (UTC)', labelSize: 20 }, { label: yTitle, labelSize: 20, size: 60 }],
                    hooks: {
                      drawClear: marks ? [marks] : [],
                      draw: [countFirstDraw()],
                      // zooming in or out reduces the full columns again for the range shown
                      setScale: [function (u, key) {
                        if (key !== 'x' || x.length === 0) { return; }
                        var d = perPixel(full, u.scales.x.min, u.scales.x.max, pixelsOf(u));
                        if (d[0].length !== u.data[0].length || d[0][0] !== u.data[0][0]) { u.setData(d, false); }
                      }]
                    }
                  };
                  var initial = x.length ? perPixel(full, x[0], x[x.length - 1], widthOf(el)) : full;
                  plots.push({ el: el, plot: new uPlot(opts, initial, el) });
                } catch (e) {
                  fail(e);
                }
              }
              // a chart whose x is not time: the fleet's histogram, the steps' scores
              function plain(id, opts, data) {
                var el = document.getElementById(id);
                try {
                  opts.width = widthOf(el);
                  opts.hooks = { draw: [countFirstDraw()] };
                  plots.push({ el: el, plot: new uPlot(opts, data, el) });
                } catch (e) {
                  fail(e);
                }
              }
              var band = 'rgba(239,108,0,0.22)', edge = 'rgba(239,108,0,0.6)';
              try {
                var data = JSON.parse(document.getElementById('report-data').textContent);
                if (data.fleet) {
                  var f = data.fleet, bars = uPlot.paths.bars({ size: [0.9, 60] });
                  plain('fleet-chart', {
                    title: 'keys by model MSE / ' + f.baseline + ' MSE', height: 250,
                    scales: { x: { time: false, range: [f.from, f.to] } },
                    series: [{ label: 'ratio' },
                      { label: 'model better', stroke: '#1565c0', fill: '#1565c0', paths: bars, points: { show: false } },
                      { label: 'model worse', stroke: '#c62828', fill: '#c62828', paths: bars, points: { show: false } }],
                    axes: [{ label: 'model MSE / ' + f.baseline + ' MSE (bins of ' + f.width + ')', labelSize: 20 },
                      { label: 'keys', labelSize: 20, size: 50 }]
                  }, [f.x, f.better, f.worse]);
                }
                if (data.steps) {
                  var st = data.steps, colours = ['#1565c0', '#616161', '#8d6e63', '#00897b', '#ab47bc', '#f9a825'];
                  var stepSeries = [{ label: 'step' }];
                  st.methods.forEach(function (m, i) {
                    stepSeries.push({ label: m + ' MSE', stroke: colours[i % colours.length], width: i === 0 ? 2.5 : 1.2,
                      scale: 'mse' });
                  });
                  stepSeries.push({ label: 'model coverage', stroke: '#2e7d32', width: 2, dash: [8, 4], scale: 'coverage' });
                  plain('steps-chart', {
                    title: 'MSE and coverage by step ahead', height: 330,
                    scales: { x: { time: false }, coverage: { range: [0, 1] } }, series: stepSeries,
                    axes: [{ label: 'step ahead', labelSize: 20 },
                      { scale: 'mse', label: 'MSE', labelSize: 20, size: 60 },
                      { scale: 'coverage', side: 1, label: 'coverage', labelSize: 20, size: 50, grid: { show: false } }]
                  }, [st.h].concat(st.mse).concat([st.coverage]));
                }
                data.series.forEach(function (s, i) {
                  // uPlot fills a band while drawing its first series: the interval edges come first so
                  // that the fill lies under the actual values and the forecast rather than tinting them;
                  // actual values are points and the forecast a line, so neither hides the other
                  chart('forecast-' + i, s.key + ': actual and forecast', 'value (series units)', 330, [
                    {},
                    { label: 'interval upper', stroke: edge, width: 1 },
                    { label: 'interval lower', stroke: edge, width: 1 },
                    { label: 'actual', stroke: '#212121', fill: '#212121', paths: function () { return null; },
                      points: { show: true, size: 3, width: 0, stroke: '#212121', fill: '#212121' } },
                    { label: 'forecast', stroke: '#1565c0', width: 1.5 }
                  ], [{ series: [1, 2], fill: band }],
                  [s.x, s.upper, s.lower, s.actual, s.forecast], marker(s));
                  chart('error-' + i, s.key + ': absolute error', '|error| (series units)', 230, [
                    {},
                    { label: '|actual \\u2212 forecast|', stroke: 'rgba(198,40,40,0.45)', width: 1 },
                    { label: 'mean of last ' + s.window, stroke: '#7f0000', width: 2 }
                  ], [], [s.x, s.absError, s.meanError]);
                });
              } catch (e) {
                fail(e);
              }
              window.addEventListener('resize', function () {
                plots.forEach(function (p) { p.plot.setSize({ width: widthOf(p.el), height: p.plot.height }); });
              });
              // uPlot draws in a microtask after construction; a timer runs only after all of those
              setTimeout(function () {
                if (errors.length) { body.dataset.renderError = errors.join('; '); }
                body.dataset.rendered = String(drawn);
              }, 0);
            })();
            """;

    private Report() {}

    /**
     * Writes the report to {@code file}, replacing it if it exists.
     *
     * @param notes free text shown as a list under the title, e.g. the protocol, the input file, the run time
     */
    public static void write(Path file, String title, List<Series> series, List<Row> rows,
            Map<String, String> configuration, List<String> notes) throws IOException {
        write(file, title, series, rows, configuration, notes, null, Map.of());
    }

    /**
     * Writes the report to {@code file}, drawing the charts of the series whose keys are in {@code charts}
     * (null: {@link FleetSummary#defaultCharts}), and of every series that is not a key of the rows; each
     * series' forecast chart also shades the labelled windows and marks the flagged events {@code marks}
     * gives for its key.
     */
    public static void write(Path file, String title, List<Series> series, List<Row> rows,
            Map<String, String> configuration, List<String> notes, Set<String> charts, Map<String, Marks> marks)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(title, "title");
        List<Row> allRows = List.copyOf(rows);
        Map<String, String> sortedConfiguration = new TreeMap<>(configuration);
        List<String> allNotes = List.copyOf(notes);
        String library = libraryScript();
        String libraryStyle = resource("uPlot.min.css");
        FleetSummary fleet = FleetSummary.of(allRows, MODEL);
        Set<String> rowKeys = new HashSet<>();
        allRows.forEach(r -> rowKeys.add(r.key()));
        Set<String> chosen = charts != null ? charts : fleet.defaultCharts();
        List<ReportCharts.Columns> drawn = new ArrayList<>();
        for (Series s : series) {
            if (chosen.contains(s.key()) || !rowKeys.contains(s.key())) {
                drawn.add(ReportCharts.of(s));
            }
        }
        Map<String, String> anchors = anchors(allRows, drawn);
        List<Row> stepRows = allRows.stream().filter(r -> isStepKey(r.key())).collect(Collectors.toList());
        ReportCharts.Histogram histogram = fleet.ranked.size() > 1 ? ReportCharts.histogram(fleet) : null;
        ReportCharts.Steps steps = stepRows.isEmpty() ? null : ReportCharts.steps(stepRows, MODEL);

        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
            out.write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
            out.write("<title>" + html(title) + "</title>\n");
            out.write("<style>\n" + libraryStyle.strip() + "\n" + STYLE + "</style>\n</head>\n<body>\n");
            out.write("<h1>" + html(title) + "</h1>\n");
            writeNotes(out, allNotes);
            if (histogram != null) {
                writeFleet(out, fleet, anchors);
            }
            writeMetrics(out, allRows.stream().filter(r -> !isStepKey(r.key())).collect(Collectors.toList()), anchors);
            if (steps != null) {
                writeSteps(out, stepRows, steps);
            }
            writeConfiguration(out, sortedConfiguration);
            writeSeries(out, drawn, fleet, charts == null, series.size(), marks);
            out.write("<script type=\"application/json\" id=\"report-data\">");
            ReportCharts.writeJson(out, drawn, histogram, steps, marks);
            out.write("</script>\n<script>\n" + library + "\n</script>\n<script>\n" + SCRIPT + "</script>\n");
            out.write("</body>\n</html>\n");
        }
    }

    /** What a chart's marks are, for its caption: nothing when it has none. */
    private static String marked(Marks m) {
        return (m.windows().isEmpty() ? "" : " Shaded green: the " + count(m.windows().size()) + " labelled anomaly "
                + "window" + (m.windows().size() == 1 ? "" : "s") + ".")
                + (m.flagged().length == 0 ? "" : " Red lines: the " + count(m.flagged().length) + " event"
                        + (m.flagged().length == 1 ? "" : "s") + " flagged at anomaly.threshold.");
    }

    private static void writeNotes(Writer out, List<String> notes) throws IOException {
        if (notes.isEmpty()) {
            return;
        }
        out.write("<ul class=\"notes\">\n");
        for (String note : notes) {
            out.write("<li>" + html(note) + "</li>\n");
        }
        out.write("</ul>\n");
    }

    /** The key of the rows of step h ahead, pooled over keys. */
    public static String stepKey(int h) {
        return STEP + h;
    }

    /** The key of the rows of the mean over steps 1..horizon. */
    public static String meanKey(int horizon) {
        return MEAN + horizon;
    }

    /** The step of a {@link #stepKey}, or 0 for any other key. */
    static int stepOf(String key) {
        if (!key.startsWith(STEP)) {
            return 0;
        }
        try {
            return Integer.parseInt(key.substring(STEP.length()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Whether a row's key is a step's or the mean over steps, rather than a series'. */
    public static boolean isStepKey(String key) {
        return key.startsWith(STEP) || key.startsWith(MEAN);
    }

    /** Where each key's link goes: its charts when they are drawn, else its rows of the metrics table. */
    private static Map<String, String> anchors(List<Row> rows, List<ReportCharts.Columns> drawn) {
        Map<String, String> anchors = new LinkedHashMap<>();
        List<List<Row>> groups = groupByKey(rows);
        for (int i = 0; i < groups.size(); i++) {
            anchors.put(groups.get(i).get(0).key(), "metrics-" + i);
        }
        for (int i = 0; i < drawn.size(); i++) {
            anchors.put(drawn.get(i).key(), "series-" + i);
        }
        return anchors;
    }

    /** The fleet: the model against each baseline over the keys, the ratios' histogram, the worst keys. */
    private static void writeFleet(Writer out, FleetSummary fleet, Map<String, String> anchors) throws IOException {
        int keys = fleet.ranked.size();
        out.write("<h2>Fleet</h2>\n<p class=\"caption\">" + count(keys) + " keys. Per key, the model's MSE over "
                + "each baseline's: below 1 the model is the better of the two on that key. A key whose baseline "
                + "MSE is 0 is not compared.</p>\n");
        out.write("<table class=\"fleet\">\n<thead><tr><th>baseline</th><th class=\"num\">model better on</th>");
        for (String q : ScoreTable.quantileNames()) {
            out.write("<th class=\"num\">" + q + "</th>");
        }
        out.write("</tr></thead>\n<tbody>\n");
        for (FleetSummary.Line l : fleet.lines) {
            out.write("<tr><td>" + html(l.baseline()) + "</td><td class=\"num\">" + count(l.beaten()) + " of "
                    + count(l.compared()) + " (" + percent(l.share()) + ")</td>");
            for (double q : l.quantiles()) {
                out.write("<td class=\"num\">" + number(q) + "</td>");
            }
            out.write("</tr>\n");
        }
        out.write("</tbody>\n</table>\n<div class=\"chart\" id=\"fleet-chart\"></div>\n");
        out.write("<p class=\"caption\">Keys by their model MSE over " + html(fleet.rankedBy()) + "'s; blue: the model "
                + "better, red: " + html(fleet.rankedBy()) + " as good or better. Ratios beyond the last bin (at most "
                + number(ReportCharts.HISTOGRAM_LIMIT) + ") are counted in it.</p>\n");
        List<FleetSummary.Key> worst = fleet.worst(Math.min(10, keys));
        out.write("<h3>Worst keys</h3>\n<table class=\"worst\">\n<thead><tr><th>key</th><th class=\"num\">model MSE / "
                + html(fleet.rankedBy()) + " MSE</th></tr></thead>\n<tbody>\n");
        for (FleetSummary.Key k : worst) {
            out.write("<tr><td><a href=\"#" + anchors.get(k.key()) + "\">" + html(k.key()) + "</a></td><td class=\"num\">"
                    + number(fleet.ratio(k)) + "</td></tr>\n");
        }
        out.write("</tbody>\n</table>\n");
    }

    private static String percent(double share) {
        return Double.isNaN(share) ? MISSING : String.format(Locale.ROOT, "%.0f%%", 100 * share);
    }

    /** Steps ahead: each method's MSE and the model's coverage by step, as a chart beside their table. */
    private static void writeSteps(Writer out, List<Row> rows, ReportCharts.Steps steps) throws IOException {
        out.write("<h2>Steps ahead</h2>\n<p class=\"caption\">Pooled over keys: row t scored at step h against the "
                + "forecast of step h made at row t \u2212 h. The model's coverage and width are over its forecasts "
                + "with an interval.</p>\n<div class=\"chart\" id=\"steps-chart\"></div>\n");
        out.write("<table class=\"steps\">\n<thead><tr><th>step</th>");
        for (String m : steps.methods()) {
            out.write("<th class=\"num\">" + html(m) + " MSE</th>");
        }
        out.write("<th class=\"num\">model MAE</th><th class=\"num\">coverage</th><th class=\"num\">width</th></tr>"
                + "</thead>\n<tbody>\n");
        for (List<Row> group : groupByKey(rows)) {
            String key = group.get(0).key();
            Row model = group.stream().filter(r -> r.method().equals(MODEL)).findFirst().orElse(null);
            out.write(key.startsWith(MEAN) ? "<tr class=\"mean\">" : "<tr>");
            out.write("<td>" + html(stepOf(key) > 0 ? Integer.toString(stepOf(key)) : key) + "</td>");
            for (String m : steps.methods()) {
                double mse = group.stream().filter(r -> r.method().equals(m)).mapToDouble(Row::mse).findFirst()
                        .orElse(Double.NaN);
                out.write("<td class=\"num\">" + number(mse) + "</td>");
            }
            out.write("<td class=\"num\">" + number(model == null ? Double.NaN : model.mae()) + "</td><td class=\"num\">"
                    + number(model == null ? Double.NaN : model.coverage()) + "</td><td class=\"num\">"
                    + number(model == null ? Double.NaN : model.width()) + "</td></tr>\n");
        }
        out.write("</tbody>\n</table>\n");
    }

    private static void writeMetrics(Writer out, List<Row> rows, Map<String, String> anchors) throws IOException {
        out.write("<h2>Metrics</h2>\n");
        if (rows.isEmpty()) {
            out.write("<p>No metrics.</p>\n");
            return;
        }
        out.write("<p class=\"caption\">Rows are grouped by series key; the lowest MSE of each key is highlighted. "
                + MISSING + " means not defined, e.g. no interval. Coverage and width are over the forecasts that "
                + "have an interval.</p>\n");
        out.write("<table class=\"metrics\">\n<thead><tr><th>key</th><th>method</th><th class=\"num\">n</th>"
                + "<th class=\"num\">MSE</th><th class=\"num\">MAE</th><th class=\"num\">RMSE</th>"
                + "<th class=\"num\">sMAPE</th><th class=\"num\">MASE</th><th class=\"num\">coverage</th>"
                + "<th class=\"num\">width</th></tr></thead>\n");
        for (List<Row> group : groupByKey(rows)) {
            double best = bestMse(group);
            String anchor = anchors.get(group.get(0).key());
            out.write(anchor != null && anchor.startsWith("metrics-") ? "<tbody id=\"" + anchor + "\">\n" : "<tbody>\n");
            for (int i = 0; i < group.size(); i++) {
                Row r = group.get(i);
                out.write(r.mse() == best ? "<tr class=\"best\">" : "<tr>");
                if (i == 0) {
                    out.write("<td class=\"key\" rowspan=\"" + group.size() + "\">" + html(r.key()) + "</td>");
                }
                out.write("<td>" + html(r.method()) + "</td>"
                        + "<td class=\"num\">" + count(r.n()) + "</td>"
                        + "<td class=\"num mse\">" + number(r.mse()) + "</td>"
                        + "<td class=\"num\">" + number(r.mae()) + "</td>"
                        + "<td class=\"num\">" + number(r.rmse()) + "</td>"
                        + "<td class=\"num\">" + number(r.smape()) + "</td>"
                        + "<td class=\"num\">" + number(r.mase()) + "</td>"
                        + "<td class=\"num\">" + number(r.coverage()) + "</td>"
                        + "<td class=\"num\">" + number(r.width()) + "</td></tr>\n");
            }
            out.write("</tbody>\n");
        }
        out.write("</table>\n");
    }

    /** Rows per key in order of first appearance, except that the pooled "all" comes first as the summary. */
    static List<List<Row>> groupByKey(List<Row> rows) {
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        if (rows.stream().anyMatch(r -> r.key().equals(ALL))) {
            groups.put(ALL, new ArrayList<>());
        }
        for (Row r : rows) {
            groups.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
        }
        return new ArrayList<>(groups.values());
    }

    /** The lowest finite MSE of a group, NaN if it has none, so that no row matches. */
    private static double bestMse(List<Row> group) {
        double best = Double.NaN;
        for (Row r : group) {
            if (Double.isFinite(r.mse()) && (Double.isNaN(best) || r.mse() < best)) {
                best = r.mse();
            }
        }
        return best;
    }

    private static void writeConfiguration(Writer out, Map<String, String> configuration) throws IOException {
        out.write("<h2>Configuration</h2>\n");
        if (configuration.isEmpty()) {
            out.write("<p>No configuration given.</p>\n");
            return;
        }
        out.write("<table class=\"config\">\n<thead><tr><th>name</th><th>value</th></tr></thead>\n<tbody>\n");
        for (Map.Entry<String, String> e : configuration.entrySet()) {
            out.write("<tr><td>" + html(e.getKey()) + "</td><td>" + html(String.valueOf(e.getValue()))
                    + "</td></tr>\n");
        }
        out.write("</tbody>\n</table>\n");
    }

    private static void writeSeries(Writer out, List<ReportCharts.Columns> charts, FleetSummary fleet,
            boolean chosenByDefault, int given, Map<String, Marks> marks) throws IOException {
        out.write("<h2>Series</h2>\n");
        if (charts.size() < given) {
            out.write("<p class=\"caption\">Charts of " + count(charts.size()) + " of " + count(given) + " series"
                    + (chosenByDefault ? ": the three worst keys, the median and the best by MSE relative to "
                            + html(fleet.rankedBy()) : ", as chosen") + ". Every key's scores are in the table above.</p>\n");
        }
        out.write(charts.isEmpty() ? "<p>No series.</p>\n"
                : "<p class=\"caption\">Values are in the series' own units. Where a chart has more events than "
                        + "pixels, each pixel column shows the lowest and the highest value of the events it covers. "
                        + "Drag across a chart to zoom in, double-click to zoom out; click a legend entry to hide "
                        + "its series.</p>\n");
        for (int i = 0; i < charts.size(); i++) {
            ReportCharts.Columns c = charts.get(i);
            out.write("<section id=\"series-" + i + "\">\n<h3>" + html(c.key()) + "</h3>\n");
            out.write("<p class=\"caption\">" + html(span(c)) + "</p>\n");
            out.write("<div class=\"chart\" id=\"forecast-" + i + "\"></div>\n");
            out.write("<p class=\"caption\">Dots: the actual values; blue line: the forecast of each, made at the "
                    + "event before; shaded orange: its prediction interval"
                    + (c.downsampled() ? " (per bucket, from its lowest lower to its highest upper bound)" : "")
                    + ". " + html(sampling(c)) + html(marked(marks.getOrDefault(c.key(), Marks.NONE))) + "</p>\n");
            out.write("<div class=\"chart\" id=\"error-" + i + "\"></div>\n");
            out.write("<p class=\"caption\">" + html("|actual \u2212 forecast| per event, and its mean over the last "
                    + count(c.window()) + " events (those with a forecast), computed from every event. " + sampling(c))
                    + "</p>\n</section>\n");
        }
    }

    private static String span(ReportCharts.Columns c) {
        long[] x = c.x();
        if (x.length == 0) {
            return "No events.";
        }
        return count(c.events()) + (c.events() == 1 ? " event, " : " events, ")
                + Instant.ofEpochMilli(x[0]) + " to " + Instant.ofEpochMilli(x[x.length - 1]) + ".";
    }

    private static String sampling(ReportCharts.Columns c) {
        if (!c.downsampled()) {
            return "The page holds every event.";
        }
        return "Downsampled for display: " + count(c.events()) + " events in " + count(c.buckets())
                + " buckets of about " + count(Math.round((double) c.events() / c.buckets()))
                + " events, each drawn as its minimum and maximum in time order so that spikes stay visible.";
    }

    /** A metric to four significant digits (whole numbers from 1000 on), "–" when undefined. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return MISSING;
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "\u221e" : "\u2212\u221e";
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e9 || a < 1e-4) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        BigDecimal d = new BigDecimal(v);
        if (a >= 1000) {
            return d.setScale(0, RoundingMode.HALF_EVEN).toPlainString();
        }
        BigDecimal r = d.round(new MathContext(4, RoundingMode.HALF_EVEN));
        // short binary values such as 2.5 come out with fewer digits; pad so a column reads alike
        return r.setScale(r.scale() + Math.max(0, 4 - r.precision())).toPlainString();
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Text as HTML element content or attribute value. */
    static String html(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }

    /**
     * The vendored uPlot script with its banner comment, which carries a web address, replaced by the
     * library's version and full MIT license text, which the license asks to keep with every copy.
     */
    private static String libraryScript() {
        String script = resource("uPlot.iife.min.js");
        String version = "";
        Matcher banner = BANNER.matcher(script);
        if (banner.find()) {
            Matcher v = VERSION.matcher(banner.group(1));
            version = v.find() ? " " + v.group(1) : "";
            script = script.substring(banner.end());
        }
        String license = resource("uPlot.LICENSE").strip().replace("*/", "* /");
        script = "/*! uPlot" + version + "\n\n" + license + "\n*/\n" + script.strip();
        // an end tag or comment opener inside the inline script would end it early
        if (script.toLowerCase(Locale.ROOT).contains("</script") || script.contains("<!--")) {
            throw new IllegalStateException("vendored uPlot script cannot be inlined: it contains </script or <!--");
        }
        return script;
    }

    private static String resource(String name) {
        try (InputStream in = Report.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + RESOURCES + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + RESOURCES + name, e);
        }
    }
}
