package dev.streamforecast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ActivationsTest {

    @Test
    void sigmoidAndTanhAreWithin5e14OfTheLibraryFunctions() {
        double worstSigmoid = 0;
        double worstTanh = 0;
        for (double x = -60; x <= 60; x += 0.000731) {
            worstSigmoid = Math.max(worstSigmoid, Math.abs(Activations.sigmoid(x) - 1 / (1 + Math.exp(-x))));
            worstTanh = Math.max(worstTanh, Math.abs(Activations.tanh(x) - Math.tanh(x)));
        }
        assertTrue(worstSigmoid < 5e-14, "sigmoid error " + worstSigmoid);
        assertTrue(worstTanh < 5e-14, "tanh error " + worstTanh);
    }

    @Test
    void vectorFormMatchesTheScalarFormBlockByBlock() {
        int n = 12;
        double[] a = new double[n];
        double[] scale = new double[n];
        double[] expected = new double[n];
        for (int k = 0; k < n; k++) {
            a[k] = (k - 6) * 1.7;
            scale[k] = k % 3 == 0 ? 2.0 : 1.0;
            expected[k] = scale[k] == 2.0 ? Activations.tanh(a[k]) : Activations.sigmoid(a[k]);
        }
        Activations.gates(a, scale, new double[n], 0, n);
        for (int k = 0; k < n; k++) {
            assertEquals(expected[k], a[k], 1e-15, "row " + k);
        }
    }

    @Test
    void saturatesWithoutNaNAtTheExtremes() {
        assertEquals(1.0, Activations.sigmoid(1e300), 1e-17);
        assertEquals(0.0, Activations.sigmoid(-1e300), 1e-17);
        assertEquals(-1.0, Activations.tanh(Double.NEGATIVE_INFINITY), 1e-15);
    }
}
