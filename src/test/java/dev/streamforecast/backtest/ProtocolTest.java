package dev.streamforecast.backtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProtocolTest {

    @Test
    void theEttProtocolIsThePublishedOne() {
        assertEquals(new Protocol.Split(14_400, 2_880, 3_600, 14_400), Protocol.ETT.split(17_420));
        assertEquals(10_800, Protocol.ETT.split(14_400).scored());
        assertThrows(IllegalArgumentException.class, () -> Protocol.ETT.split(14_399));
    }

    @Test
    void theNabProtocolStandardisesOnTheFirstFifthAndScoresTheLastThreeQuarters() {
        assertEquals(new Protocol.Split(100, 20, 25, 100), Protocol.NAB.split(100));
        // floor(0.2 * 7267) = 1453, floor(0.25 * 7267) = 1816
        assertEquals(new Protocol.Split(7_267, 1_453, 1_816, 7_267), Protocol.NAB.split(7_267));
        assertThrows(IllegalArgumentException.class, () -> Protocol.NAB.split(3));
    }

    @Test
    void protocolsDescribeThemselvesInWords() {
        assertEquals("the first 14,400 rows of each series, standardised on the first 2,880; the first 3,600 "
                + "learned from without scoring, the next 10,800 scored", Protocol.ETT.describe());
        assertEquals("each series standardised on its first 20%; its first 25% learned from without scoring, "
                + "the rest scored", Protocol.NAB.toString());
    }

    @Test
    void inconsistentBoundsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Protocol.rows(10, 4, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> Protocol.rows(10, 4, 6, 6));
        assertThrows(IllegalArgumentException.class, () -> Protocol.rows(10, 4, 5, 11));
        assertThrows(IllegalArgumentException.class, () -> Protocol.rows(10, 11, 5, 10));
        assertThrows(IllegalArgumentException.class, () -> Protocol.fractions(0, 0.25));
        assertThrows(IllegalArgumentException.class, () -> Protocol.fractions(0.2, 1));
    }

    @Test
    void theScalerUsesThePopulationStandardDeviationOfThePrefixOnly() {
        Protocol.Scaler s = Protocol.Scaler.fit(new double[] {1, 2, 3, 4, 1000}, 4);
        assertEquals(2.5, s.mean());
        assertEquals(Math.sqrt(1.25), s.std(), 1e-15);
        assertEquals((1000 - 2.5) / Math.sqrt(1.25), s.apply(1000), 1e-12);
    }

    @Test
    void aConstantPrefixIsOnlyCentred() {
        assertEquals(new Protocol.Scaler(7, 1), Protocol.Scaler.fit(new double[] {7, 7, 7, 9}, 3));
    }

    @Test
    void standardiseCutsToTheProtocolsRows() {
        Protocol p = Protocol.rows(4, 2, 2, 4);
        assertArrayEquals(new double[] {-1, 1, 3, 5}, p.standardise(new double[] {1, 3, 5, 7, 9}), 1e-15);
    }

    /** Records the order of calls, forecasting the number of values seen so far. */
    static final class Recorder implements Baseline {
        final List<String> calls = new ArrayList<>();
        int seen;

        @Override
        public String name() {
            return "recorder";
        }

        @Override
        public void observe(double y) {
            calls.add("observe " + y);
            seen++;
        }

        @Override
        public double forecast() {
            calls.add("forecast");
            return seen;
        }
    }

    @Test
    void eachScoredRowIsForecastBeforeItIsLearnedAndWarmUpRowsAreOnlyLearned() {
        // Standardised on [0, 2): mean 1, std 1, so z = y - 1.
        Protocol p = Protocol.rows(5, 2, 3, 5);
        Recorder r = new Recorder();
        Metrics m = p.score(new double[] {0, 2, 1, 4, 5, 99}, r);
        assertEquals(List.of("observe -1.0", "observe 1.0", "observe 0.0", "forecast", "observe 3.0", "forecast",
                "observe 4.0"), r.calls);
        // Row 3: z = 3, forecast 3 (values seen); row 4: z = 4, forecast 4. Persistence: 0 and 3.
        assertEquals(2, m.count());
        assertEquals(0, m.mse());
        assertEquals(2, m.scaledCount());
    }

    @Test
    void persistenceScoresItsOwnMaseAsOne() {
        double[] y = BaselinesTest.walk(1_000, 7);
        Metrics m = Protocol.fractions(0.2, 0.25).score(y, new Persistence());
        assertEquals(750, m.count());
        assertEquals(1.0, m.mase(), 1e-15);
    }
}
