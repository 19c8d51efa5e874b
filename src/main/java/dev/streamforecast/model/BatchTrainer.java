package dev.streamforecast.model;

/**
 * Applies the windows a {@link SharedNetwork} has gathered from many keys as one update: the mean of
 * their gradients ({@link Network#lossAndGradient(double[][], WindowBatch, double, double[][])}), clipped
 * by global norm, then one step of the optimiser.
 *
 * <p>A workspace sized once for the configuration's batch and window; one instance serves a subtask.
 * When the update is applied is the caller's decision, made from event counts alone (a batch is full,
 * or a key brings a second window), never from time, so a replay at a fixed parallelism repeats it.
 */
public final class BatchTrainer {
    private final ModelConfig config;
    private final Network network;
    private final double[][] grad;

    public BatchTrainer(ModelConfig config) {
        this.config = config;
        ParameterLayout layout = ParameterLayout.of(config);
        this.network = new Network(layout, config.k2);
        this.grad = layout.allocate();
    }

    /**
     * One update from the network's gathered windows, which it then drops. A non-finite gradient skips
     * the update; weights that diverge (non-finite, or beyond a norm of 1e6) start afresh from the seed,
     * counted in {@link SharedNetwork#resets()}. Returns whether the weights changed.
     */
    public boolean apply(SharedNetwork s) {
        int n = s.batch.size();
        if (n == 0) {
            return false;
        }
        network.lossAndGradient(s.params, s.batch, config.l2, grad);
        s.batch.clear();
        double norm = 0;
        for (double[] g : grad) {
            norm += Network.dot(g, g, 0, g.length);
        }
        norm = Math.sqrt(norm);
        if (!Double.isFinite(norm)) {
            return false;
        }
        // Clip by global norm: g *= clip / max(clip, |g|)
        double scale = config.clipNorm > 0 && norm > config.clipNorm ? config.clipNorm / norm : 1.0;
        if (config.optimizer == OptimizerType.ADAM) {
            long t = ++s.adamStep;
            // b^t by squaring: exact products, the same bits everywhere, and (unlike StrictMath.pow on JDK 17,
            // which allocates) nothing allocated
            double c1 = 1.0 / (1.0 - Scales.power(config.beta1, t));
            double c2 = 1.0 / (1.0 - Scales.power(config.beta2, t));
            Optimizer.adam(s.params, s.adamM, s.adamV, c1, c2, grad, scale, config.learningRate, config.beta1,
                    config.beta2, config.epsilon);
        } else {
            Optimizer.sgd(s.params, grad, scale, config.learningRate);
        }
        s.updates++;
        s.windows += n;
        double squares = 0;
        for (double[] t : s.params) {
            squares += Network.dot(t, t, 0, t.length);
        }
        if (!(squares <= OnlineForecaster.WEIGHT_LIMIT * OnlineForecaster.WEIGHT_LIMIT)) {
            s.initialise();
            s.resets++;
            s.lastReset = "weights non-finite or their norm beyond 1e6 after update " + s.updates;
        }
        return true;
    }

    /** The network workspace, for tests and benchmarks that drive the math directly. */
    public Network network() {
        return network;
    }
}
