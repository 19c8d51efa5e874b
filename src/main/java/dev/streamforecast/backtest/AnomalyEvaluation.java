package dev.streamforecast.backtest;

import dev.streamforecast.event.Forecast;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A replay's anomaly scores against labelled windows: NAB's score for each profile with the threshold
 * optimised over the whole run ({@link NabScore}), and the precision and recall of the flags the forecasts
 * carry at the configured threshold.
 *
 * <p>A key's windows are those labelled with its name, or else with the name it is also known by (the
 * file it came from, when the file holds that one series). Keys with neither are left out and listed.
 * Precision is the share of flagged events (after each key's probationary rows, as NAB scores them) that
 * lie in a labelled window; recall the share of windows with at least one flagged event.
 */
public final class AnomalyEvaluation {
    /** The keys scored, and those without labels. */
    public final List<String> keys = new ArrayList<>();
    public final List<String> unlabelled = new ArrayList<>();
    /** Each scored key's windows ({@code {start, end}}, epoch ms), for the report. */
    public final Map<String, List<long[]>> windows = new LinkedHashMap<>();
    public final Map<NabScore.Profile, NabScore.Result> results = new EnumMap<>(NabScore.Profile.class);
    /** Flags after probation, those in a window, labelled windows and those with a flag. */
    public int flagged;
    public int flaggedInWindows;
    public int windowCount;
    public int windowsFlagged;

    private AnomalyEvaluation() {}

    /**
     * Scores {@code forecasts} (sorted by key, then time) against {@code labels}, a key's labels found by
     * its name or by {@code alsoKnownAs.get(key)}.
     */
    public static AnomalyEvaluation of(List<Forecast> forecasts, Map<String, List<long[]>> labels,
            Map<String, String> alsoKnownAs) {
        AnomalyEvaluation e = new AnomalyEvaluation();
        List<NabScore.Series> series = new ArrayList<>();
        int from = 0;
        while (from < forecasts.size()) {
            String key = forecasts.get(from).key;
            int to = from;
            while (to < forecasts.size() && forecasts.get(to).key.equals(key)) {
                to++;
            }
            List<long[]> w = labels.containsKey(key) ? labels.get(key) : labels.get(alsoKnownAs.get(key));
            if (w == null) {
                e.unlabelled.add(key);
            } else {
                e.keys.add(key);
                e.windows.put(key, w);
                series.add(e.add(key, forecasts.subList(from, to), w));
            }
            from = to;
        }
        for (NabScore.Profile p : NabScore.Profile.values()) {
            e.results.put(p, NabScore.optimise(series, p));
        }
        return e;
    }

    /** One key's series for NAB's scorer, its flags counted. */
    private NabScore.Series add(String key, List<Forecast> rows, List<long[]> w) {
        int n = rows.size();
        long[] ts = new long[n];
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            ts[i] = rows.get(i).ts;
            scores[i] = rows.get(i).anomaly;
        }
        NabScore.Series s = NabScore.Series.of(key, ts, scores, w);
        boolean[] hit = new boolean[w.size()];
        for (int i = s.probation; i < n; i++) {
            if (!rows.get(i).anomalous) {
                continue;
            }
            flagged++;
            for (int k = 0; k < w.size(); k++) {
                if (ts[i] >= w.get(k)[0] && ts[i] <= w.get(k)[1]) {
                    flaggedInWindows++;
                    hit[k] = true;
                    break;
                }
            }
        }
        windowCount += w.size();
        for (boolean h : hit) {
            windowsFlagged += h ? 1 : 0;
        }
        return s;
    }

    /** The share of flags in a labelled window; NaN without flags. */
    public double precision() {
        return flagged == 0 ? Double.NaN : (double) flaggedInWindows / flagged;
    }

    /** The share of labelled windows flagged; NaN without windows. */
    public double recall() {
        return windowCount == 0 ? Double.NaN : (double) windowsFlagged / windowCount;
    }
}
