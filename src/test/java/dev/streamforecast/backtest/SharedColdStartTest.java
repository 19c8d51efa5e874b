package dev.streamforecast.backtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.ModelScope;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cold-start gain docs/shared-model.md and the README claim, at the level they claim it: new keys
 * joining a running fleet in shared scope (every development series cut into pieces of
 * {@value AccuracySweep#PIECE} events, each a new key, in the order of the series' own time), over their
 * first {@value AccuracySweep#COLD} events, against key scope's keys on the same events; the geometric
 * mean over the six data sets of MSE over persistence's, as {@code AccuracySweep} prints it.
 */
class SharedColdStartTest {
    /** What the docs claim: the shared scope's cold-start error at least this share below key scope's. */
    static final double CLAIMED_GAIN = 0.20;

    @Test
    void newKeysJoiningASharedFleetStartAFifthBelowKeysOfTheirOwn() throws IOException {
        List<BaselineTable.Case> cases = BaselineTable.standardCases(ProtocolReproductionTest.DATA);
        org.junit.jupiter.api.Assumptions.assumeTrue(!cases.isEmpty(), "shared data not present");
        assertEquals(6, cases.size(), "ETTh1 and the five NAB series of the sweep");
        double key = coldStart(cases, ModelScope.KEY);
        double shared = coldStart(cases, ModelScope.SHARED);
        assertTrue(shared <= (1 - CLAIMED_GAIN) * key, "first " + AccuracySweep.COLD + " events over persistence: "
                + shared + " shared, " + key + " key scope, a gain of " + (1 - shared / key));
    }

    /** The geometric mean over the cases of the pieces' first events' MSE over persistence's. */
    private static double coldStart(List<BaselineTable.Case> cases, ModelScope scope) {
        ModelConfig config = ModelConfig.builder().scope(scope).build();
        double logSum = 0;
        for (BaselineTable.Case c : cases) {
            logSum += Math.log(AccuracySweep.piecesOverPersistence(c, config, AccuracySweep.COLD, true));
        }
        return Math.exp(logSum / cases.size());
    }
}
