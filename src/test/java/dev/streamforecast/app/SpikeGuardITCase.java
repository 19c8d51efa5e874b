package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.Forecast;
import dev.streamforecast.io.ForecastCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Spikes through {@code backtest} with the default model and hourly times, as a user would meet them:
 * a daily series around 10, and the same series with one value replaced by a spike of any size, up or
 * down, late or among the first events. After the spike every forecast of every step (a day and more
 * later included, when the seasonal candidate reads the values of a day before) errs as the clean
 * series' do, and the intervals are as wide and cover as often.
 */
class SpikeGuardITCase {
    private static final long T0 = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
    private static final long HOUR = 3_600_000L;
    private static final int LENGTH = 800;
    private static final int AT = 301;
    /** Key -> (event, value) of its spike. */
    private static final Map<String, double[]> SPIKES = new LinkedHashMap<>();

    static {
        SPIKES.put("up-1e3", new double[] {AT, 1e3});
        SPIKES.put("up-1e11", new double[] {AT, 1e11});
        SPIKES.put("up-1e301", new double[] {AT, 1e301});
        SPIKES.put("down-1e3", new double[] {AT, -1e3});
        SPIKES.put("down-1e301", new double[] {AT, -1e301});
        SPIKES.put("one-1e300", new double[] {AT, 1e300});
        SPIKES.put("early-1e300", new double[] {5, 1e300});
        SPIKES.put("early-1e3", new double[] {12, 1e3});
    }

    @TempDir
    Path dir;

    private static double[] daily() {
        Random rnd = new Random(9);
        double[] y = new double[LENGTH];
        for (int t = 0; t < LENGTH; t++) {
            y[t] = 10 + 2 * Math.sin(2 * Math.PI * t / 24) + 0.3 * rnd.nextGaussian();
        }
        return y;
    }

    @ParameterizedTest(name = "{0} steps ahead, model.scope={1}")
    @CsvSource({"1, key", "12, key", "1, shared"})
    void afterASpikeOfAnySizeEveryStepErrsAndCoversAsWithoutIt(int horizon, String scope) throws Exception {
        double[] y = daily();
        StringBuilder csv = new StringBuilder("ts,key,value\n");
        for (int t = 0; t < LENGTH; t++) {
            String ts = Instant.ofEpochMilli(T0 + t * HOUR).toString();
            csv.append(ts).append(",clean,").append(y[t]).append('\n');
            for (Map.Entry<String, double[]> e : SPIKES.entrySet()) {
                double v = t == (int) e.getValue()[0] ? e.getValue()[1] : y[t];
                csv.append(ts).append(',').append(e.getKey()).append(',').append(v).append('\n');
            }
        }
        Path input = dir.resolve("spikes.csv");
        Path output = dir.resolve("forecasts.jsonl");
        Files.writeString(input, csv);
        run("backtest", "--input", input.toString(), "--output", output.toString(), "--horizon",
                String.valueOf(horizon), "--set", "model.scope=" + scope);
        Map<String, List<Forecast>> byKey = new LinkedHashMap<>();
        for (String line : Files.readAllLines(output)) {
            Forecast f = ForecastCodec.decode(line.getBytes(StandardCharsets.UTF_8));
            byKey.computeIfAbsent(f.key, k -> new ArrayList<>()).add(f);
        }
        for (Map.Entry<String, double[]> e : SPIKES.entrySet()) {
            int at = (int) e.getValue()[0];
            double[] clean = after(y, byKey.get("clean"), at, horizon);
            double[] hit = after(y, byKey.get(e.getKey()), at, horizon);
            String what = e.getKey() + " at H=" + horizon + ", " + scope + " scope: ";
            assertTrue(hit[0] <= 1.25 * clean[0], what + "largest error after the spike " + hit[0] + ", without it "
                    + clean[0]);
            assertTrue(hit[1] <= 1.1 * clean[1], what + "mean width " + hit[1] + ", without the spike " + clean[1]);
            assertTrue(hit[2] <= 1.5 * clean[2], what + "widest interval " + hit[2] + ", without it " + clean[2]);
            assertEquals(clean[3], hit[3], 0.02, what + "coverage");
        }
    }

    /**
     * Over every step's forecast made at or after event {@code from} whose target is another event: the
     * largest error, the mean and largest width of the interval and its coverage; every bound finite.
     */
    private static double[] after(double[] y, List<Forecast> forecasts, int from, int horizon) {
        assertEquals(LENGTH, forecasts.size());
        double worst = 0;
        double widths = 0;
        double widest = 0;
        int covered = 0;
        int n = 0;
        for (int t = from; t < LENGTH; t++) {
            Forecast f = forecasts.get(t);
            for (int h = 1; h <= horizon && t + h < LENGTH; h++) {
                double forecast = horizon == 1 ? f.forecast : f.stepForecasts[h - 1];
                double lower = horizon == 1 ? f.lower : f.stepLowers[h - 1];
                double upper = horizon == 1 ? f.upper : f.stepUppers[h - 1];
                assertTrue(Double.isFinite(forecast) && Double.isFinite(lower) && Double.isFinite(upper));
                if (t + h == from) {
                    continue;
                }
                double target = y[t + h];
                worst = Math.max(worst, Math.abs(target - forecast));
                widths += upper - lower;
                widest = Math.max(widest, upper - lower);
                covered += target >= lower && target <= upper ? 1 : 0;
                n++;
            }
        }
        return new double[] {worst, widths / n, widest, (double) covered / n};
    }

    private static void run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int rc = cli.execute(args);
        assertEquals(0, rc, String.join(" ", args) + ": " + err);
    }
}
