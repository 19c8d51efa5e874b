package dev.streamforecast.model;

/**
 * Where a forecaster's network parameters and optimiser moments live, and how a training window's
 * gradient reaches them: the one thing {@code model.scope} decides. Everything else a forecaster does
 * with an event is the same in either home ({@link OnlineForecaster}).
 *
 * <ul>
 *   <li>{@link Key}: in the key's own state ({@link SeriesState#params}, its moments), updated at once
 *       from each of the key's windows, every {@code k1} events.
 *   <li>{@link Shared}: in a {@link SharedNetwork} that one parallel instance holds for all its keys;
 *       a key's window joins the network's batch, applied as one update when it is full, and only the
 *       windows a deterministic budget picks are given ({@code train.shared-budget} per 1,000 events).
 * </ul>
 */
public abstract class ParameterHome {
    final ModelConfig config;

    ParameterHome(ModelConfig config) {
        this.config = config;
    }

    /** The parameters the key's network runs with. */
    abstract double[][] params(SeriesState s);

    /** Whether the key's event just taken completes a window that this home learns from. */
    abstract boolean learnsFrom(SeriesState s, long key);

    /**
     * Applies the window the forecaster built (carried state at its start, inputs, targets, known
     * targets per step); returns whether the parameters changed at this event.
     */
    abstract boolean learn(OnlineForecaster f, SeriesState s, long key, double[] start, double[] xs, double[] targets,
            int[] available, int steps);

    /** The pooled covariance the linear part learns with, or null for a covariance of each key's own. */
    abstract PooledCovariance pool();

    /** Parameters and moments in the key's state, updated at once from each of its windows. */
    static final class Key extends ParameterHome {
        private final double[][] grad;

        Key(ModelConfig config, ParameterLayout layout) {
            super(config);
            this.grad = layout.allocate();
        }

        @Override
        double[][] params(SeriesState s) {
            return s.params;
        }

        @Override
        boolean learnsFrom(SeriesState s, long key) {
            return s.events % config.k1 == 0;
        }

        @Override
        boolean learn(OnlineForecaster f, SeriesState s, long key, double[] start, double[] xs, double[] targets,
                int[] available, int steps) {
            f.network().lossAndGradient(s.params, start, xs, targets, available, steps, config.l2, grad);
            double norm = 0;
            for (double[] g : grad) {
                norm += Network.dot(g, g, 0, g.length);
            }
            norm = Math.sqrt(norm);
            if (!Double.isFinite(norm)) {
                return false; // a non-finite gradient skips the update rather than poison the weights
            }
            // Clip by global norm: g *= clip / max(clip, |g|)
            double scale = config.clipNorm > 0 && norm > config.clipNorm ? config.clipNorm / norm : 1.0;
            if (config.optimizer == OptimizerType.ADAM) {
                Optimizer.adam(s, grad, scale, config.learningRate, config.beta1, config.beta2, config.epsilon);
            } else {
                Optimizer.sgd(s.params, grad, scale, config.learningRate);
            }
            return true;
        }

        @Override
        PooledCovariance pool() {
            return null;
        }
    }

    /** Parameters and moments in a network shared by the keys of one parallel instance. */
    static final class Shared extends ParameterHome {
        final SharedNetwork network;
        /**
         * The share of a key's k1 periods whose window joins the batch, scaled to 2^32: the budget of
         * windows per 1,000 events times k1 / 1,000, at most all.
         */
        private final long threshold;

        Shared(SharedNetwork network) {
            super(network.config);
            this.network = network;
            double share = Math.min(1.0, config.sharedBudget * config.k1 / 1000.0);
            this.threshold = (long) Math.floor(share * 0x1p32);
        }

        @Override
        double[][] params(SeriesState s) {
            return network.params;
        }

        @Override
        boolean learnsFrom(SeriesState s, long key) {
            return s.events % config.k1 == 0 && picked(key, s.events / config.k1);
        }

        /**
         * Whether the key's {@code period}-th window is one the budget picks: a hash of the key and the
         * period, uniform over 2^32, below the budget's share of it. Deterministic, so a replay gives the
         * same windows, and spread over keys and time, so no key is always in or always out.
         */
        boolean picked(long key, long period) {
            long h = mix(key * 0x9E3779B97F4A7C15L + period);
            return (h >>> 32) < threshold;
        }

        /** A 64-bit finaliser (Stafford's variant 13 of MurmurHash3's). */
        static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        @Override
        boolean learn(OnlineForecaster f, SeriesState s, long key, double[] start, double[] xs, double[] targets,
                int[] available, int steps) {
            return network.gather(key, start, xs, targets, available, steps);
        }

        @Override
        PooledCovariance pool() {
            return network.pool;
        }
    }
}
