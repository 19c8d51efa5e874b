package dev.streamforecast.stream;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.SeriesState;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The settings that give a key's state its shape and meaning: the network's cell, width and depth, its
 * inputs and covariates, its target, the linear part's order, the truncation and learning periods and
 * the optimiser. State made under one shape cannot be continued under another, so the shape is
 * recorded with the state (in the state serializers' snapshots, and per key as a fingerprint) and
 * compared when a job restores it. Other settings (learning rate, half-lives, interval level...) may
 * change across a savepoint: the keys continue with their models.
 *
 * <p>Settings that joined the shape later ({@link #LATER}: the horizon, the calendar inputs and their
 * time zone) mean their defaults when a recorded shape lacks them, and a fingerprint leaves them out at
 * their defaults: a savepoint taken before they existed restores, and its keys keep their fingerprints.
 */
public final class StateShape implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The shaping settings, by their configuration names. */
    public static final List<String> KEYS = List.of("model.cell", "model.hidden", "model.layers", "model.inputs",
            "model.features", "model.target", "model.linear-order", "train.k1", "train.k2", "train.optimizer",
            "model.scope", "forecast.horizon", "model.calendar", "model.time-zone");
    /**
     * Shaping settings added after shapes were first recorded, with the value every state recorded
     * without them was made under (their default): a recorded shape that lacks one has that value, and a
     * fingerprint leaves one out while it has it, so that states recorded before keep their fingerprints.
     */
    static final Map<String, String> LATER = Map.of("model.scope", "key", "forecast.horizon", "1",
            "model.calendar", "auto", "model.time-zone", "UTC");

    private final Map<String, String> settings;

    private StateShape(Map<String, String> settings) {
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    public static StateShape of(ModelConfig config) {
        Map<String, String> all = config.toMap();
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : KEYS) {
            m.put(k, Objects.requireNonNull(all.get(k), k));
        }
        return new StateShape(m);
    }

    /** A shape as recorded in a snapshot. */
    public static StateShape of(Map<String, String> settings) {
        return new StateShape(settings);
    }

    public Map<String, String> settings() {
        return settings;
    }

    /** The {@code model.scope} the state was made under ({@code key} in a shape recorded before scopes were). */
    public String scope() {
        return settings.getOrDefault("model.scope", LATER.get("model.scope"));
    }

    /**
     * A stable 64-bit fingerprint (FNV-1a of the settings in order, a {@link #LATER} one left out at the
     * value shapes recorded without it had), never 0.
     */
    public long fingerprint() {
        long h = 0xcbf29ce484222325L;
        for (Map.Entry<String, String> e : settings.entrySet()) {
            if (e.getValue().equals(LATER.get(e.getKey()))) {
                continue;
            }
            String s = e.getKey() + "=" + e.getValue() + "\n";
            for (int i = 0; i < s.length(); i++) {
                h ^= s.charAt(i);
                h *= 0x100000001b3L;
            }
        }
        return h == 0 ? 1 : h;
    }

    /**
     * Each setting that differs, as {@code name: old -> new}; empty when the shapes agree. A {@link #LATER}
     * setting missing from either shape has the value it had before it was recorded.
     */
    public List<String> changesFrom(StateShape old) {
        List<String> out = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(settings.keySet());
        names.addAll(old.settings.keySet());
        for (String k : names) {
            String before = old.settings.getOrDefault(k, LATER.get(k));
            String now = settings.getOrDefault(k, LATER.get(k));
            if (!Objects.equals(before, now)) {
                out.add(k + ": " + show(before) + " -> " + show(now));
            }
        }
        return out;
    }

    /**
     * How a restored model's arrays differ in size from those of a model made under this job's
     * settings ({@code fresh}), or null when every array has the size it needs.
     */
    static String mismatch(SeriesState restored, SeriesState fresh) {
        String d = sizes("parameters", restored.params, fresh.params);
        d = d != null ? d : sizes("optimiser moments", restored.adamM, fresh.adamM);
        d = d != null ? d : size("carried state", restored.hidden, fresh.hidden);
        d = d != null ? d : size("saved carried states", restored.snapshots, fresh.snapshots);
        d = d != null ? d : size("window", restored.window, fresh.window);
        d = d != null ? d : size("scaler", restored.mean, fresh.mean);
        d = d != null ? d : size("linear part's window", restored.linearWindow, fresh.linearWindow);
        if (d == null && (restored.linear == null) != (fresh.linear == null)) {
            d = "the linear part is " + (restored.linear == null ? "absent" : "present") + " in the restored model";
        }
        if (d == null && restored.linear != null && restored.linear.theta.length != fresh.linear.theta.length) {
            d = "the linear part has " + restored.linear.theta.length + " coefficients, this job's "
                    + fresh.linear.theta.length;
        }
        return d;
    }

    private static String sizes(String what, double[][] restored, double[][] fresh) {
        if (restored.length != fresh.length) {
            return what + ": " + restored.length + " tensors restored, " + fresh.length + " needed";
        }
        for (int i = 0; i < restored.length; i++) {
            String d = size(what + " tensor " + i, restored[i], fresh[i]);
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    private static String size(String what, double[] restored, double[] fresh) {
        return restored.length == fresh.length ? null
                : what + ": " + restored.length + " values restored, " + fresh.length + " needed";
    }

    private static String show(String v) {
        return v == null ? "(not set)" : v.isEmpty() ? "''" : v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateShape && ((StateShape) o).settings.equals(settings);
    }

    @Override
    public int hashCode() {
        return settings.hashCode();
    }

    @Override
    public String toString() {
        return settings.toString();
    }
}
