package dev.streamforecast.model;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The immutable description of one forecaster: network shape, truncated BPTT, optimiser, scaling.
 *
 * <p>Every field has a default that works on real series; {@link Builder#build()} validates and names
 * the offending setting in its message. {@link #id()} is a short stable fingerprint of all settings
 * that change forecasts, carried on every forecast record so outputs can be traced to a model.
 */
public final class ModelConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    public final CellType cell;
    public final int hidden;
    public final int layers;
    /** Names of the covariates that follow the value in each input vector, in order. */
    public final List<String> features;
    /**
     * What the network sees of the series at each step, besides the covariates: any of {@code level}
     * (the standardised value), {@code delta} (the standardised change) and {@code linear} (the linear
     * part's forecast change, standardised), in that order.
     */
    public final List<String> inputs;
    /** Train every {@code k1} events. */
    public final int k1;
    /** Backpropagate through the last {@code k2} steps. */
    public final int k2;
    public final OptimizerType optimizer;
    public final double learningRate;
    public final double beta1;
    public final double beta2;
    public final double epsilon;
    /** Global gradient norm above which gradients are scaled down; 0 disables clipping. */
    public final double clipNorm;
    /** L2 penalty on weights (not biases). */
    public final double l2;
    public final TargetType target;
    /** Half-life, in events, of the running mean and variance used for scaling; 0 = all history. */
    public final double scalerHalfLife;
    /** Scaled inputs and targets are clipped to [-inputClip, inputClip] so spikes cannot explode. */
    public final double inputClip;
    /** Central coverage of the prediction interval, in (0, 1). */
    public final double intervalLevel;
    /** Half-life, in events, of the residual variance behind the prediction interval. */
    public final double residualHalfLife;
    /** Mixed with each key's hash to seed that key's initial weights. */
    public final long seed;
    /**
     * Order p of the online linear autoregression on differences that the network corrects; 0 = none
     * (the network forecasts on its own).
     */
    public final int linearOrder;
    /** Forgetting factor of the linear part's recursive least squares, in (0, 1]. */
    public final double linearForgetting;

    private ModelConfig(Builder b) {
        this.cell = b.cell;
        this.hidden = b.hidden;
        this.layers = b.layers;
        this.features = Collections.unmodifiableList(new ArrayList<>(b.features));
        this.inputs = Collections.unmodifiableList(new ArrayList<>(b.inputs));
        this.k1 = b.k1;
        this.k2 = b.k2;
        this.optimizer = b.optimizer;
        this.learningRate = b.learningRate;
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.epsilon = b.epsilon;
        this.clipNorm = b.clipNorm;
        this.l2 = b.l2;
        this.target = b.target;
        this.scalerHalfLife = b.scalerHalfLife;
        this.inputClip = b.inputClip;
        this.intervalLevel = b.intervalLevel;
        this.residualHalfLife = b.residualHalfLife;
        this.seed = b.seed;
        this.linearOrder = b.linearOrder;
        this.linearForgetting = b.linearForgetting;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.cell = cell;
        b.hidden = hidden;
        b.layers = layers;
        b.features = new ArrayList<>(features);
        b.inputs = new ArrayList<>(inputs);
        b.k1 = k1;
        b.k2 = k2;
        b.optimizer = optimizer;
        b.learningRate = learningRate;
        b.beta1 = beta1;
        b.beta2 = beta2;
        b.epsilon = epsilon;
        b.clipNorm = clipNorm;
        b.l2 = l2;
        b.target = target;
        b.scalerHalfLife = scalerHalfLife;
        b.inputClip = inputClip;
        b.intervalLevel = intervalLevel;
        b.residualHalfLife = residualHalfLife;
        b.seed = seed;
        b.linearOrder = linearOrder;
        b.linearForgetting = linearForgetting;
        return b;
    }

    /** The setting names of {@link #toMap()} and {@link #fromMap}, as they appear in config files. */
    public static final List<String> KEYS = List.of("model.cell", "model.hidden", "model.layers",
            "model.features", "model.inputs", "model.target", "model.scaler-half-life", "model.input-clip", "model.seed",
            "train.k1", "train.k2", "train.optimizer", "train.learning-rate", "train.beta1", "train.beta2",
            "train.epsilon", "train.clip-norm", "train.l2", "forecast.interval-level",
            "forecast.residual-half-life", "model.linear-order", "model.linear-forgetting");

    /** Every setting as a string, keyed by {@link #KEYS}; {@code fromMap(toMap())} equals this. */
    public java.util.Map<String, String> toMap() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("model.cell", cell.name().toLowerCase(Locale.ROOT));
        m.put("model.hidden", Integer.toString(hidden));
        m.put("model.layers", Integer.toString(layers));
        m.put("model.features", String.join(",", features));
        m.put("model.inputs", String.join(",", inputs));
        m.put("model.target", target.name().toLowerCase(Locale.ROOT));
        m.put("model.scaler-half-life", Double.toString(scalerHalfLife));
        m.put("model.input-clip", Double.toString(inputClip));
        m.put("model.seed", Long.toString(seed));
        m.put("train.k1", Integer.toString(k1));
        m.put("train.k2", Integer.toString(k2));
        m.put("train.optimizer", optimizer.name().toLowerCase(Locale.ROOT));
        m.put("train.learning-rate", Double.toString(learningRate));
        m.put("train.beta1", Double.toString(beta1));
        m.put("train.beta2", Double.toString(beta2));
        m.put("train.epsilon", Double.toString(epsilon));
        m.put("train.clip-norm", Double.toString(clipNorm));
        m.put("train.l2", Double.toString(l2));
        m.put("forecast.interval-level", Double.toString(intervalLevel));
        m.put("forecast.residual-half-life", Double.toString(residualHalfLife));
        m.put("model.linear-order", Integer.toString(linearOrder));
        m.put("model.linear-forgetting", Double.toString(linearForgetting));
        return m;
    }

    /**
     * Reads the settings named by {@link #KEYS} from {@code m}, defaults for those absent; other keys
     * are ignored here (the caller decides what else is allowed). Bad values fail naming the key and
     * what it accepts.
     */
    public static ModelConfig fromMap(java.util.Map<String, String> m) {
        Builder b = builder();
        for (String key : KEYS) {
            String v = m.get(key);
            if (v == null) {
                continue;
            }
            v = v.trim();
            switch (key) {
                case "model.cell": b.cell(parseEnum(CellType.class, key, v)); break;
                case "model.hidden": b.hidden(parseInt(key, v)); break;
                case "model.layers": b.layers(parseInt(key, v)); break;
                case "model.features": b.features(v.isEmpty() ? List.of()
                        : java.util.Arrays.stream(v.split(",")).map(String::trim)
                                .collect(java.util.stream.Collectors.toList()));
                    break;
                case "model.inputs": b.inputs(v.isEmpty() ? List.of()
                        : java.util.Arrays.stream(v.split(",")).map(String::trim)
                                .collect(java.util.stream.Collectors.toList()));
                    break;
                case "model.target": b.target(parseEnum(TargetType.class, key, v)); break;
                case "model.scaler-half-life": b.scalerHalfLife(parseDouble(key, v)); break;
                case "model.input-clip": b.inputClip(parseDouble(key, v)); break;
                case "model.seed": b.seed(parseLong(key, v)); break;
                case "train.k1": b.k1(parseInt(key, v)); break;
                case "train.k2": b.k2(parseInt(key, v)); break;
                case "train.optimizer": b.optimizer(parseEnum(OptimizerType.class, key, v)); break;
                case "train.learning-rate": b.learningRate(parseDouble(key, v)); break;
                case "train.beta1": b.beta1(parseDouble(key, v)); break;
                case "train.beta2": b.beta2(parseDouble(key, v)); break;
                case "train.epsilon": b.epsilon(parseDouble(key, v)); break;
                case "train.clip-norm": b.clipNorm(parseDouble(key, v)); break;
                case "train.l2": b.l2(parseDouble(key, v)); break;
                case "forecast.interval-level": b.intervalLevel(parseDouble(key, v)); break;
                case "forecast.residual-half-life": b.residualHalfLife(parseDouble(key, v)); break;
                case "model.linear-order": b.linearOrder(parseInt(key, v)); break;
                case "model.linear-forgetting": b.linearForgetting(parseDouble(key, v)); break;
                default: throw new IllegalStateException(key);
            }
        }
        return b.build();
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String key, String v) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v)) {
                return e;
            }
        }
        throw new IllegalArgumentException("invalid " + key + " = " + v + ": expected one of "
                + java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT))
                        .collect(java.util.stream.Collectors.joining(", ")));
    }

    private static int parseInt(String key, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + key + " = " + v + ": expected an integer");
        }
    }

    private static long parseLong(String key, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + key + " = " + v + ": expected an integer");
        }
    }

    private static double parseDouble(String key, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + key + " = " + v + ": expected a number");
        }
    }

    /** Width of the network's input: the derived series inputs followed by the features. */
    public int inputSize() {
        return inputs.size() + features.size();
    }

    /** Width of one raw event in the window: the value followed by the features. */
    public int rawSize() {
        return 1 + features.size();
    }

    public boolean hasInput(String name) {
        return inputs.contains(name);
    }

    /** A canonical one-line description of every setting; equal strings mean equal forecasts. */
    public String describe() {
        return String.format(Locale.ROOT,
                "cell=%s hidden=%d layers=%d features=%s inputs=%s k1=%d k2=%d optimizer=%s lr=%s beta1=%s "
                        + "beta2=%s eps=%s clip=%s l2=%s target=%s scalerHalfLife=%s inputClip=%s "
                        + "interval=%s residualHalfLife=%s seed=%d linear=%d/%s",
                cell, hidden, layers, String.join(",", features), String.join(",", inputs), k1, k2, optimizer,
                learningRate, beta1, beta2, epsilon, clipNorm, l2, target, scalerHalfLife, inputClip,
                intervalLevel, residualHalfLife, seed, linearOrder, linearForgetting);
    }

    /** A short stable fingerprint of {@link #describe()}, e.g. {@code lstm-32x1-3f9c2a1b}. */
    public String id() {
        long h = 0xcbf29ce484222325L;
        String d = describe();
        for (int i = 0; i < d.length(); i++) {
            h ^= d.charAt(i);
            h *= 0x100000001b3L;
        }
        return String.format(Locale.ROOT, "%s-%dx%d-%08x", cell.name().toLowerCase(Locale.ROOT),
                hidden, layers, (int) (h ^ (h >>> 32)));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig && ((ModelConfig) o).describe().equals(describe());
    }

    @Override
    public int hashCode() {
        return describe().hashCode();
    }

    @Override
    public String toString() {
        return "ModelConfig{" + describe() + "}";
    }

    /** Mutable builder; {@link #build()} checks every value and names the offending setting. */
    public static final class Builder {
        private CellType cell = CellType.LSTM;
        private int hidden = 32;
        private int layers = 1;
        private List<String> features = new ArrayList<>();
        private List<String> inputs = new ArrayList<>(List.of("level", "delta", "linear"));
        private int k1 = 8;
        private int k2 = 32;
        private OptimizerType optimizer = OptimizerType.ADAM;
        private double learningRate = 3e-3;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double epsilon = 1e-8;
        private double clipNorm = 1.0;
        private double l2 = 0.0;
        private TargetType target = TargetType.DELTA;
        private double scalerHalfLife = 0.0;
        private double inputClip = 8.0;
        private double intervalLevel = 0.9;
        private double residualHalfLife = 200.0;
        private long seed = 42L;
        private int linearOrder = 48;
        private double linearForgetting = 0.9995;

        private Builder() {}

        public Builder cell(CellType v) { cell = Objects.requireNonNull(v, "cell"); return this; }
        public Builder hidden(int v) { hidden = v; return this; }
        public Builder layers(int v) { layers = v; return this; }
        public Builder features(List<String> v) { features = new ArrayList<>(v); return this; }
        public Builder inputs(List<String> v) { inputs = new ArrayList<>(v); return this; }
        public Builder k1(int v) { k1 = v; return this; }
        public Builder k2(int v) { k2 = v; return this; }
        public Builder optimizer(OptimizerType v) { optimizer = Objects.requireNonNull(v, "optimizer"); return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder beta1(double v) { beta1 = v; return this; }
        public Builder beta2(double v) { beta2 = v; return this; }
        public Builder epsilon(double v) { epsilon = v; return this; }
        public Builder clipNorm(double v) { clipNorm = v; return this; }
        public Builder l2(double v) { l2 = v; return this; }
        public Builder target(TargetType v) { target = Objects.requireNonNull(v, "target"); return this; }
        public Builder scalerHalfLife(double v) { scalerHalfLife = v; return this; }
        public Builder inputClip(double v) { inputClip = v; return this; }
        public Builder intervalLevel(double v) { intervalLevel = v; return this; }
        public Builder residualHalfLife(double v) { residualHalfLife = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder linearOrder(int v) { linearOrder = v; return this; }
        public Builder linearForgetting(double v) { linearForgetting = v; return this; }

        public ModelConfig build() {
            check(hidden >= 1 && hidden <= 4096, "model.hidden", hidden, "an integer in [1, 4096]");
            check(layers >= 1 && layers <= 16, "model.layers", layers, "an integer in [1, 16]");
            check(k1 >= 1 && k1 <= 100_000, "train.k1", k1, "an integer in [1, 100000]");
            check(k2 >= 1 && k2 <= 10_000, "train.k2", k2, "an integer in [1, 10000]");
            check(finite(learningRate) && learningRate > 0 && learningRate < 10, "train.learning-rate",
                    learningRate, "a number in (0, 10)");
            check(finite(beta1) && beta1 >= 0 && beta1 < 1, "train.beta1", beta1, "a number in [0, 1)");
            check(finite(beta2) && beta2 >= 0 && beta2 < 1, "train.beta2", beta2, "a number in [0, 1)");
            check(finite(epsilon) && epsilon > 0, "train.epsilon", epsilon, "a positive number");
            check(finite(clipNorm) && clipNorm >= 0, "train.clip-norm", clipNorm,
                    "a number >= 0 (0 disables clipping)");
            check(finite(l2) && l2 >= 0, "train.l2", l2, "a number >= 0");
            check(finite(scalerHalfLife) && scalerHalfLife >= 0, "model.scaler-half-life", scalerHalfLife,
                    "a number of events >= 0 (0 = all history)");
            check(finite(inputClip) && inputClip > 0, "model.input-clip", inputClip, "a positive number");
            check(finite(intervalLevel) && intervalLevel > 0 && intervalLevel < 1, "forecast.interval-level",
                    intervalLevel, "a number in (0, 1), e.g. 0.9");
            check(finite(residualHalfLife) && residualHalfLife >= 1, "forecast.residual-half-life",
                    residualHalfLife, "a number of events >= 1");
            check(linearOrder >= 0 && linearOrder <= 512, "model.linear-order", linearOrder,
                    "an integer in [0, 512] (0 = no linear part)");
            check(finite(linearForgetting) && linearForgetting > 0.9 && linearForgetting <= 1,
                    "model.linear-forgetting", linearForgetting, "a number in (0.9, 1]");
            List<String> known = List.of("level", "delta", "linear");
            check(!inputs.isEmpty() && inputs.stream().allMatch(known::contains)
                    && inputs.stream().distinct().count() == inputs.size(), "model.inputs", String.join(",", inputs),
                    "distinct names from level, delta, linear, at least one");
            // keep the canonical order so equal settings give equal ids
            inputs.sort(java.util.Comparator.comparingInt(known::indexOf));
            if (linearOrder == 0) {
                inputs.remove("linear");
                check(!inputs.isEmpty(), "model.inputs", "linear", "an input besides linear when model.linear-order=0");
            }
            for (String f : features) {
                check(f != null && !f.isBlank(), "model.features", features, "non-empty names");
            }
            check(features.stream().distinct().count() == features.size(), "model.features", features,
                    "distinct names");
            return new ModelConfig(this);
        }

        private static boolean finite(double v) {
            return Double.isFinite(v);
        }

        private static void check(boolean ok, String key, Object value, String allowed) {
            if (!ok) {
                throw new IllegalArgumentException(
                        "invalid " + key + " = " + value + ": expected " + allowed);
            }
        }
    }
}
