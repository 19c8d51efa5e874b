package dev.streamforecast.backtest;

/**
 * Streaming accuracy of point forecasts, and of intervals when given, for one series or pooled.
 *
 * <ul>
 *   <li>MAE = mean |A - F|, MSE = mean (A - F)^2, RMSE = sqrt(MSE), over every point added.
 *   <li>sMAPE = 100/n sum 2|A - F| / (|A| + |F|) in percent, a 0/0 term (A = F = 0) counting as 0.
 *   <li>MASE = sum |A - F| / sum |A - P| where P is the persistence forecast of the same point, over the
 *       points added with a persistence forecast only: the scale is the naive method's error on exactly
 *       the scored points (not in-sample, as in Hyndman and Koehler), so below 1 means better than
 *       persistence there. NaN when no such point was added or persistence was exact on all of them.
 *   <li>Coverage = share of points with lower <= A <= upper, and mean width = mean (upper - lower),
 *       over the points added with an interval only.
 * </ul>
 * Pooled figures over several series are plain means over all their points: {@link #merge} adds the
 * sums. Not thread-safe.
 */
public final class Metrics {
    private long count;
    private double sumAbs;
    private double sumSq;
    private double sumSmape;

    private long scaledCount;
    private double scaledSumAbs;
    private double naiveSumAbs;

    private long intervals;
    private long covered;
    private double sumWidth;

    /** Adds one forecast without an interval or a persistence reference. */
    public void add(double actual, double forecast) {
        add(actual, forecast, Double.NaN, Double.NaN, Double.NaN);
    }

    /** Adds one forecast and the persistence forecast of the same point (for MASE). */
    public void add(double actual, double forecast, double persistence) {
        add(actual, forecast, Double.NaN, Double.NaN, persistence);
    }

    /**
     * Adds one forecast with its interval and the persistence forecast of the same point.
     *
     * @param lower interval bound, NaN (with {@code upper} NaN) when there is no interval
     * @param persistence the last value before {@code actual}, NaN when there is none
     * @throws IllegalArgumentException for a non-finite actual or forecast, an interval with only one
     *     bound or with lower > upper, or an infinite persistence forecast
     */
    public void add(double actual, double forecast, double lower, double upper, double persistence) {
        if (!Double.isFinite(actual) || !Double.isFinite(forecast)) {
            throw new IllegalArgumentException("actual and forecast must be finite, got " + actual
                    + " and " + forecast);
        }
        boolean interval = !Double.isNaN(lower) || !Double.isNaN(upper);
        if (interval && !(lower <= upper)) {
            throw new IllegalArgumentException("interval must have lower <= upper, got [" + lower + ", "
                    + upper + "]");
        }
        if (Double.isInfinite(persistence)) {
            throw new IllegalArgumentException("persistence forecast must be finite or NaN, got "
                    + persistence);
        }
        double e = actual - forecast;
        double abs = Math.abs(e);
        count++;
        sumAbs += abs;
        sumSq += e * e;
        double scale = Math.abs(actual) + Math.abs(forecast);
        if (scale > 0) {
            sumSmape += 2 * abs / scale;
        }
        if (!Double.isNaN(persistence)) {
            scaledCount++;
            scaledSumAbs += abs;
            naiveSumAbs += Math.abs(actual - persistence);
        }
        if (interval) {
            intervals++;
            if (lower <= actual && actual <= upper) {
                covered++;
            }
            sumWidth += upper - lower;
        }
    }

    /** Adds another accumulator's points to this one, for pooled figures; returns this. */
    public Metrics merge(Metrics other) {
        count += other.count;
        sumAbs += other.sumAbs;
        sumSq += other.sumSq;
        sumSmape += other.sumSmape;
        scaledCount += other.scaledCount;
        scaledSumAbs += other.scaledSumAbs;
        naiveSumAbs += other.naiveSumAbs;
        intervals += other.intervals;
        covered += other.covered;
        sumWidth += other.sumWidth;
        return this;
    }

    /** Points added. */
    public long count() {
        return count;
    }

    public double mae() {
        return count == 0 ? Double.NaN : sumAbs / count;
    }

    public double mse() {
        return count == 0 ? Double.NaN : sumSq / count;
    }

    public double rmse() {
        return Math.sqrt(mse());
    }

    /** Symmetric mean absolute percentage error, in percent (0 to 200). */
    public double smape() {
        return count == 0 ? Double.NaN : 100 * sumSmape / count;
    }

    /** MAE relative to persistence's MAE on the same points; see the class comment. */
    public double mase() {
        return naiveSumAbs > 0 ? scaledSumAbs / naiveSumAbs : Double.NaN;
    }

    /** Points added with a persistence forecast, the ones MASE is computed over. */
    public long scaledCount() {
        return scaledCount;
    }

    /** Share of intervals that contained the actual value, 0 to 1. */
    public double coverage() {
        return intervals == 0 ? Double.NaN : (double) covered / intervals;
    }

    public double meanWidth() {
        return intervals == 0 ? Double.NaN : sumWidth / intervals;
    }

    /** Points added with an interval. */
    public long intervalCount() {
        return intervals;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "n=%d mse=%.4f mae=%.4f rmse=%.4f smape=%.2f%% mase=%.4f",
                count, mse(), mae(), rmse(), smape(), mase());
    }
}
