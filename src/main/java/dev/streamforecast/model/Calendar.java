package dev.streamforecast.model;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;

/**
 * Calendar inputs from an event's time: where it falls in the day and in the week, in a time zone, as
 * sin/cos pairs and a weekend indicator, for the linear part's regression.
 *
 * <p>{@link Mode#DAY}: the first {@value #DAY_HARMONICS} harmonics of the time of day (sin and cos of
 * k 2 pi s / 86,400 for the local second of the day s). {@link Mode#WEEK} adds the first
 * {@value #WEEK_HARMONICS} harmonics of the time of the week (Monday 00:00 is 0), an indicator of
 * Saturday and Sunday, and that indicator times the day's harmonics, so that weekends may have a daily
 * profile of their own: taxi demand, traffic, offices. Local time follows the zone's rules, daylight
 * saving included.
 *
 * <p>Deterministic on every JVM: the two angles' sines and cosines are StrictMath's, and the higher
 * harmonics follow from them by the angle-addition formulas, in + - * only. One instance serves every
 * key of a subtask; it remembers the last time it was asked for (keys of a live job share their clocks)
 * and the zone's offset until its next transition, so a steady stream allocates nothing.
 */
public final class Calendar {
    /** Harmonics of the day: 4 resolve the morning and evening peaks of demand series (NYC taxi). */
    static final int DAY_HARMONICS = 6;
    /** Harmonics of the week. */
    static final int WEEK_HARMONICS = 6;
    private static final double TWO_PI = 2 * Math.PI;
    private static final long DAY_MS = 86_400_000L;
    /** 1970-01-01 was a Thursday: day 3 of a week that starts on Monday (day 0). */
    private static final long EPOCH_WEEKDAY = 3;

    /** Which calendar inputs a model sees. */
    public enum Mode {
        /** {@link #WEEK} when the model forecasts more than one step ahead, {@link #NONE} for one step. */
        AUTO(0),
        /** None: the linear part sees its lags only. */
        NONE(0),
        /** The time of day. */
        DAY(2 * DAY_HARMONICS),
        /** The time of day and of the week, and weekends' own daily profile. */
        WEEK(2 * DAY_HARMONICS + 2 * WEEK_HARMONICS + 1 + 2 * DAY_HARMONICS);

        /** Features this mode gives. */
        public final int features;

        Mode(int features) {
            this.features = features;
        }
    }

    private final Mode mode;
    private final ZoneRules rules;
    private final boolean fixed;
    private final double[] last;
    private long lastTs = Long.MIN_VALUE;
    // the offset in force from offsetFrom (inclusive) to offsetTo (exclusive), epoch ms
    private long offsetMs;
    private long offsetFrom = Long.MAX_VALUE;
    private long offsetTo = Long.MIN_VALUE;

    public Calendar(Mode mode, ZoneId zone) {
        this.mode = mode;
        this.rules = zone.getRules();
        this.fixed = rules.isFixedOffset();
        this.last = new double[mode.features];
        if (fixed) {
            offsetMs = 1000L * rules.getOffset(java.time.Instant.EPOCH).getTotalSeconds();
        }
    }

    public Mode mode() {
        return mode;
    }

    /** Features this calendar writes. */
    public int size() {
        return mode.features;
    }

    /** Writes the features of the instant {@code epochMs} into {@code out} from {@code off}. */
    public void features(long epochMs, double[] out, int off) {
        if (mode == Mode.NONE) {
            return;
        }
        if (epochMs != lastTs) {
            compute(epochMs, last);
            lastTs = epochMs;
        }
        System.arraycopy(last, 0, out, off, last.length);
    }

    private void compute(long epochMs, double[] f) {
        long local = epochMs + offset(epochMs);
        long day = Math.floorDiv(local, DAY_MS);
        long msOfDay = local - day * DAY_MS;
        // theta = 2 pi (time of day) / day
        double theta = TWO_PI * (msOfDay / (double) DAY_MS);
        int k = harmonics(theta, DAY_HARMONICS, f, 0);
        if (mode == Mode.WEEK) {
            long weekday = Math.floorMod(day + EPOCH_WEEKDAY, 7L);
            // phi = 2 pi (time of week) / week
            double phi = TWO_PI * ((weekday + msOfDay / (double) DAY_MS) / 7.0);
            k = harmonics(phi, WEEK_HARMONICS, f, k);
            double weekend = weekday >= 5 ? 1.0 : 0.0;
            f[k++] = weekend;
            for (int j = 0; j < 2 * DAY_HARMONICS; j++) {
                f[k++] = weekend * f[j];
            }
        }
    }

    /**
     * sin(j a), cos(j a) for j = 1..n into f from k; returns the index after them. sin((j+1)a) =
     * sin(ja) cos a + cos(ja) sin a, cos((j+1)a) = cos(ja) cos a - sin(ja) sin a.
     */
    private static int harmonics(double a, int n, double[] f, int k) {
        double s1 = StrictMath.sin(a);
        double c1 = StrictMath.cos(a);
        double s = s1;
        double c = c1;
        for (int j = 1; j <= n; j++) {
            f[k++] = s;
            f[k++] = c;
            double sn = s * c1 + c * s1;
            c = c * c1 - s * s1;
            s = sn;
        }
        return k;
    }

    /** The zone's offset at epochMs, in ms; looked up again only when epochMs leaves the cached span. */
    private long offset(long epochMs) {
        if (fixed || (epochMs >= offsetFrom && epochMs < offsetTo)) {
            return offsetMs;
        }
        java.time.Instant at = java.time.Instant.ofEpochMilli(epochMs);
        ZoneOffset o = rules.getOffset(at);
        offsetMs = 1000L * o.getTotalSeconds();
        ZoneOffsetTransition previous = rules.previousTransition(at.plusMillis(1));
        ZoneOffsetTransition next = rules.nextTransition(at);
        offsetFrom = previous == null ? Long.MIN_VALUE : previous.getInstant().toEpochMilli();
        offsetTo = next == null ? Long.MAX_VALUE : next.getInstant().toEpochMilli();
        return offsetMs;
    }
}
