package dev.streamforecast.model;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The immutable description of one forecaster: network shape, truncated BPTT, optimiser, scaling.
 *
 * <p>Every setting is one line of {@link #settings() the table} below (name, default, accepted values,
 * meaning), from which parsing ({@link #fromMap}), validation ({@link Builder#build()}), {@link #toMap()},
 * {@link #describe()} and the configuration reference are derived. Each public field holds the value of
 * the setting constant of the same name. {@link #id()} is a short stable fingerprint of all settings that
 * change forecasts, carried on every forecast record so outputs can be traced to a model.
 *
 * <p>To add a setting: one line in the table, a field, its assignment in the constructor, and its use.
 * Settings added after the table keep existing fingerprints: {@link #describe()} shows them only when
 * they differ from their default, so their default must be the behaviour that existed before them.
 */
public final class ModelConfig implements Serializable {
    private static final long serialVersionUID = 2L;

    private static final Setting.Table TABLE = new Setting.Table();

    // In the order of describe(); the labels are those fingerprints have always used.
    public static final Setting<CellType> CELL = TABLE.choice("model.cell", CellType.LSTM,
            "the recurrent cell of every layer").describedAs("cell");
    public static final Setting<Integer> HIDDEN = TABLE.integer("model.hidden", 32, "[1, 4096]",
            "hidden units per layer").describedAs("hidden");
    public static final Setting<Integer> LAYERS = TABLE.integer("model.layers", 1, "[1, 16]",
            "stacked recurrent layers").describedAs("layers");
    public static final Setting<List<String>> FEATURES = TABLE.names("model.features",
            "covariates read from each event's `features`, in this order, after the series' own inputs")
            .describedAs("features");
    public static final Setting<List<String>> INPUTS = TABLE.namesFrom("model.inputs", "level,delta,linear",
            List.of("level", "delta", "linear"), "what the network sees of the series at each step: the "
                    + "standardised level, the standardised change, the linear part's forecast change "
                    + "(dropped when model.linear-order=0)").describedAs("inputs");
    public static final Setting<Integer> K1 = TABLE.integer("train.k1", 8, "[1, 100000]",
            "learn every k1 events").describedAs("k1");
    public static final Setting<Integer> K2 = TABLE.integer("train.k2", 32, "[1, 10000]",
            "backpropagate through the last k2 steps").describedAs("k2");
    public static final Setting<OptimizerType> OPTIMIZER = TABLE.choice("train.optimizer", OptimizerType.ADAM,
            "how a gradient becomes an update").describedAs("optimizer");
    public static final Setting<Double> LEARNING_RATE = TABLE.number("train.learning-rate", 3e-3, "(0, 10)",
            "step size of the optimiser").describedAs("lr");
    public static final Setting<Double> BETA1 = TABLE.number("train.beta1", 0.9, "[0, 1)",
            "Adam: decay of the gradient's running mean").describedAs("beta1");
    public static final Setting<Double> BETA2 = TABLE.number("train.beta2", 0.999, "[0, 1)",
            "Adam: decay of the squared gradient's running mean").describedAs("beta2");
    public static final Setting<Double> EPSILON = TABLE.number("train.epsilon", 1e-8, "(0, inf)",
            "Adam: added to the root of the squared-gradient mean").describedAs("eps");
    public static final Setting<Double> CLIP_NORM = TABLE.number("train.clip-norm", 1.0, "[0, inf)",
            "global gradient norm above which gradients are scaled down; 0 disables clipping").describedAs("clip");
    public static final Setting<Double> L2 = TABLE.number("train.l2", 0.0, "[0, inf)",
            "L2 penalty on weights (not biases)").describedAs("l2");
    public static final Setting<TargetType> TARGET = TABLE.choice("model.target", TargetType.DELTA,
            "what the network predicts without a linear part: the change to the next value, or the value")
            .describedAs("target");
    public static final Setting<Double> SCALER_HALF_LIFE = TABLE.number("model.scaler-half-life", 0.0,
            "[0, inf)", "half-life, in events, of the running mean and variance that scale inputs; 0 = all history")
            .describedAs("scalerHalfLife");
    public static final Setting<Double> INPUT_CLIP = TABLE.number("model.input-clip", 8.0, "(0, inf)",
            "scaled inputs and targets are clipped to this many deviations, so a spike cannot explode")
            .describedAs("inputClip");
    public static final Setting<Double> INTERVAL_LEVEL = TABLE.number("forecast.interval-level", 0.9, "(0, 1)",
            "central coverage of the prediction interval").describedAs("interval");
    public static final Setting<Double> RESIDUAL_HALF_LIFE = TABLE.number("forecast.residual-half-life", 200.0,
            "[1, inf)", "half-life, in events, of the residual variance behind the interval")
            .describedAs("residualHalfLife");
    public static final Setting<Long> SEED = TABLE.longInteger("model.seed", 42L,
            "mixed with each key to seed that key's initial weights").describedAs("seed");
    public static final Setting<Integer> LINEAR_ORDER = TABLE.integer("model.linear-order", 48, "[0, 512]",
            "order p of the online autoregression on differences (recursive least squares) that the network "
                    + "corrects; 0 = the network alone").describedAs("linear");
    public static final Setting<Double> LINEAR_FORGETTING = TABLE.number("model.linear-forgetting", 0.9995,
            "(0.9, 1]", "forgetting factor of the linear part's recursive least squares").describedAs("/");
    public static final Setting<ModelScope> SCOPE = TABLE.choice("model.scope", ModelScope.KEY,
            "key: every key owns its model; shared: one network per parallel instance learns from all its keys in "
                    + "batches, each key keeping its carried state, statistics and linear coefficients "
                    + "(docs/shared-model.md)");
    public static final Setting<Integer> BATCH = TABLE.integer("train.batch", 8, "[1, 4096]",
            "model.scope=shared: windows per batched update of the shared network (a batch is also applied "
                    + "when a key already in it brings another window; smaller batches update more often and "
                    + "forecast short series better, docs/shared-model.md)");
    public static final Setting<Integer> SHARED_BUDGET = TABLE.integer("train.shared-budget", 32, "[1, 1000]",
            "model.scope=shared: training windows per 1,000 events the shared network learns from, picked by a "
                    + "deterministic rule of each key and its event count so a replay picks the same (key scope learns "
                    + "from every key's window every train.k1 events, 125 per 1,000 at k1 = 8; docs/shared-model.md)");
    public static final Setting<Integer> HORIZON = TABLE.integer("forecast.horizon", 1, "[1, 96]",
            "steps ahead forecast on each event: every record carries steps 1..H (forecast, interval and the "
                    + "target's expected time); each step learns from its own target when it arrives");
    public static final Setting<Calendar.Mode> CALENDAR = TABLE.choice("model.calendar", Calendar.Mode.AUTO,
            "calendar inputs of the linear part from each event's time: none, the time of day (day), the time "
                    + "of day and of the week with weekends' own daily profile (week), or week when "
                    + "forecast.horizon > 1 and none for one step (auto); with them the linear part also sees the "
                    + "standardised level and a constant");
    public static final Setting<String> TIME_ZONE = TABLE.add("model.time-zone", "UTC",
            "a time zone: UTC, an offset such as +02:00, or a region such as Europe/Paris", ModelConfig::zone,
            v -> true, v -> v, "the time zone of the calendar inputs (days, weekends, daylight saving)");
    public static final Setting<List<String>> CANDIDATES = TABLE.namesFrom("model.candidates",
            "hybrid,linear,seasonal,persistence", List.of("hybrid", "linear", "seasonal", "persistence"), "the forecasts combined per key and step, "
                    + "weighted by their recent errors: the network with the linear part, the linear part alone, "
                    + "the value a day before the target, the last value; one alone is used as it is");
    public static final Setting<IntervalMethod> INTERVALS = TABLE.choice("forecast.intervals",
            IntervalMethod.CONFORMAL, "how each step's interval is sized: +-z running RMS of its errors "
                    + "(gaussian), or that RMS times a multiplier tracked online to the level (conformal)");

    /**
     * The settings of how a shared network learns, which a key's own model has no use for: in
     * model.scope=key a value other than the default is refused naming the setting, rather than ignored.
     * Every other setting means the same in both scopes.
     */
    private static final List<Setting<?>> SHARED_SCOPE_ONLY = List.of(BATCH, SHARED_BUDGET);

    public final CellType cell;
    public final int hidden;
    public final int layers;
    public final List<String> features;
    public final List<String> inputs;
    public final int k1;
    public final int k2;
    public final OptimizerType optimizer;
    public final double learningRate;
    public final double beta1;
    public final double beta2;
    public final double epsilon;
    public final double clipNorm;
    public final double l2;
    public final TargetType target;
    public final double scalerHalfLife;
    public final double inputClip;
    public final double intervalLevel;
    public final double residualHalfLife;
    public final long seed;
    public final int linearOrder;
    public final double linearForgetting;
    public final ModelScope scope;
    public final int batch;
    public final int sharedBudget;
    public final int horizon;
    public final Calendar.Mode calendar;
    public final String timeZone;
    public final List<String> candidates;
    public final IntervalMethod intervals;

    /** Every setting's value, by its position in the table. */
    private final Object[] values;

    private ModelConfig(Object[] values) {
        this.values = values;
        this.cell = get(CELL);
        this.hidden = get(HIDDEN);
        this.layers = get(LAYERS);
        this.features = get(FEATURES);
        this.inputs = get(INPUTS);
        this.k1 = get(K1);
        this.k2 = get(K2);
        this.optimizer = get(OPTIMIZER);
        this.learningRate = get(LEARNING_RATE);
        this.beta1 = get(BETA1);
        this.beta2 = get(BETA2);
        this.epsilon = get(EPSILON);
        this.clipNorm = get(CLIP_NORM);
        this.l2 = get(L2);
        this.target = get(TARGET);
        this.scalerHalfLife = get(SCALER_HALF_LIFE);
        this.inputClip = get(INPUT_CLIP);
        this.intervalLevel = get(INTERVAL_LEVEL);
        this.residualHalfLife = get(RESIDUAL_HALF_LIFE);
        this.seed = get(SEED);
        this.linearOrder = get(LINEAR_ORDER);
        this.linearForgetting = get(LINEAR_FORGETTING);
        this.scope = get(SCOPE);
        this.batch = get(BATCH);
        this.sharedBudget = get(SHARED_BUDGET);
        this.horizon = get(HORIZON);
        this.calendar = get(CALENDAR);
        this.timeZone = get(TIME_ZONE);
        this.candidates = get(CANDIDATES);
        this.intervals = get(INTERVALS);
    }

    /** A time zone as the setting accepts it, kept as written. */
    private static String zone(String text) {
        java.time.ZoneId.of(text);
        return text;
    }

    /** The calendar inputs' time zone. */
    public java.time.ZoneId zoneId() {
        return java.time.ZoneId.of(timeZone);
    }

    /** The candidates combined: {@link #candidates} less the linear part when there is none. */
    public List<String> activeCandidates() {
        if (linearOrder > 0 || !candidates.contains("linear")) {
            return candidates;
        }
        List<String> c = new ArrayList<>(candidates);
        c.remove("linear");
        return List.copyOf(c);
    }

    /** The calendar inputs the model sees: {@link #calendar}, with auto resolved by the horizon. */
    public Calendar.Mode calendarMode() {
        if (calendar == Calendar.Mode.AUTO) {
            return horizon > 1 ? Calendar.Mode.WEEK : Calendar.Mode.NONE;
        }
        return calendar;
    }

    /** Extra regressors of the linear part besides its lags: the level, a constant and the calendar's. */
    public int linearExtras() {
        Calendar.Mode mode = calendarMode();
        return mode == Calendar.Mode.NONE ? 0 : 2 + mode.features;
    }

    /** Every model setting, in table order. */
    public static List<Setting<?>> settings() {
        return TABLE.all();
    }

    /** The value of one of this class's settings. */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        return (T) values[TABLE.indexOf(setting)];
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(values);
    }

    /** Every setting as a configuration file spells it, in table order; {@code fromMap(toMap())} equals this. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (Setting<?> s : TABLE.all()) {
            m.put(s.name, formatted(s));
        }
        return m;
    }

    private <T> String formatted(Setting<T> s) {
        return s.format(get(s));
    }

    /**
     * Reads the model settings from {@code m}, defaults for those absent; other keys are ignored here
     * (the caller decides what else is allowed). Bad values fail naming the key and what it accepts.
     */
    public static ModelConfig fromMap(Map<String, String> m) {
        Builder b = builder();
        for (Setting<?> s : TABLE.all()) {
            String v = m.get(s.name);
            if (v != null) {
                b.values[TABLE.indexOf(s)] = s.parse(v);
            }
        }
        return b.build();
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

    /**
     * A canonical one-line description of every setting; equal strings mean equal forecasts. Settings
     * with a label appear always, in table order; later ones only when they differ from their default.
     */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (Setting<?> s : TABLE.all()) {
            Object v = values[TABLE.indexOf(s)];
            String text = v instanceof List ? String.join(",", names(v)) : String.valueOf(v);
            if ("/".equals(s.label())) {
                b.append('/').append(text);
            } else if (s.label() != null) {
                b.append(b.length() == 0 ? "" : " ").append(s.label()).append('=').append(text);
            } else if (!v.equals(s.defaultValue())) {
                b.append(' ').append(s.name).append('=').append(formatted(s));
            }
        }
        return b.toString();
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(Object list) {
        return (List<String>) list;
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

    /**
     * What runs, for people: {@code ar48+lstm32} for the default hybrid, {@code gru16x2} for a two-layer
     * GRU alone.
     */
    public String name() {
        return (linearOrder > 0 ? "ar" + linearOrder + "+" : "") + cell.name().toLowerCase(Locale.ROOT) + hidden
                + (layers > 1 ? "x" + layers : "");
    }

    /**
     * What runs, in words: "an online AR(48) on differences, corrected by an LSTM of 32 units in 1 layer;
     * the network learns every 8 events over the last 32".
     */
    public String summary() {
        String network = (cell == CellType.LSTM ? "an LSTM" : cell == CellType.GRU ? "a GRU" : "a tanh RNN") + " of "
                + hidden + " units in " + layers + (layers == 1 ? " layer" : " layers");
        String model = linearOrder > 0 ? "an online AR(" + linearOrder + ") on differences, corrected by " + network
                : network + " predicting the " + (target == TargetType.DELTA ? "change" : "value");
        return model + (features.isEmpty() ? "" : ", with covariates " + String.join(", ", features))
                + "; the network learns every " + k1 + " events over the last " + k2;
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

    @SuppressWarnings("unchecked")
    private static <T> String shown(Setting<T> s, Object value) {
        return s.format((T) value);
    }

    /**
     * Mutable builder; {@link #build()} checks every value and names the offending setting. Any setting is
     * set with {@link #set}; the named methods are shortcuts for the settings code sets most.
     */
    public static final class Builder {
        private static final List<String> INPUT_ORDER = List.of("level", "delta", "linear");
        private static final List<String> CANDIDATE_ORDER = List.of("hybrid", "linear", "seasonal", "persistence");
        private final Object[] values;

        private Builder() {
            values = new Object[TABLE.all().size()];
            for (Setting<?> s : TABLE.all()) {
                values[TABLE.indexOf(s)] = s.defaultValue();
            }
        }

        private Builder(Object[] from) {
            values = from.clone();
        }

        public <T> Builder set(Setting<T> setting, T value) {
            values[TABLE.indexOf(setting)] = Objects.requireNonNull(value, setting.name);
            return this;
        }

        public Builder cell(CellType v) { return set(CELL, v); }
        public Builder hidden(int v) { return set(HIDDEN, v); }
        public Builder layers(int v) { return set(LAYERS, v); }
        public Builder features(List<String> v) { return set(FEATURES, List.copyOf(v)); }
        public Builder inputs(List<String> v) { return set(INPUTS, List.copyOf(v)); }
        public Builder k1(int v) { return set(K1, v); }
        public Builder k2(int v) { return set(K2, v); }
        public Builder optimizer(OptimizerType v) { return set(OPTIMIZER, v); }
        public Builder learningRate(double v) { return set(LEARNING_RATE, v); }
        public Builder clipNorm(double v) { return set(CLIP_NORM, v); }
        public Builder l2(double v) { return set(L2, v); }
        public Builder target(TargetType v) { return set(TARGET, v); }
        public Builder scalerHalfLife(double v) { return set(SCALER_HALF_LIFE, v); }
        public Builder seed(long v) { return set(SEED, v); }
        public Builder linearOrder(int v) { return set(LINEAR_ORDER, v); }
        public Builder scope(ModelScope v) { return set(SCOPE, v); }
        public Builder horizon(int v) { return set(HORIZON, v); }
        public Builder calendar(Calendar.Mode v) { return set(CALENDAR, v); }
        public Builder candidates(List<String> v) { return set(CANDIDATES, List.copyOf(v)); }
        public Builder intervals(IntervalMethod v) { return set(INTERVALS, v); }

        public ModelConfig build() {
            Object[] v = values.clone();
            for (Setting<?> s : TABLE.all()) {
                check(s, v[TABLE.indexOf(s)]);
            }
            // keep the canonical order so equal settings give equal ids
            List<String> inputs = new ArrayList<>(names(v[TABLE.indexOf(INPUTS)]));
            inputs.sort(Comparator.comparingInt(INPUT_ORDER::indexOf));
            if ((Integer) v[TABLE.indexOf(LINEAR_ORDER)] == 0) {
                inputs.remove("linear");
                if (inputs.isEmpty()) {
                    throw new IllegalArgumentException("invalid model.inputs = linear: expected an input besides "
                            + "linear when model.linear-order=0");
                }
            }
            v[TABLE.indexOf(INPUTS)] = List.copyOf(inputs);
            List<String> candidates = new ArrayList<>(names(v[TABLE.indexOf(CANDIDATES)]));
            candidates.sort(Comparator.comparingInt(CANDIDATE_ORDER::indexOf));
            if ((Integer) v[TABLE.indexOf(LINEAR_ORDER)] == 0) {
                if (candidates.equals(List.of("linear"))) {
                    throw new IllegalArgumentException("invalid model.candidates = linear: expected a candidate "
                            + "besides linear when model.linear-order=0");
                }
            }
            v[TABLE.indexOf(CANDIDATES)] = List.copyOf(candidates);
            if (v[TABLE.indexOf(SCOPE)] == ModelScope.KEY) {
                for (Setting<?> k : SHARED_SCOPE_ONLY) {
                    Object value = v[TABLE.indexOf(k)];
                    if (!value.equals(k.defaultValue())) {
                        throw new IllegalArgumentException("invalid " + k.name + " = " + shown(k, value) + ": it is how "
                                + "a shared network learns; with model.scope=key every key learns from each of its own "
                                + "windows (set model.scope=shared, or leave " + k.name + " out)");
                    }
                }
            }
            return new ModelConfig(v);
        }

        @SuppressWarnings("unchecked")
        private static <T> void check(Setting<T> s, Object value) {
            s.check((T) value);
        }
    }
}
