package dev.streamforecast.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * How surprising each event of a key is, from how far it lies from the step-1 forecast made for it
 * (before the model learned from it), calibrated by the key's own recent errors: a score in [0, 1].
 *
 * <p>Numenta's anomaly likelihood on the forecast's errors, measured on NAB against conformal p-values
 * of the errors and their combinations, with the same likelihood on the event's distance from the key's
 * usual day (docs/anomalies.md):
 * <ol>
 *   <li>raw surprise r = min(1, |e| / (c sigma)): e the error, sigma the running RMS of the key's
 *       earlier errors (memory {@value #SCALE_MEMORY} events), c = {@value #RAW_DEVIATIONS};
 *   <li>the mean m of the last {@value #AVERAGE} raw surprises, against the running mean mu and variance
 *       s^2 of that mean over the key's history (memory {@value #LIKELIHOOD_MEMORY} events; mu at least
 *       {@value #MEAN_FLOOR}, s^2 at least {@value #VARIANCE_FLOOR}, so a perfectly forecast key is not
 *       alarmed by its first small error): the Gaussian tail q = Q((m - mu) / s), or on the quiet side (a
 *       key gone flat) Q((mu' - m) / s) against the unfloored mean mu';
 *   <li>a single error far beyond the key's largest recent ones is surprising on its own: with z = |e| / sigma
 *       and z_max the largest z of the key's recent errors (a maximum that halves over {@value #MAX_HALF_LIFE}
 *       events), its tail is (z / z_max)^-k, k chosen so that twice the largest is an alarm ({@value #RED});
 *       the event's tail is the smaller of the two;
 *   <li>a key with a regular cadence keeps its usual day in {@value #DAY_BINS} bins, and the distance of
 *       each value from its bin, scaled and averaged like the errors over a third of a day, has a tail of
 *       its own against its history ({@link #seasonalTail}): a day whose shape changed is surprising
 *       where the step-1 forecast follows it event by event; the event's tail is the smallest of the three;
 *   <li>a tail at or below {@value #RED} within {@value #HOLD} events of the last such tail counts as
 *       {@value #YELLOW}: one alarm per episode, not one per event of it;
 *   <li>score = -log10(q + 1e-10) / 10 (NAB's log scaling): 0.5 is a tail of 1e-5, 1 a tail of 1e-10.
 * </ol>
 * A key whose errors are often large has a large sigma and a wide distribution of m, so it learns its
 * own spikiness; a burst of surprises (spikes more frequent than usual, a level shift the model takes
 * a few events to follow, a daily shape that breaks) moves m where a single error does not.
 *
 * <p>The first {@value #WARM_UP} events of a key score 0 and say so ({@link Status#WARMING_UP}): its
 * errors need a scale ({@value #SCALE_EVENTS} errors) and its raw surprises a distribution. Everything
 * depends only on the key's own events and their order, in plain arithmetic (StrictMath), so replays
 * give the same scores bit for bit. The state is a {@link State} of 400 bytes; scoring allocates
 * nothing. One instance serves every key of a subtask.
 */
public final class AnomalyScore {
    /** The default threshold of a flag ({@code anomaly.threshold}): an alarm, a tail of RED. */
    public static final double DEFAULT_THRESHOLD = 0.5;
    /** Raw surprises averaged: HTM's short window. */
    static final int AVERAGE = 10;
    /** Memory, in events, of the RMS of the errors that scales them. */
    static final double SCALE_MEMORY = 1000;
    /** An error of this many RMS (or more) is a raw surprise of 1. */
    static final double RAW_DEVIATIONS = 3.5;
    /** Memory, in events, of the mean and variance of the averaged raw surprise. */
    static final double LIKELIHOOD_MEMORY = 2000;
    /** Errors seen before they have a scale. */
    static final int SCALE_EVENTS = 20;
    /** The event from which the averaged raw surprises enter their distribution. */
    static final int LEARN_FROM = 100;
    /** The event from which a key's events are scored; before it they score 0, warming up. */
    static final int WARM_UP = 200;
    /** The floors of the distribution's mean and variance (HTM's). */
    static final double MEAN_FLOOR = 0.03;
    static final double VARIANCE_FLOOR = 0.0003;
    /** A tail this small is an alarm (score 0.5); within HOLD events of the last one it counts as YELLOW. */
    static final double RED = 1e-5;
    static final double YELLOW = 1e-3;
    static final int HOLD = 100;
    /** Half-life, in events, of the largest recent normalised error. */
    static final double MAX_HALF_LIFE = 2000;
    private static final double MAX_DECAY = StrictMath.pow(0.5, 1 / MAX_HALF_LIFE);
    /** An error this many times the largest recent one is an alarm on its own. */
    static final double BEYOND_LARGEST = 2;
    /** k: (BEYOND_LARGEST)^-k = RED. */
    private static final double BEYOND_POWER = -StrictMath.log(RED) / StrictMath.log(BEYOND_LARGEST);
    /** Bins of a key's day in its daily profile (fewer for a day of fewer events). */
    static final int DAY_BINS = 24;
    /** How far a bin of the profile moves towards a day's values: this share of the way per day. */
    static final double PROFILE_RATE = 0.3;
    /** Memory of the averaged seasonal surprise, as a share of the key's day. */
    static final double SEASONAL_AVERAGE = 0.35;
    /** The largest normalised error kept: a bound that keeps the state finite when the scale is 0. */
    private static final double Z_CAP = 1e6;

    /** What a score says besides its value. */
    public enum Status {
        /** The event was scored. */
        SCORED("scored"),
        /** The key's errors have no scale yet: the score is 0. */
        WARMING_UP("warming-up"),
        /** The key's model diverged at this event and started afresh: the score is 0. */
        RESET("reset");

        /** The status as records and documents spell it. */
        public final String label;

        Status(String label) {
            this.label = label;
        }
    }

    /** A key's state: what its scores remember, and the forecast and interval made for its next event. */
    public static final class State {
        public static final int SCHEMA_VERSION = 2;

        /** Events seen by the score (the first had no forecast before it). */
        public long events;
        /** RMS of the errors seen, in the series' units; 0 while every error was 0. */
        public double scale;
        /** The last raw surprises, event n's at slot (n - SCALE_EVENTS - 1) mod AVERAGE. */
        public double[] raw = new double[AVERAGE];
        /** Running mean and variance of the averaged raw surprise. */
        public double mean;
        public double variance;
        /** The largest recent normalised error |e| / sigma, decaying by half over MAX_HALF_LIFE events. */
        public double largest;
        /** The event of the last alarm-level tail, or -1. */
        public long lastRed = -1;
        /** The step-1 forecast and interval made at the last event, for the next one, in the series' units. */
        public double forecast;
        public double lower;
        public double upper;
        /** The key's day in events ({@link Horizon#season}) when its profile started; 0 without one. */
        public int season;
        /** Events since the profile started. */
        public long seasonEvents;
        /** The key's usual value in each bin of its day, in the series' units. */
        public double[] profile = new double[DAY_BINS];
        /** RMS of the values' distances from the profile; 0 while every distance was 0. */
        public double seasonalScale;
        /** The running average of the seasonal raw surprises, and its running mean and variance. */
        public double seasonal;
        public double seasonalMean;
        public double seasonalVariance;

        public State copy() {
            State c = new State();
            c.events = events;
            c.scale = scale;
            c.raw = raw.clone();
            c.mean = mean;
            c.variance = variance;
            c.largest = largest;
            c.lastRed = lastRed;
            c.forecast = forecast;
            c.lower = lower;
            c.upper = upper;
            c.season = season;
            c.seasonEvents = seasonEvents;
            c.profile = profile.clone();
            c.seasonalScale = seasonalScale;
            c.seasonal = seasonal;
            c.seasonalMean = seasonalMean;
            c.seasonalVariance = seasonalVariance;
            return c;
        }

        /** Replaces every NaN and infinity with 0. */
        public void sanitize() {
            finite(raw);
            scale = finite(scale);
            mean = finite(mean);
            variance = finite(variance);
            largest = finite(largest);
            forecast = finite(forecast);
            lower = finite(lower);
            upper = finite(upper);
            finite(profile);
            seasonalScale = finite(seasonalScale);
            seasonal = finite(seasonal);
            seasonalMean = finite(seasonalMean);
            seasonalVariance = finite(seasonalVariance);
        }

        private static double finite(double v) {
            return Double.isFinite(v) ? v : 0.0;
        }

        private static void finite(double[] a) {
            for (int i = 0; i < a.length; i++) {
                a[i] = finite(a[i]);
            }
        }

        private static void write(DataOutput out, double[] a) throws IOException {
            out.writeInt(a.length);
            for (double v : a) {
                out.writeDouble(v);
            }
        }

        private static void read(DataInput in, double[] a) throws IOException {
            for (int i = 0; i < a.length; i++) {
                a[i] = in.readDouble();
            }
        }

        public void writeTo(DataOutput out) throws IOException {
            out.writeInt(SCHEMA_VERSION);
            out.writeLong(events);
            out.writeDouble(scale);
            write(out, raw);
            out.writeDouble(mean);
            out.writeDouble(variance);
            out.writeDouble(largest);
            out.writeLong(lastRed);
            out.writeDouble(forecast);
            out.writeDouble(lower);
            out.writeDouble(upper);
            out.writeInt(season);
            out.writeLong(seasonEvents);
            write(out, profile);
            out.writeDouble(seasonalScale);
            out.writeDouble(seasonal);
            out.writeDouble(seasonalMean);
            out.writeDouble(seasonalVariance);
        }

        /** A state of this schema or of schema 1 (before the daily profile, which then starts afresh). */
        public static State readFrom(DataInput in) throws IOException {
            int version = in.readInt();
            if (version != SCHEMA_VERSION && version != 1) {
                throw new IOException("unsupported anomaly state schema version " + version + " (this build reads 1 to "
                        + SCHEMA_VERSION + ")");
            }
            State s = new State();
            s.events = in.readLong();
            s.scale = in.readDouble();
            int n = in.readInt();
            if (n != AVERAGE || s.events < 0) {
                throw new IOException("corrupt anomaly state: " + n + " raw surprises, " + s.events + " events");
            }
            read(in, s.raw);
            s.mean = in.readDouble();
            s.variance = in.readDouble();
            s.largest = in.readDouble();
            s.lastRed = in.readLong();
            s.forecast = in.readDouble();
            s.lower = in.readDouble();
            s.upper = in.readDouble();
            if (version == 1) {
                return s;
            }
            s.season = in.readInt();
            s.seasonEvents = in.readLong();
            int bins = in.readInt();
            if (bins != DAY_BINS || s.season < 0 || s.seasonEvents < 0) {
                throw new IOException("corrupt anomaly state: " + bins + " profile bins, season " + s.season + ", "
                        + s.seasonEvents + " seasonal events");
            }
            read(in, s.profile);
            s.seasonalScale = in.readDouble();
            s.seasonal = in.readDouble();
            s.seasonalMean = in.readDouble();
            s.seasonalVariance = in.readDouble();
            return s;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof State)) {
                return false;
            }
            State s = (State) o;
            return events == s.events && same(scale, s.scale) && Arrays.equals(raw, s.raw) && same(mean, s.mean)
                    && same(variance, s.variance) && same(largest, s.largest) && lastRed == s.lastRed && same(forecast, s.forecast)
                    && same(lower, s.lower) && same(upper, s.upper) && season == s.season
                    && seasonEvents == s.seasonEvents && Arrays.equals(profile, s.profile)
                    && same(seasonalScale, s.seasonalScale) && same(seasonal, s.seasonal)
                    && same(seasonalMean, s.seasonalMean) && same(seasonalVariance, s.seasonalVariance);
        }

        private static boolean same(double a, double b) {
            return Double.doubleToLongBits(a) == Double.doubleToLongBits(b);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(events) * 31 + Double.hashCode(scale);
        }
    }

    /** A fresh key's state: nothing seen. */
    public State newState() {
        return new State();
    }

    /** {@code s}, or a fresh state for a key whose state is from before scores (null). */
    public State adapt(State s) {
        return s != null ? s : newState();
    }

    /**
     * Scores {@code value} against the forecast made for it at the key's last event, writes the score,
     * its status and that forecast with its interval into {@code out}, and keeps {@code out}'s new step-1
     * forecast and interval (already written) for the next event.
     */
    public void score(State s, double value, Prediction out) {
        long n = s.events++;
        out.expected = n == 0 ? value : s.forecast;
        out.expectedLower = n == 0 ? value : s.lower;
        out.expectedUpper = n == 0 ? value : s.upper;
        double seasonal = seasonalTail(s, Horizon.season(out.cadence), value);
        out.anomaly = n == 0 ? 0.0 : likelihood(s, n, value - s.forecast, seasonal);
        out.anomalyStatus = n >= WARM_UP ? Status.SCORED : Status.WARMING_UP;
        s.forecast = out.forecast;
        s.lower = out.lower;
        s.upper = out.upper;
    }

    /**
     * The score of error {@code e} at event {@code n} (n errors seen, this one included), 0 while warming
     * up; {@code seasonal} the tail of the event's distance from the key's daily profile.
     */
    private static double likelihood(State s, long n, double e, double seasonal) {
        double z = normalised(e, s.scale);
        s.scale = rms(s.scale, n, e, z);
        if (n <= SCALE_EVENTS) {
            return 0.0;
        }
        double r = Math.min(1.0, z / RAW_DEVIATIONS);
        z = Math.min(z, Z_CAP);
        // m = mean of the last AVERAGE raw surprises, summed in slot order so replays agree bit for bit
        s.raw[(int) ((n - SCALE_EVENTS - 1) % AVERAGE)] = r;
        int held = (int) Math.min(n - SCALE_EVENTS, AVERAGE);
        double sum = 0;
        for (int i = 0; i < held; i++) {
            sum += s.raw[i];
        }
        double m = sum / held;
        double score = 0.0;
        if (n >= WARM_UP) {
            double mu = Math.max(s.mean, MEAN_FLOOR);
            double sd = Math.sqrt(Math.max(s.variance, VARIANCE_FLOOR));
            // two-sided: more surprise than usual, or less (a key gone flat) than its actual, unfloored mean
            double q = Gaussian.upperTail((m >= mu ? m - mu : Math.max(0, s.mean - m)) / sd);
            q = Math.min(q, seasonal);
            if (z > s.largest) {
                // (z / z_max)^-k, 0 for a first non-zero error after nothing but zeros
                // exp and log rather than pow: StrictMath.pow allocates work arrays on every call
                q = Math.min(q, s.largest > 0 ? StrictMath.exp(-BEYOND_POWER * StrictMath.log(z / s.largest)) : 0.0);
            }
            if (q <= RED) {
                boolean held0 = s.lastRed >= 0 && n - s.lastRed <= HOLD;
                s.lastRed = n;
                q = held0 ? YELLOW : q;
            }
            score = -StrictMath.log10(q + 1e-10) / 10;
        }
        s.largest = Math.max(z, s.largest * MAX_DECAY);
        if (n >= LEARN_FROM) {
            // mu += w (m - mu); s^2 = (1 - w) (s^2 + w (m - mu)^2), w = max(1/memory, 1/count)
            double w = Math.max(1 / LIKELIHOOD_MEMORY, 1.0 / (n - LEARN_FROM + 1));
            double d = m - s.mean;
            s.mean += w * d;
            s.variance = (1 - w) * (s.variance + w * d * d);
        }
        return score;
    }

    /**
     * The tail of the event's distance from the key's daily profile, 1 while there is none: what a day
     * whose shape changed shows, where the step-1 forecast follows the change event by event.
     *
     * <p>The profile holds the key's usual value in each of {@link #DAY_BINS} bins of its day of {@code m}
     * events (its cadence's, {@link Horizon#season}), the bin of an event by the count of the key's events
     * since the profile started; the first day sets each bin to the mean of its values, each later value
     * moves its bin {@link #PROFILE_RATE} of the way per day. The distance d = value - bin (before the
     * bin learns it) is scaled as the errors are, r_d = min(1, |d| / (c sigma_d)); its running average
     * over {@link #SEASONAL_AVERAGE} of a day against that average's running mean and variance gives the
     * Gaussian tail of more seasonal surprise than usual. A new day length (a new cadence) starts the
     * profile afresh; while the key has no regular cadence the profile waits.
     */
    private static double seasonalTail(State s, int m, double value) {
        if (m == 0) {
            return 1.0; // no regular cadence (yet, or for a while): the profile waits
        }
        if (m != s.season) {
            s.season = m;
            s.seasonEvents = 0;
            Arrays.fill(s.profile, 0.0);
            s.seasonalScale = 0;
            s.seasonal = 0;
            s.seasonalMean = 0;
            s.seasonalVariance = 0;
        }
        long k = s.seasonEvents++;
        int bins = Math.min(DAY_BINS, m);
        int phase = (int) (k % m);
        int b = phase * bins / m;
        double d = value - s.profile[b];
        if (!Double.isFinite(d)) {
            return 1.0; // a distance beyond the doubles' range: the forecast's error says it
        }
        if (k < m) {
            // the first day: the mean of the bin's values, its first at phase ceil(b m / bins)
            s.profile[b] += d / (phase - (b * m + bins - 1) / bins + 1);
            return 1.0;
        }
        // bin += rate (bins / m) d: a bin holds m / bins events of a day
        s.profile[b] += PROFILE_RATE * bins / m * d;
        long j = k - m + 1; // distances seen, this one included
        double z = normalised(d, s.seasonalScale);
        s.seasonalScale = rms(s.seasonalScale, j, d, z);
        if (j <= SCALE_EVENTS) {
            return 1.0;
        }
        // average += w (r_d - average), w = max(1 / memory, 1 / count)
        double memory = Math.max(2, SEASONAL_AVERAGE * m);
        s.seasonal += Math.max(1 / memory, 1.0 / (j - SCALE_EVENTS)) * (Math.min(1.0, z / RAW_DEVIATIONS) - s.seasonal);
        double q = 1.0;
        if (j >= WARM_UP) {
            double mu = Math.max(s.seasonalMean, MEAN_FLOOR);
            q = Gaussian.upperTail(Math.max(0, s.seasonal - mu) / Math.sqrt(Math.max(s.seasonalVariance, VARIANCE_FLOOR)));
        }
        if (j >= LEARN_FROM) {
            double w = Math.max(1 / LIKELIHOOD_MEMORY, 1.0 / (j - LEARN_FROM + 1));
            double dm = s.seasonal - s.seasonalMean;
            s.seasonalMean += w * dm;
            s.seasonalVariance = (1 - w) * (s.seasonalVariance + w * dm * dm);
        }
        return q;
    }

    /** |e| / sigma; 0 for no error, infinite for an error against a scale of 0. */
    private static double normalised(double e, double sigma) {
        return sigma > 0 ? Math.abs(e) / sigma : (e == 0 ? 0.0 : Double.POSITIVE_INFINITY);
    }

    /**
     * The RMS sigma of {@code n} errors after error {@code e} (z = |e| / sigma against those before it)
     * joins it: sigma^2 += w (e^2 - sigma^2), computed as sigma sqrt(1 + w (z^2 - 1)) so that no square of
     * a value is ever formed.
     */
    private static double rms(double sigma, long n, double e, double z) {
        double a = Math.abs(e);
        if (!Double.isFinite(a)) {
            return sigma; // an error beyond the doubles' range: surprising, and no scale
        }
        double w = Math.max(1 / SCALE_MEMORY, 1.0 / n);
        if (sigma > 0) {
            double zc = Math.min(z, Z_CAP);
            return sigma * Math.sqrt(1 + w * (zc * zc - 1));
        }
        return a * Math.sqrt(w);
    }
}
