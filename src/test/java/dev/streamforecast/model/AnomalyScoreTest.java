package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AnomalyScoreTest {
    private final AnomalyScore scores = new AnomalyScore();

    /** Scores {@code values} as a key whose forecast of each next value is {@code forecast}; returns every score. */
    private double[] scoreAll(AnomalyScore.State s, double[] values, double forecast, Prediction p) {
        double[] out = new double[values.length];
        for (int t = 0; t < values.length; t++) {
            p.forecast = forecast;
            p.lower = forecast - 1;
            p.upper = forecast + 1;
            scores.score(s, values[t], p);
            out[t] = p.anomaly;
            assertTrue(p.anomaly >= 0 && p.anomaly <= 1, "score " + p.anomaly + " at " + t);
        }
        return out;
    }

    /** A Prediction of an hourly key: a day of 24 events. */
    private static Prediction hourly() {
        Prediction p = new Prediction();
        p.cadence = 3_600_000L;
        return p;
    }

    private static double[] noise(int n, long seed, double sd) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int t = 0; t < n; t++) {
            v[t] = sd * r.nextGaussian();
        }
        return v;
    }

    @Test
    void aKeysFirstEventsScoreZeroAndSaySoUntilItsErrorsHaveAScaleAndADistribution() {
        AnomalyScore.State s = scores.newState();
        Prediction p = new Prediction();
        double[] v = noise(AnomalyScore.WARM_UP + 10, 1, 1);
        v[5] = 1e6; // a spike while warming up is not scored
        for (int t = 0; t < v.length; t++) {
            p.forecast = 0;
            scores.score(s, v[t], p);
            if (t < AnomalyScore.WARM_UP) {
                assertEquals(0.0, p.anomaly, "event " + t);
                assertEquals(AnomalyScore.Status.WARMING_UP, p.anomalyStatus, "event " + t);
            } else {
                assertEquals(AnomalyScore.Status.SCORED, p.anomalyStatus, "event " + t);
            }
        }
    }

    @Test
    void anEventIsScoredAgainstTheForecastAndIntervalMadeForItAtTheEventBefore() {
        AnomalyScore.State s = scores.newState();
        Prediction p = new Prediction();
        p.forecast = 10;
        p.lower = 9;
        p.upper = 12;
        scores.score(s, 7, p);
        assertEquals(7, p.expected, "a first event has no forecast before it: its own value");
        p.forecast = 20;
        p.lower = 18;
        p.upper = 23;
        scores.score(s, 11, p);
        assertEquals(10, p.expected);
        assertEquals(9, p.expectedLower);
        assertEquals(12, p.expectedUpper);
        scores.score(s, 11, p);
        assertEquals(20, p.expected);
    }

    @Test
    void aSpikeInANoisyKeyIsAnAlarmAndTheQuietEventsAroundItAreNot() {
        AnomalyScore.State s = scores.newState();
        double[] v = noise(3000, 2, 1);
        v[2500] = 12;
        double[] a = scoreAll(s, v, 0, new Prediction());
        assertTrue(a[2500] >= 0.5, "a 12-sigma error in Gaussian noise scores " + a[2500]);
        int alarms = 0;
        for (int t = AnomalyScore.WARM_UP; t < v.length; t++) {
            alarms += t != 2500 && a[t] >= 0.5 ? 1 : 0;
        }
        assertEquals(0, alarms, "alarms on Gaussian noise besides the spike");
    }

    @Test
    void aKeyThatSpikesOftenLearnsItsOwnSpikinessAndIsNotAlarmedByEverySpike() {
        AnomalyScore.State s = scores.newState();
        double[] v = noise(6000, 3, 1);
        for (int t = 100; t < v.length; t += 50) {
            v[t] += 12; // the same spike every 50 events
        }
        double[] a = scoreAll(s, v, 0, new Prediction());
        int late = 0;
        for (int t = 3000; t < v.length; t++) {
            late += a[t] >= 0.5 ? 1 : 0;
        }
        assertEquals(0, late, "alarms in the second half of a key that spikes every 50 events");
        // and a spike far beyond its usual ones still is one
        AnomalyScore.State again = scores.newState();
        v[5500] += 100;
        a = scoreAll(again, v, 0, new Prediction());
        assertTrue(a[5500] >= 0.5, "a spike 9 times the usual scores " + a[5500]);
    }

    @Test
    void aBurstOfLargerErrorsIsAnAlarmOnceAndNotOnEveryEventOfIt() {
        AnomalyScore.State s = scores.newState();
        double[] v = noise(4000, 4, 1);
        for (int t = 3000; t < 3040; t++) {
            v[t] *= 5; // the noise grows fivefold for 40 events
        }
        double[] a = scoreAll(s, v, 0, new Prediction());
        int alarms = 0;
        for (int t = 3000; t < 3100; t++) {
            alarms += a[t] >= 0.5 ? 1 : 0;
        }
        assertEquals(1, alarms, "alarms in the burst");
    }

    @Test
    void aDayWhoseShapeChangedIsAnAlarmWhereTheStepForecastFollowsIt() {
        // an hourly key with a daily cycle, forecast one step ahead as well as its noise allows, every day
        double[] v = noise(24 * 120, 10, 1);
        for (int t = 0; t < v.length; t++) {
            v[t] += 50 + 20 * Math.sin(2 * Math.PI * (t % 24) / 24);
        }
        int changed = 24 * 100;
        for (int t = changed; t < changed + 24; t++) {
            v[t] -= 25; // a day at half its level, followed event by event
        }
        double[] eps = noise(v.length, 11, 1);
        double[] seasonal = followed(scores.newState(), v, eps, hourly());
        double[] without = followed(scores.newState(), v, eps, new Prediction());
        int alarms = 0;
        double usual = 0;
        for (int t = AnomalyScore.WARM_UP; t < changed; t++) {
            alarms += seasonal[t] >= 0.5 ? 1 : 0;
            usual = Math.max(usual, seasonal[t]);
        }
        // tails of 1e-5 on two statistics, each only roughly Gaussian: alarms on noise are rare, not absent
        assertTrue(alarms <= (changed - AnomalyScore.WARM_UP) / 1000, alarms + " alarms on the usual days");
        double day = 0;
        double dayWithout = 0;
        for (int t = changed; t < changed + 24; t++) {
            day = Math.max(day, seasonal[t]);
            dayWithout = Math.max(dayWithout, without[t]);
        }
        assertTrue(day >= 0.5, "the changed day scores " + day);
        assertTrue(day > usual, "the changed day scores " + day + ", a usual one up to " + usual);
        assertTrue(dayWithout < 0.5, "without a cadence (no day) the changed day scores " + dayWithout);
    }

    /** Scores {@code v} as a key whose forecast of each next value is that value plus {@code eps}. */
    private double[] followed(AnomalyScore.State s, double[] v, double[] eps, Prediction p) {
        double[] out = new double[v.length];
        for (int t = 0; t < v.length; t++) {
            p.forecast = t + 1 < v.length ? v[t + 1] + eps[t] : v[t];
            scores.score(s, v[t], p);
            out[t] = p.anomaly;
        }
        return out;
    }

    @Test
    void aNewCadenceStartsTheDailyProfileAfresh() {
        AnomalyScore.State s = scores.newState();
        double[] v = noise(24 * 20, 12, 1);
        scoreAll(s, v, 0, hourly());
        assertEquals(24, s.season);
        assertEquals(v.length, s.seasonEvents);
        Prediction p = hourly();
        p.cadence = 1_800_000L; // every half hour: a day of 48 events
        scores.score(s, 0.5, p);
        assertEquals(48, s.season);
        assertEquals(1, s.seasonEvents);
        assertEquals(0.5, s.profile[0]);
        assertEquals(0.0, s.seasonalScale);
    }

    @Test
    void aPerfectlyForecastKeyScoresNearZeroAndItsFirstErrorIsAnAlarm() {
        AnomalyScore.State s = scores.newState();
        double[] v = new double[1000];
        java.util.Arrays.fill(v, 5);
        double[] a = scoreAll(s, v, 5, new Prediction());
        for (int t = 0; t < v.length; t++) {
            assertTrue(a[t] < 0.05, "event " + t + " scores " + a[t]);
        }
        Prediction p = new Prediction();
        p.forecast = 5;
        scores.score(s, 5.001, p);
        assertTrue(p.anomaly >= 0.5, "the first error after 1,000 perfect forecasts scores " + p.anomaly);
        assertTrue(finite(s));
    }

    @Test
    void scoresDoNotDependOnTheKeysUnitsAndStayFiniteAtAnyMagnitude() {
        double[] v = noise(3000, 5, 1);
        v[2500] = 12;
        for (long cadence : new long[] {0, 3_600_000L}) {
            Prediction p0 = new Prediction();
            p0.cadence = cadence;
            double[] unit = scoreAll(scores.newState(), v, 0, p0);
            for (double scale : new double[] {0x1p-1000, 0x1p-40, 0x1p40, 0x1p1000}) {
                double[] w = v.clone();
                for (int t = 0; t < w.length; t++) {
                    w[t] *= scale;
                }
                AnomalyScore.State s = scores.newState();
                assertSame(unit, scoreAll(s, w, 0, p0), 1e-9, "cadence " + cadence + ", scale " + scale);
                assertTrue(finite(s), "cadence " + cadence + ", scale " + scale);
            }
        }
        // a forecast so far off that the error overflows: surprising, and the state stays finite
        AnomalyScore.State s = scores.newState();
        scoreAll(s, v, 0, hourly());
        Prediction p = hourly();
        p.forecast = -Double.MAX_VALUE;
        scores.score(s, 0, p);
        p.forecast = 0;
        scores.score(s, Double.MAX_VALUE, p);
        assertTrue(p.anomaly >= 0.5, "an error beyond the doubles' range scores " + p.anomaly);
        assertTrue(finite(s));
    }

    @Test
    void theSameEventsGiveTheSameScoresBitForBit() {
        double[] v = noise(2000, 6, 3);
        v[1500] = 40;
        double[] a = scoreAll(scores.newState(), v, 1, hourly());
        double[] b = scoreAll(new AnomalyScore().newState(), v, 1, hourly());
        assertSame(a, b, 0, "two runs");
    }

    @Test
    void theStateRoundTripsBitExactInAFewHundredBytesAndContinuesAlike() throws IOException {
        AnomalyScore.State s = scores.newState();
        double[] v = noise(1500, 7, 2);
        scoreAll(s, v, 0, hourly());
        byte[] bytes = bytes(s);
        assertTrue(bytes.length <= 400, bytes.length + " bytes");
        AnomalyScore.State back = AnomalyScore.State.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
        assertEquals(s, back);
        assertEquals(s, s.copy());
        double[] next = noise(500, 8, 2);
        next[200] = 30;
        assertSame(scoreAll(s.copy(), next, 0, hourly()), scoreAll(back, next, 0, hourly()), 0, "restored");
        // schema 1, before the daily profile: its fields read alike, the profile starts afresh
        byte[] first = java.util.Arrays.copyOf(bytes, 160);
        first[3] = 1;
        AnomalyScore.State old = AnomalyScore.State.readFrom(new DataInputStream(new ByteArrayInputStream(first)));
        AnomalyScore.State expected = s.copy();
        expected.season = 0;
        expected.seasonEvents = 0;
        java.util.Arrays.fill(expected.profile, 0.0);
        expected.seasonalScale = 0;
        expected.seasonal = 0;
        expected.seasonalMean = 0;
        expected.seasonalVariance = 0;
        assertEquals(expected, old);
        assertSame(scoreAll(expected, next, 0, hourly()), scoreAll(old, next, 0, hourly()), 0, "read from schema 1");
        bytes[3] = 9; // another schema version
        IOException e = assertThrows(IOException.class,
                () -> AnomalyScore.State.readFrom(new DataInputStream(new ByteArrayInputStream(bytes))));
        assertTrue(e.getMessage().contains("schema version 9"), e.getMessage());
    }

    @Test
    void scoringAllocatesNothing() {
        AnomalyScore.State s = scores.newState();
        Prediction p = hourly();
        double[] v = noise(20_000, 9, 1);
        v[15_000] = 50;
        for (int warm = 0; warm < 3; warm++) {
            scoreAll(s, v, 0, p);
        }
        com.sun.management.ThreadMXBean bean =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = bean.getCurrentThreadAllocatedBytes();
        for (double x : v) {
            scores.score(s, x, p);
        }
        long allocated = bean.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1_000, allocated + " bytes allocated by 20,000 scores");
    }

    /** Every score of {@code b} within {@code tolerance} of {@code a}'s (0: the same bits). */
    private static void assertSame(double[] a, double[] b, double tolerance, String context) {
        for (int t = 0; t < a.length; t++) {
            if (tolerance == 0) {
                assertEquals(Double.doubleToRawLongBits(a[t]), Double.doubleToRawLongBits(b[t]), context + ", event " + t);
            } else {
                assertEquals(a[t], b[t], tolerance, context + ", event " + t);
            }
        }
    }

    private static boolean finite(AnomalyScore.State s) {
        double acc = s.scale * 0 + s.mean * 0 + s.variance * 0 + s.largest * 0 + s.forecast * 0 + s.lower * 0
                + s.upper * 0;
        for (double r : s.raw) {
            acc += r * 0;
        }
        for (double b : s.profile) {
            acc += b * 0;
        }
        acc += s.seasonalScale * 0 + s.seasonal * 0 + s.seasonalMean * 0 + s.seasonalVariance * 0;
        return acc == 0;
    }

    private static byte[] bytes(AnomalyScore.State s) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        s.writeTo(new DataOutputStream(bos));
        return bos.toByteArray();
    }
}
