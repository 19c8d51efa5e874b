package dev.streamforecast.model;

/**
 * Seeded weight initialisation, so that a key's model starts the same on every run and machine.
 *
 * <p>Weights and biases are uniform in {@code [-1/sqrt(hidden), 1/sqrt(hidden)]} (the usual recurrent
 * default); the LSTM forget-gate bias starts at 1 so early memories are kept (Jozefowicz et al. 2015);
 * the output bias starts at 0. Random numbers come from SplitMix64, specified here rather than
 * borrowed from a JDK class whose sequence is not promised across versions. Like every stored
 * parameter, the initial weights are float32 values ({@link Float32}).
 */
public final class Initializer {
    private Initializer() {}

    public static void initialise(double[][] p, ParameterLayout layout, long seed) {
        long[] rng = {seed};
        double k = 1.0 / Math.sqrt(layout.hidden);
        for (int i = 0; i < layout.tensors; i++) {
            double[] t = p[i];
            for (int j = 0; j < t.length; j++) {
                t[j] = i == layout.outBias ? 0.0 : (2.0 * nextDouble(rng) - 1.0) * k;
            }
        }
        if (layout.cell == CellType.LSTM) {
            for (int l = 0; l < layout.layers; l++) {
                java.util.Arrays.fill(p[layout.bias(l)], layout.hidden, 2 * layout.hidden, 1.0);
            }
        }
        Float32.round(p);
    }

    /** The seed of one key's model: the configured seed mixed with a 64-bit hash of the key. */
    public static long seedFor(long configSeed, String key) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < key.length(); i++) {
            h ^= key.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix(configSeed ^ mix(h));
    }

    private static double nextDouble(long[] state) {
        state[0] += 0x9e3779b97f4a7c15L;
        return (mix(state[0]) >>> 11) * 0x1.0p-53;
    }

    /** SplitMix64's finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
