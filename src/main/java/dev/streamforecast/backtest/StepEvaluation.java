package dev.streamforecast.backtest;

import dev.streamforecast.event.Forecast;
import dev.streamforecast.model.OnlineAutoRegression;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scores of forecasts several steps ahead, step by step and pooled over keys, beside baselines made
 * multi-step the same leak-free way.
 *
 * <p>Row t is scored at step h against the forecast of step h made at row t - h, which the job emitted
 * after row t - h and before it had seen anything later. The baselines forecast each step from the same
 * rows: persistence the value at t - h for every step, seasonal naive the value a whole number of
 * seasons before t (y_{t - m ceil(h/m)}), and an online AR(24) on differences that forecasts every step
 * directly, each step's coefficients learning row s only when y_{s+h} has arrived
 * ({@link OnlineAutoRegression} with a horizon); and, to measure what direct buys, the same AR's one-step
 * model iterated on its own forecasts (recursive). Values, forecasts and intervals are standardised per key
 * under the protocol as in {@link Evaluation}; coverage and width are over the forecasts with an interval.
 *
 * <p>The recursive AR feeds each forecast difference back as a lag, so coefficients with a root outside the
 * unit circle (a fit to noise: on random walks they come and go) compound without limit: 24 steps reached an
 * MSE of 8e17. Each iterated difference is therefore clipped at {@link OnlineAutoRegression#DEFAULT_CLIP} RMS
 * of the differences seen, as the AR clips the differences it learns from: it forecasts no change it would
 * not have learned from.
 */
public final class StepEvaluation {
    public static final String PERSISTENCE = "persistence";
    public static final String LINEAR = "ar(24) direct";
    public static final String RECURSIVE = "ar(24) recursive";

    /** Steps scored. */
    public final int horizon;
    /** The seasonal baseline's name, with its season. */
    public final String seasonal;
    /** Per method ({@link Evaluation#MODEL} first), each step's pooled scores (index h - 1). */
    public final Map<String, Metrics[]> steps = new LinkedHashMap<>();

    private StepEvaluation(int horizon, int season) {
        this.horizon = horizon;
        this.seasonal = "seasonal naive (" + season + ")";
        for (String m : List.of(Evaluation.MODEL, PERSISTENCE, seasonal, LINEAR, RECURSIVE)) {
            Metrics[] per = new Metrics[horizon];
            for (int h = 0; h < horizon; h++) {
                per[h] = new Metrics();
            }
            steps.put(m, per);
        }
    }

    /** Scores {@code forecasts} (sorted by key, then time) at every step they carry, under {@code protocol}. */
    public static StepEvaluation of(List<Forecast> forecasts, Protocol protocol, int season) {
        Map<String, List<Forecast>> byKey = new TreeMap<>();
        for (Forecast f : forecasts) {
            byKey.computeIfAbsent(f.key, k -> new ArrayList<>()).add(f);
        }
        int horizon = forecasts.isEmpty() ? 1 : forecasts.get(0).horizon();
        StepEvaluation e = new StepEvaluation(horizon, season);
        for (List<Forecast> fs : byKey.values()) {
            e.add(fs, protocol, season);
        }
        return e;
    }

    private void add(List<Forecast> fs, Protocol protocol, int season) {
        int n = fs.size();
        double[] raw = new double[n];
        for (int i = 0; i < n; i++) {
            raw[i] = fs.get(i).value;
        }
        Protocol.Split split = protocol == null ? new Protocol.Split(n, n, 1, n) : protocol.split(n);
        Protocol.Scaler scaler = protocol == null ? new Protocol.Scaler(0, 1)
                : Protocol.Scaler.fit(raw, split.standardiseRows());
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = scaler.apply(raw[i]);
        }
        double[][] linear = new double[split.scoreTo()][horizon];
        double[][] recursive = new double[split.scoreTo()][horizon];
        linearForecasts(z, linear, recursive);
        Metrics[] model = steps.get(Evaluation.MODEL);
        Metrics[] persistence = steps.get(PERSISTENCE);
        Metrics[] seasonalNaive = steps.get(seasonal);
        Metrics[] ar = steps.get(LINEAR);
        Metrics[] iterated = steps.get(RECURSIVE);
        for (int h = 1; h <= horizon; h++) {
            for (int t = Math.max(split.scoreFrom(), h); t < split.scoreTo(); t++) {
                Forecast made = fs.get(t - h);
                double f = made.stepForecasts == null ? made.forecast : made.stepForecasts[h - 1];
                double lo = made.stepLowers == null ? made.lower : made.stepLowers[h - 1];
                double hi = made.stepUppers == null ? made.upper : made.stepUppers[h - 1];
                double last = z[t - h];
                model[h - 1].add(z[t], scaler.apply(f), scaler.apply(lo), scaler.apply(hi), last);
                persistence[h - 1].add(z[t], last, last);
                long back = t - (long) season * ((h + season - 1) / season);
                seasonalNaive[h - 1].add(z[t], back >= 0 ? z[(int) back] : last, last);
                double l = linear[t - h][h - 1];
                ar[h - 1].add(z[t], Double.isFinite(l) ? l : last, last);
                double r = recursive[t - h][h - 1];
                iterated[h - 1].add(z[t], Double.isFinite(r) ? r : last, last);
            }
        }
    }

    /**
     * The AR(24)'s forecasts of steps 1..H made at each row: directly (each step its own coefficients) into
     * {@code direct}, and by iterating the one-step coefficients on their own forecasts, each difference
     * clipped at the clip's RMS of those seen, into {@code recursive}.
     */
    private void linearForecasts(double[] z, double[][] direct, double[][] recursive) {
        int p = OnlineAutoRegression.DEFAULT_ORDER;
        OnlineAutoRegression model = new OnlineAutoRegression(p, OnlineAutoRegression.DEFAULT_FORGETTING,
                OnlineAutoRegression.DEFAULT_DELTA, OnlineAutoRegression.DEFAULT_INTERCEPT,
                OnlineAutoRegression.DEFAULT_CLIP, OnlineAutoRegression.INNOVATION_CLIP, 0, horizon);
        OnlineAutoRegression.State s = model.newState();
        double[] lags = new double[p + horizon];
        for (int t = 0; t < direct.length; t++) {
            model.observe(s, z[t]);
            model.forecastSteps(s, direct[t]);
            if (s.filled < p) {
                java.util.Arrays.fill(recursive[t], z[t]);
                continue;
            }
            // lags[k] = d_{t-k} for k < p, most recent first; each forecast difference is pushed in front
            int slot = s.head;
            for (int k = 0; k < p; k++) {
                lags[horizon + k] = s.lags[slot];
                slot = slot == 0 ? p - 1 : slot - 1;
            }
            double y = z[t];
            double limit = OnlineAutoRegression.DEFAULT_CLIP * Math.sqrt(s.meanSquare);
            for (int h = 1; h <= horizon; h++) {
                int front = horizon - h + 1;
                double d = 0;
                for (int k = 0; k < p; k++) {
                    d += s.theta[k] * lags[front + k];
                }
                d = d > limit ? limit : (d < -limit ? -limit : d);
                lags[front - 1] = d;
                y += d;
                recursive[t][h - 1] = y;
            }
        }
    }

    /** The mean over steps 1..H of a method's MSE. */
    public double meanMse(String method) {
        double m = 0;
        for (Metrics s : steps.get(method)) {
            m += s.mse() / horizon;
        }
        return m;
    }

    /** The mean over steps 1..H of a method's MAE. */
    public double meanMae(String method) {
        double m = 0;
        for (Metrics s : steps.get(method)) {
            m += s.mae() / horizon;
        }
        return m;
    }
}
