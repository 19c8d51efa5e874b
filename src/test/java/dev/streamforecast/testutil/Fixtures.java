package dev.streamforecast.testutil;

import dev.streamforecast.event.Observation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Deterministic inputs for model tests. */
public final class Fixtures {
    private Fixtures() {}

    public static double[] uniform(Random rnd, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = (2 * rnd.nextDouble() - 1) * scale;
        }
        return a;
    }

    /** y_t = sin(2 pi t / period) + noise * N(0, 1). */
    public static double[] noisySine(int n, double period, double noise, long seed) {
        Random rnd = new Random(seed);
        double[] y = new double[n];
        for (int t = 0; t < n; t++) {
            y[t] = Math.sin(2 * Math.PI * t / period) + noise * rnd.nextGaussian();
        }
        return y;
    }

    /** y_t = a1 y_{t-1} + a2 y_{t-2} + N(0, sigma^2). */
    public static double[] ar2(int n, double a1, double a2, double sigma, long seed) {
        Random rnd = new Random(seed);
        double[] y = new double[n];
        for (int t = 2; t < n; t++) {
            y[t] = a1 * y[t - 1] + a2 * y[t - 2] + sigma * rnd.nextGaussian();
        }
        return y;
    }

    /**
     * {@code events} (several keys, each in time order) as a real stream brings them: in each key, every
     * tenth pair of neighbours swapped, and now and then a stale copy of an event from three events back
     * (late) or a second copy of the event just sent (a repeat). The swaps keep each key's order
     * recoverable; the copies are refused. Keys stay interleaved as in {@code events}.
     */
    public static List<Observation> disordered(List<Observation> events) {
        Map<String, List<Observation>> byKey = new LinkedHashMap<>();
        for (Observation o : events) {
            byKey.computeIfAbsent(o.key, k -> new ArrayList<>()).add(o);
        }
        Map<String, List<Observation>> arrivals = new LinkedHashMap<>();
        for (Map.Entry<String, List<Observation>> e : byKey.entrySet()) {
            List<Observation> in = new ArrayList<>(e.getValue());
            for (int i = 3; i + 1 < in.size(); i += 10) {
                Observation a = in.get(i);
                in.set(i, in.get(i + 1));
                in.set(i + 1, a);
            }
            List<Observation> out = new ArrayList<>();
            for (int i = 0; i < in.size(); i++) {
                Observation o = in.get(i);
                out.add(o);
                if (i % 50 == 20) {
                    Observation stale = in.get(i - 3);
                    out.add(new Observation(o.key, stale.ts, -999));
                }
                if (i % 70 == 35) {
                    out.add(new Observation(o.key, o.ts, o.value + 1));
                }
            }
            arrivals.put(e.getKey(), out);
        }
        // interleave the keys as they were: the i-th arrival of each key in turn
        List<Observation> out = new ArrayList<>();
        for (int i = 0; ; i++) {
            boolean any = false;
            for (List<Observation> a : arrivals.values()) {
                if (i < a.size()) {
                    out.add(a.get(i));
                    any = true;
                }
            }
            if (!any) {
                return out;
            }
        }
    }

    /** How many of {@link #disordered}'s extra events (stale and repeated copies) a key of {@code n} events gets. */
    public static int refusedPerKey(int n) {
        int refused = 0;
        for (int i = 0; i < n; i++) {
            refused += (i % 50 == 20 ? 1 : 0) + (i % 70 == 35 ? 1 : 0);
        }
        return refused;
    }

    /**
     * Whether a forecast's bounds are an interval (finite, lower below upper) or none at all (both NaN,
     * while the key's interval has no scale): never one bound alone, an infinity or a reversed pair.
     */
    public static boolean intervalOrNone(double lower, double upper) {
        return Double.isNaN(lower) && Double.isNaN(upper)
                || Double.isFinite(lower) && Double.isFinite(upper) && lower < upper;
    }
}
