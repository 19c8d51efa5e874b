package dev.streamforecast.backtest;

import static dev.streamforecast.testutil.ReportFixtures.hourly;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReportChartsTest {

    @Test
    void absoluteErrorIsUndefinedWhereEitherSideIsMissing() {
        double[] e = ReportCharts.absoluteError(new double[] {1, 2, Double.NaN, 5}, new double[] {Double.NaN, 3.5, 1, 4});
        assertTrue(Double.isNaN(e[0]));
        assertEquals(1.5, e[1]);
        assertTrue(Double.isNaN(e[2]));
        assertEquals(1.0, e[3]);
    }

    @Test
    void windowIsOnePercentOfTheSeriesButAtLeastTenAndAtMostTheSeries() {
        assertEquals(1, ReportCharts.window(0));
        assertEquals(3, ReportCharts.window(3));
        assertEquals(10, ReportCharts.window(500));
        assertEquals(174, ReportCharts.window(17_420));
    }

    @Test
    void trailingMeanMatchesAPlainRecomputationOverTheFiniteValuesOfEachWindow() {
        Random rnd = new Random(11);
        double[] v = new double[2_000];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextInt(7) == 0 ? Double.NaN : Math.abs(rnd.nextGaussian()) * (rnd.nextInt(50) == 0 ? 1e6 : 1);
        }
        for (int i = 300; i < 340; i++) {
            v[i] = Double.NaN;
        }
        int window = 17;

        double[] mean = ReportCharts.trailingMean(v, window);

        for (int i = 0; i < v.length; i++) {
            double sum = 0;
            int count = 0;
            for (int j = Math.max(0, i - window + 1); j <= i; j++) {
                if (Double.isFinite(v[j])) {
                    sum += v[j];
                    count++;
                }
            }
            if (count == 0) {
                assertTrue(Double.isNaN(mean[i]), "index " + i);
            } else {
                assertEquals(sum / count, mean[i], 1e-9 * Math.max(1, sum / count), "index " + i);
            }
        }
    }

    @Test
    void bucketsCoverEveryEventOnceInOrder() {
        int[] bounds = ReportCharts.bucketBounds(20_003, 5_000);
        assertEquals(0, bounds[0]);
        assertEquals(20_003, bounds[5_000]);
        for (int b = 0; b < 5_000; b++) {
            int size = bounds[b + 1] - bounds[b];
            assertTrue(size == 4 || size == 5, "bucket " + b + " has " + size);
        }
    }

    @Test
    void minMaxKeepsEachBucketsExtremesInTimeOrderAndLeavesGapsForEmptyBuckets() {
        double[] v = {1, 9, 3, 4, /* */ 8, 2, 5, 6, /* */ Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        int[] bounds = {0, 4, 8, 12};

        double[] out = ReportCharts.minMax(v, bounds);

        assertArrayEquals(new double[] {1, 9, 8, 2, Double.NaN, Double.NaN}, out);
    }

    @Test
    void downsampledBandSpansEveryIntervalOfItsBucket() {
        double[] lower = {1, 0.5, Double.NaN, 2, 3, 2.5};
        double[] upper = {4, 3, Double.NaN, 5, 7, 6};
        int[] bounds = {0, 3, 6};

        assertArrayEquals(new double[] {0.5, 0.5, 2, 2}, ReportCharts.lowest(lower, bounds));
        assertArrayEquals(new double[] {4, 4, 7, 7}, ReportCharts.highest(upper, bounds));
    }

    @Test
    void shortSeriesAreDrawnEventByEvent() {
        Report.Series s = hourly("HUFL", ReportCharts.MAX_POINTS, 1);

        ReportCharts.Columns c = ReportCharts.of(s);

        assertFalse(c.downsampled());
        assertSame(s.ts(), c.x());
        assertSame(s.upper(), c.upper());
        assertEquals(ReportCharts.MAX_POINTS, c.absError().length);
    }

    @Test
    void longSeriesBecomeTwoTimeOrderedPointsPerBucketInEveryColumn() {
        Report.Series s = hourly("OT", ReportCharts.MAX_POINTS + 1, 2);

        ReportCharts.Columns c = ReportCharts.of(s);

        assertTrue(c.downsampled());
        assertEquals(ReportCharts.MAX_POINTS + 1, c.events());
        int points = 2 * ReportCharts.BUCKETS;
        for (Object column : List.of(c.actual(), c.forecast(), c.lower(), c.upper(), c.absError(), c.meanError())) {
            assertEquals(points, ((double[]) column).length);
        }
        assertEquals(points, c.x().length);
        assertEquals(s.ts()[0], c.x()[0]);
        assertEquals(s.ts()[s.ts().length - 1], c.x()[points - 1]);
        for (int i = 1; i < points; i++) {
            assertTrue(c.x()[i] >= c.x()[i - 1]);
        }
    }

    @Test
    void plotNumbersKeepSixSignificantDigitsAsValidJson() {
        assertEquals("3.14159", ReportCharts.plotNumber(Math.PI));
        assertEquals("0.1", ReportCharts.plotNumber(0.1));
        assertEquals("0", ReportCharts.plotNumber(-0.0));
        assertEquals("1234570", ReportCharts.plotNumber(1_234_567.891));
        assertEquals("-0.000123457", ReportCharts.plotNumber(-1.2345678e-4));
        assertEquals("1E-9", ReportCharts.plotNumber(1e-9));
        assertEquals("1.5E+20", ReportCharts.plotNumber(1.5e20));
    }

    @Test
    void chartDataEscapesEveryAngleBracketAndAmpersand() throws IOException {
        StringWriter out = new StringWriter();

        ReportCharts.writeJson(out, List.of(ReportCharts.of(hourly("a</script>&<!--b", 2, 3))), null, null, java.util.Map.of());

        String json = out.toString();
        assertFalse(json.contains("<") || json.contains(">") || json.contains("&"));
        assertTrue(json.startsWith("{\"series\":[{\"key\":\"a\\u003C/script\\u003E\\u0026\\u003C!--b\",\"events\":2,"));
    }

    /** A fleet whose model MSE is each of {@code mse} against persistence's 1. */
    private static FleetSummary fleet(double... mse) {
        List<Report.Row> rows = new java.util.ArrayList<>();
        for (int k = 0; k < mse.length; k++) {
            rows.add(new Report.Row("k" + k, "model", 10, mse[k], 1, 1, 1, 1, Double.NaN, Double.NaN));
            rows.add(new Report.Row("k" + k, "persistence", 10, 1, 1, 1, 1, 1, Double.NaN, Double.NaN));
        }
        return FleetSummary.of(rows, Evaluation.MODEL);
    }

    @Test
    void theHistogramsBinsAreAsNarrowAsFortyAllowWithOneAnEdgeAndWildRatiosInTheLastBin() {
        ReportCharts.Histogram close = ReportCharts.histogram(fleet(0.981, 0.999, 1.0, 1.02, 1.099));
        assertEquals(0.005, close.width());
        assertEquals(0.98, close.from(), 1e-12);
        assertEquals(1.1, close.to(), 1e-12);
        assertEquals(24, close.x().length);
        // 0.981 and 0.999 below 1, in the first and the fourth bin; 1 and above in red
        assertEquals(1, close.better()[0]);
        assertEquals(1, close.better()[3]);
        assertTrue(Double.isNaN(close.better()[4]) && Double.isNaN(close.worse()[3]));
        assertEquals(1, close.worse()[4]);
        assertEquals(3, java.util.Arrays.stream(close.worse()).filter(v -> !Double.isNaN(v)).sum());

        ReportCharts.Histogram wide = ReportCharts.histogram(fleet(0.2, 0.9, 1.5, 50));
        assertEquals(0.1, wide.width());
        assertEquals(3.0, wide.to(), 1e-12);
        assertEquals(1, wide.worse()[wide.x().length - 1], "a ratio of 50 in the last bin");
    }
}
