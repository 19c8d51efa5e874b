package dev.streamforecast.backtest;

import java.util.Locale;

/**
 * The online forecasting protocol of the published horizon-1 results, as a value object.
 *
 * <p>Each series is cut to its first {@code rows} values, standardised with the mean and population
 * standard deviation of its first {@code standardiseRows} values, and replayed in order: for each row t
 * in [scoreFrom, scoreTo) the forecast made after seeing row t-1, before the model learns row t, is
 * scored against it on the standardised scale. Earlier rows are warm-up: learned from, not scored.
 * Bounds are either absolute row numbers ({@link #ETT}) or fractions of each series' length
 * ({@link #NAB}).
 */
public final class Protocol {
    /**
     * ETT files as FSNet, OneNet and LSTD use them: the first 14,400 rows, standardised on the first
     * 2,880, scored on rows 3,600 to 14,400.
     */
    public static final Protocol ETT = rows(14_400, 2_880, 3_600, 14_400);
    /** NAB series: standardised on their first 20%, scored on their last 75%. */
    public static final Protocol NAB = fractions(0.2, 0.25);

    private final int rows;
    private final int standardiseRows;
    private final int scoreFrom;
    private final int scoreTo;
    private final double standardiseFraction;
    private final double warmUpFraction;

    private Protocol(int rows, int standardiseRows, int scoreFrom, int scoreTo,
            double standardiseFraction, double warmUpFraction) {
        this.rows = rows;
        this.standardiseRows = standardiseRows;
        this.scoreFrom = scoreFrom;
        this.scoreTo = scoreTo;
        this.standardiseFraction = standardiseFraction;
        this.warmUpFraction = warmUpFraction;
    }

    /**
     * A protocol with absolute bounds: use the first {@code rows} rows, standardise on the first
     * {@code standardiseRows}, score rows [scoreFrom, scoreTo).
     */
    public static Protocol rows(int rows, int standardiseRows, int scoreFrom, int scoreTo) {
        if (standardiseRows < 1 || scoreFrom < 1 || scoreFrom >= scoreTo || scoreTo > rows
                || standardiseRows > rows) {
            throw new IllegalArgumentException("need 1 <= standardiseRows <= rows and 1 <= scoreFrom < "
                    + "scoreTo <= rows, got rows=" + rows + " standardiseRows=" + standardiseRows
                    + " scoreFrom=" + scoreFrom + " scoreTo=" + scoreTo);
        }
        return new Protocol(rows, standardiseRows, scoreFrom, scoreTo, Double.NaN, Double.NaN);
    }

    /**
     * A protocol relative to each series' length n: standardise on the first floor(standardise * n)
     * rows, warm up on the first floor(warmUp * n), score the rest to the end.
     */
    public static Protocol fractions(double standardise, double warmUp) {
        if (!(standardise > 0 && standardise <= 1) || !(warmUp > 0 && warmUp < 1)) {
            throw new IllegalArgumentException("fractions must be in (0, 1], got standardise="
                    + standardise + " warmUp=" + warmUp);
        }
        return new Protocol(-1, -1, -1, -1, standardise, warmUp);
    }

    /** Row bounds resolved for one series. */
    public record Split(int rows, int standardiseRows, int scoreFrom, int scoreTo) {
        public int scored() {
            return scoreTo - scoreFrom;
        }
    }

    /**
     * This protocol's bounds for a series of {@code length} values.
     *
     * @throws IllegalArgumentException if the series is too short for them
     */
    public Split split(int length) {
        if (rows >= 0) {
            if (length < rows) {
                throw new IllegalArgumentException("protocol needs " + rows + " rows, series has " + length);
            }
            return new Split(rows, standardiseRows, scoreFrom, scoreTo);
        }
        int standardise = (int) Math.floor(standardiseFraction * length);
        int from = (int) Math.floor(warmUpFraction * length);
        if (standardise < 1 || from < 1 || from >= length) {
            throw new IllegalArgumentException("series of " + length + " rows is too short for " + this);
        }
        return new Split(length, standardise, from, length);
    }

    /** Mean and population standard deviation used to standardise one series. */
    public record Scaler(double mean, double std) {
        /**
         * Fits on the first {@code n} values; a constant prefix gives std 1 rather than a division by
         * zero, so the series is only centred.
         */
        public static Scaler fit(double[] raw, int n) {
            if (n < 1 || n > raw.length) {
                throw new IllegalArgumentException("cannot fit on " + n + " of " + raw.length + " values");
            }
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += raw[i];
            }
            mean /= n;
            double ss = 0;
            for (int i = 0; i < n; i++) {
                double d = raw[i] - mean;
                ss += d * d;
            }
            double std = Math.sqrt(ss / n);
            return new Scaler(mean, std > 0 && Double.isFinite(std) ? std : 1.0);
        }

        /** z = (v - mean) / std */
        public double apply(double v) {
            return (v - mean) / std;
        }
    }

    /** The first {@code split(raw.length).rows()} values of {@code raw}, standardised as this protocol says. */
    public double[] standardise(double[] raw) {
        Split s = split(raw.length);
        Scaler scaler = Scaler.fit(raw, s.standardiseRows());
        double[] z = new double[s.rows()];
        for (int i = 0; i < z.length; i++) {
            z[i] = scaler.apply(raw[i]);
        }
        return z;
    }

    /**
     * Replays one raw series through a fresh forecaster under this protocol and returns its scores,
     * with the persistence forecast of each scored row as the MASE reference.
     */
    public Metrics score(double[] raw, Baseline model) {
        Split s = split(raw.length);
        double[] z = standardise(raw);
        Metrics m = new Metrics();
        for (int t = 0; t < s.scoreTo(); t++) {
            if (t >= s.scoreFrom()) {
                m.add(z[t], model.forecast(), z[t - 1]);
            }
            model.observe(z[t]);
        }
        return m;
    }

    /**
     * The protocol in words, for reports and messages: "the first 14,400 rows of each series, standardised
     * on the first 2,880; the first 3,600 learned from without scoring, the next 10,800 scored".
     */
    public String describe() {
        if (rows >= 0) {
            return String.format(Locale.ROOT, "the first %,d rows of each series, standardised on the first %,d; "
                    + "the first %,d learned from without scoring, the next %,d scored", rows, standardiseRows,
                    scoreFrom, scoreTo - scoreFrom);
        }
        return String.format(Locale.ROOT, "each series standardised on its first %s; its first %s learned from "
                + "without scoring, the rest scored", percent(standardiseFraction), percent(warmUpFraction));
    }

    private static String percent(double fraction) {
        return new java.math.BigDecimal(100 * fraction).round(new java.math.MathContext(6))
                .stripTrailingZeros().toPlainString() + "%";
    }

    @Override
    public String toString() {
        return describe();
    }
}
