package dev.streamforecast.backtest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;

/**
 * The data behind the report's charts: per series the absolute errors, their trailing mean and the
 * downsampling of long series; the histogram of the fleet's ratios; the scores by step ahead.
 */
final class ReportCharts {

    /** Above this many events a chart is downsampled: uPlot would cope with more, the file size would not. */
    static final int MAX_POINTS = 20_000;

    /** Buckets of a downsampled chart; two points each still gives several points per pixel column on any screen. */
    static final int BUCKETS = 5_000;

    /** Smallest trailing window of the mean absolute error, so that short series still get a smoothed line. */
    static final int MIN_WINDOW = 10;

    /* Six significant digits are far below what a chart can show and roughly halve the file size. */
    private static final MathContext PLOT_PRECISION = new MathContext(6, RoundingMode.HALF_EVEN);

    /*
     * JSON inside <script type="application/json"> ends at the first "</script" and is read by the HTML
     * parser in odd ways after "<!--". Escaping every '<' (with '>' and '&' for good measure) as \u003C
     * keeps any text, such as a series key, from leaving the block; outside strings JSON has no '<' at all.
     */
    private static final JsonFactory JSON = new JsonFactoryBuilder()
            .characterEscapes(new HtmlSafeEscapes())
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();

    /**
     * The columns one series is drawn from, all of the same length as {@code x}.
     *
     * @param events the number of events in the series before any downsampling
     * @param window the length of the trailing window of {@code meanError}, in events
     * @param buckets 0 when every event is drawn, else the number of buckets the events were reduced to
     */
    record Columns(String key, long[] x, double[] actual, double[] forecast, double[] lower, double[] upper,
            double[] absError, double[] meanError, int events, int window, int buckets) {

        boolean downsampled() {
            return buckets > 0;
        }
    }

    /** Ratios beyond this go into the histogram's last bin, so one wild key does not squeeze the others into one bar. */
    static final double HISTOGRAM_LIMIT = 3;

    /**
     * The histogram's bin widths, from the narrowest: each divides 1, so 1 is always an edge and a bin
     * holds only keys on one side of it.
     */
    static final double[] BINS = {0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5};

    /** At most this many bins: the narrowest width that keeps within it is used. */
    static final int MAX_BINS = 40;

    /**
     * Keys per bin of their ratio to the baseline they are ranked by: x the bins' centres, the counts of
     * the bins below 1 in {@code better} and of the others in {@code worse} (NaN where the bin is on the
     * other side), between {@code from} and {@code to}.
     */
    record Histogram(String baseline, double from, double to, double width, double[] x, double[] better,
            double[] worse) {}

    /** Per step 1..H, each method's MSE (the model first) and the model's coverage. */
    record Steps(int[] h, List<String> methods, List<double[]> mse, double[] coverage) {}

    private ReportCharts() {}

    /**
     * The histogram of the fleet's ratios to the baseline its keys are ranked by, from the lowest ratio (or 1)
     * to the highest (or 1, at most {@link #HISTOGRAM_LIMIT}), in the narrowest bins of {@link #BINS} that
     * keep to {@link #MAX_BINS}.
     */
    static Histogram histogram(FleetSummary fleet) {
        double[] ratios = fleet.ranked.stream().mapToDouble(fleet::ratio).filter(r -> !Double.isNaN(r)).toArray();
        double low = 1;
        double high = 1;
        for (double r : ratios) {
            low = Math.min(low, r);
            high = Math.max(high, Math.min(r, HISTOGRAM_LIMIT));
        }
        double width = BINS[BINS.length - 1];
        for (int i = BINS.length - 1; i >= 0 && Math.ceil(high / BINS[i]) - Math.floor(low / BINS[i]) <= MAX_BINS; i--) {
            width = BINS[i];
        }
        int first = (int) Math.floor(low / width);
        int bins = Math.max(1, (int) Math.ceil(high / width) - first);
        long one = Math.round(1 / width);
        double[] x = new double[bins];
        double[] better = new double[bins];
        double[] worse = new double[bins];
        for (int b = 0; b < bins; b++) {
            x[b] = (first + b + 0.5) * width;
            boolean below = first + b < one;
            better[b] = below ? 0 : Double.NaN;
            worse[b] = below ? Double.NaN : 0;
        }
        for (double r : ratios) {
            int b = Math.min(bins - 1, Math.max(0, (int) Math.floor(r / width) - first));
            if (Double.isNaN(better[b])) {
                worse[b]++;
            } else {
                better[b]++;
            }
        }
        return new Histogram(fleet.rankedBy(), first * width, (first + bins) * width, width, x, better, worse);
    }

    /** The step rows' MSE per method and the model's coverage, by step; the mean over steps left out. */
    static Steps steps(List<Report.Row> rows, String model) {
        java.util.Map<String, java.util.TreeMap<Integer, Report.Row>> byMethod = new java.util.LinkedHashMap<>();
        byMethod.put(model, new java.util.TreeMap<>());
        for (Report.Row r : rows) {
            int h = Report.stepOf(r.key());
            if (h > 0) {
                byMethod.computeIfAbsent(r.method(), m -> new java.util.TreeMap<>()).put(h, r);
            }
        }
        int[] h = byMethod.get(model).keySet().stream().mapToInt(Integer::intValue).toArray();
        List<double[]> mse = new java.util.ArrayList<>();
        for (java.util.TreeMap<Integer, Report.Row> m : byMethod.values()) {
            mse.add(java.util.Arrays.stream(h).mapToDouble(k -> m.containsKey(k) ? m.get(k).mse() : Double.NaN).toArray());
        }
        double[] coverage = java.util.Arrays.stream(h).mapToDouble(k -> byMethod.get(model).get(k).coverage()).toArray();
        return new Steps(h, List.copyOf(byMethod.keySet()), mse, coverage);
    }

    /** Computes the error columns at full resolution and then, for a long series, reduces every column to per-bucket extremes. */
    static Columns of(Report.Series s) {
        int n = s.ts().length;
        double[] absError = absoluteError(s.actual(), s.forecast());
        int window = window(n);
        double[] meanError = trailingMean(absError, window);
        if (n <= MAX_POINTS) {
            return new Columns(s.key(), s.ts(), s.actual(), s.forecast(), s.lower(), s.upper(),
                    absError, meanError, n, window, 0);
        }
        int[] bounds = bucketBounds(n, BUCKETS);
        return new Columns(s.key(), bucketEdges(s.ts(), bounds),
                minMax(s.actual(), bounds), minMax(s.forecast(), bounds),
                lowest(s.lower(), bounds), highest(s.upper(), bounds),
                minMax(absError, bounds), minMax(meanError, bounds), n, window, BUCKETS);
    }

    /** |actual - forecast| per event; NaN where either is missing. */
    static double[] absoluteError(double[] actual, double[] forecast) {
        double[] e = new double[actual.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = Math.abs(actual[i] - forecast[i]);
        }
        return e;
    }

    /** One percent of the series: enough to smooth event-to-event noise, short enough to show regime changes. */
    static int window(int events) {
        return Math.max(1, Math.min(events, Math.max(MIN_WINDOW, events / 100)));
    }

    /** The mean of the finite values among the last {@code window} events, NaN where there are none. */
    static double[] trailingMean(double[] values, int window) {
        double[] mean = new double[values.length];
        double sum = 0;
        int count = 0;
        for (int i = 0; i < values.length; i++) {
            if (Double.isFinite(values[i])) {
                sum += values[i];
                count++;
            }
            int leaving = i - window;
            if (leaving >= 0 && Double.isFinite(values[leaving])) {
                sum -= values[leaving];
                count--;
            }
            if (count == 0) {
                // a running sum keeps rounding residue of values long gone; an empty window must read as nothing
                sum = 0;
            }
            mean[i] = count == 0 ? Double.NaN : sum / count;
        }
        return mean;
    }

    /** Start indices of {@code buckets} near-equal buckets over {@code n} events, with {@code n} appended. */
    static int[] bucketBounds(int n, int buckets) {
        int[] bounds = new int[buckets + 1];
        for (int b = 0; b <= buckets; b++) {
            bounds[b] = (int) ((long) b * n / buckets);
        }
        return bounds;
    }

    /** Two x values per bucket, its first and its last event time, so the points stay in time order. */
    static long[] bucketEdges(long[] ts, int[] bounds) {
        int buckets = bounds.length - 1;
        long[] x = new long[2 * buckets];
        for (int b = 0; b < buckets; b++) {
            x[2 * b] = ts[bounds[b]];
            x[2 * b + 1] = ts[bounds[b + 1] - 1];
        }
        return x;
    }

    /**
     * Each bucket's minimum and maximum, in the order they occurred, so a line keeps its spikes and its shape;
     * a bucket without finite values becomes a gap.
     */
    static double[] minMax(double[] values, int[] bounds) {
        int buckets = bounds.length - 1;
        double[] out = new double[2 * buckets];
        for (int b = 0; b < buckets; b++) {
            int argMin = -1;
            int argMax = -1;
            for (int i = bounds[b]; i < bounds[b + 1]; i++) {
                double v = values[i];
                if (!Double.isFinite(v)) {
                    continue;
                }
                if (argMin < 0 || v < values[argMin]) {
                    argMin = i;
                }
                if (argMax < 0 || v > values[argMax]) {
                    argMax = i;
                }
            }
            if (argMin < 0) {
                out[2 * b] = Double.NaN;
                out[2 * b + 1] = Double.NaN;
            } else {
                out[2 * b] = values[Math.min(argMin, argMax)];
                out[2 * b + 1] = values[Math.max(argMin, argMax)];
            }
        }
        return out;
    }

    /** Each bucket's minimum at both of its points: the lower edge of a band that covers every interval in the bucket. */
    static double[] lowest(double[] values, int[] bounds) {
        return extreme(values, bounds, -1);
    }

    /** Each bucket's maximum at both of its points: the upper edge of a band that covers every interval in the bucket. */
    static double[] highest(double[] values, int[] bounds) {
        return extreme(values, bounds, 1);
    }

    private static double[] extreme(double[] values, int[] bounds, int sign) {
        int buckets = bounds.length - 1;
        double[] out = new double[2 * buckets];
        for (int b = 0; b < buckets; b++) {
            double best = Double.NaN;
            for (int i = bounds[b]; i < bounds[b + 1]; i++) {
                double v = values[i];
                if (Double.isFinite(v) && (Double.isNaN(best) || sign * (v - best) > 0)) {
                    best = v;
                }
            }
            out[2 * b] = best;
            out[2 * b + 1] = best;
        }
        return out;
    }

    /**
     * Writes every series' columns (with its marks, when {@code marks} has any for it: "windows" and
     * "flagged"), and the fleet's histogram and the steps' scores when given, as one JSON object that is safe
     * to embed in an HTML script element.
     */
    static void writeJson(Writer out, List<Columns> charts, Histogram histogram, Steps steps,
            java.util.Map<String, Report.Marks> marks) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (histogram != null) {
                g.writeObjectFieldStart("fleet");
                g.writeStringField("baseline", histogram.baseline());
                g.writeFieldName("from");
                g.writeNumber(plotNumber(histogram.from()));
                g.writeFieldName("to");
                g.writeNumber(plotNumber(histogram.to()));
                g.writeFieldName("width");
                g.writeNumber(plotNumber(histogram.width()));
                writeColumn(g, "x", histogram.x());
                writeColumn(g, "better", histogram.better());
                writeColumn(g, "worse", histogram.worse());
                g.writeEndObject();
            }
            if (steps != null) {
                g.writeObjectFieldStart("steps");
                g.writeArrayFieldStart("h");
                for (int h : steps.h()) {
                    g.writeNumber(h);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("methods");
                for (String m : steps.methods()) {
                    g.writeString(m);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("mse");
                for (double[] m : steps.mse()) {
                    writeValues(g, m);
                }
                g.writeEndArray();
                writeColumn(g, "coverage", steps.coverage());
                g.writeEndObject();
            }
            g.writeArrayFieldStart("series");
            for (Columns c : charts) {
                g.writeStartObject();
                g.writeStringField("key", c.key());
                g.writeNumberField("events", c.events());
                g.writeNumberField("window", c.window());
                g.writeArrayFieldStart("x");
                for (long t : c.x()) {
                    g.writeNumber(t);
                }
                g.writeEndArray();
                writeColumn(g, "actual", c.actual());
                writeColumn(g, "forecast", c.forecast());
                writeColumn(g, "lower", c.lower());
                writeColumn(g, "upper", c.upper());
                writeColumn(g, "absError", c.absError());
                writeColumn(g, "meanError", c.meanError());
                writeMarks(g, marks.get(c.key()));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void writeMarks(JsonGenerator g, Report.Marks m) throws IOException {
        if (m == null) {
            return;
        }
        g.writeArrayFieldStart("windows");
        for (long[] w : m.windows()) {
            g.writeArray(w, 0, 2);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("flagged");
        for (long t : m.flagged()) {
            g.writeNumber(t);
        }
        g.writeEndArray();
    }

    /* JSON has no NaN or infinities; null is also what uPlot draws as a gap. */
    private static void writeColumn(JsonGenerator g, String name, double[] values) throws IOException {
        g.writeFieldName(name);
        writeValues(g, values);
    }

    private static void writeValues(JsonGenerator g, double[] values) throws IOException {
        g.writeStartArray();
        for (double v : values) {
            if (Double.isFinite(v)) {
                g.writeNumber(plotNumber(v));
            } else {
                g.writeNull();
            }
        }
        g.writeEndArray();
    }

    /** A finite value rounded to six significant digits, spelled as a JSON number without needless digits. */
    static String plotNumber(double v) {
        if (v == 0) {
            return "0";
        }
        BigDecimal d = new BigDecimal(v, PLOT_PRECISION).stripTrailingZeros();
        double a = Math.abs(v);
        return a >= 1e-6 && a < 1e15 ? d.toPlainString() : d.toString();
    }

    private static final class HtmlSafeEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] ascii;

        HtmlSafeEscapes() {
            ascii = standardAsciiEscapesForJSON();
            ascii['<'] = ESCAPE_STANDARD;
            ascii['>'] = ESCAPE_STANDARD;
            ascii['&'] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return null;
        }
    }
}
