package dev.streamforecast.io;

import dev.streamforecast.event.Observation;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The bundled sample: four hourly series with what real ones have (daily and weekly seasonality,
 * drift, noise, a regime change), deterministic so the demo and its README output are reproducible.
 *
 * <ul>
 *   <li>{@code sensor-temp}: a temperature with a daily cycle, slow drift, and at 60% a step up with
 *       doubled noise (a cooling failure).</li>
 *   <li>{@code sensor-load}: a machine load with daily and weekly cycles and autocorrelated noise.</li>
 *   <li>{@code price-alpha}: a price whose returns have momentum (AR(1)) and whose volatility triples
 *       at 70%.</li>
 *   <li>{@code price-beta}: a mean-reverting price (Ornstein-Uhlenbeck) whose mean jumps at 50%.</li>
 * </ul>
 */
public final class SampleData {
    public static final long START = 1_704_067_200_000L; // 2024-01-01T00:00:00Z
    public static final long HOUR = 3_600_000L;

    private SampleData() {}

    /** {@code hours} events per series, interleaved in time order. */
    public static List<Observation> generate(int hours) {
        Random rnd = new Random(20240101L);
        double temp = 0;
        double load = 0;
        double alpha = 100;
        double alphaReturn = 0;
        double beta = 50;
        List<Observation> out = new ArrayList<>(4 * hours);
        for (int t = 0; t < hours; t++) {
            long ts = START + t * HOUR;
            double day = 2 * Math.PI * t / 24.0;
            double week = 2 * Math.PI * t / 168.0;
            boolean failed = t >= 0.6 * hours;
            temp = 0.8 * temp + (failed ? 0.6 : 0.3) * rnd.nextGaussian();
            double tempValue = 21 + 0.0004 * t + 3 * Math.sin(day - 1.0) + (failed ? 4 : 0) + temp;
            load = 0.9 * load + 2.0 * rnd.nextGaussian();
            double loadValue = 55 + 15 * Math.sin(day) + 8 * Math.sin(week) + 5 * Math.sin(2 * day) + load;
            double vol = t >= 0.7 * hours ? 0.012 : 0.004;
            alphaReturn = 0.3 * alphaReturn + vol * rnd.nextGaussian();
            alpha *= Math.exp(alphaReturn + 0.00005);
            double mean = t >= 0.5 * hours ? 58 : 50;
            beta += 0.05 * (mean - beta) + 0.4 * rnd.nextGaussian();
            out.add(new Observation("sensor-temp", ts, round(tempValue)));
            out.add(new Observation("sensor-load", ts, round(loadValue)));
            out.add(new Observation("price-alpha", ts, round(alpha)));
            out.add(new Observation("price-beta", ts, round(beta)));
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    /** Writes observations as csv-long: {@code ts,key,value} with ISO-8601 UTC timestamps. */
    public static void writeCsv(List<Observation> observations, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("ts,key,value\n");
            for (Observation o : observations) {
                w.write(Timestamps.format(o.ts) + "," + o.key + "," + o.value + "\n");
            }
        }
    }
}
