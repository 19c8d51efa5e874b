package dev.streamforecast.app;

import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.UserError;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.ModelScope;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import dev.streamforecast.stream.KeyRecord;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a backtest will hold on the heap, estimated before it starts from what its input says: how many
 * keys and events there are, and how large one key's state and one event are under the configuration.
 *
 * <p>A key's size is measured, not assumed: a key of the input is run through the model of the
 * configured scope (its first {@link #SAMPLE_EVENTS} events, so that every window, season and statistic
 * is as large as it gets), and the objects its state then holds are counted, field by field, as the
 * JVM lays them out. To that come the heap state backend's own entries for the key. With RocksDB (or
 * ForSt) keyed state lives off the heap. The replay also holds every event it read, a copy in its
 * source, and every forecast it collects.
 *
 * @param fixedBytes besides the keys and events: the shared networks of every parallel instance, and the
 *     runtime
 */
record HeapEstimate(int keys, long events, long bytesPerKey, long bytesPerEvent, long fixedBytes, ModelConfig model,
        boolean stateOnHeap) {
    /** Events of the sample key run through the model before its state is counted. */
    static final int SAMPLE_EVENTS = 2_000;
    /**
     * The heap state backend's bytes per key besides the model: a map entry in each of the key's
     * states and the key's bookkeeping record. {@code HeapEstimateTest} measures the whole against the
     * operator.
     */
    static final long FLINK_BYTES_PER_KEY = 256;
    /** The local cluster's own live heap: a 4-key replay holds 27 MB after a collection; twice that, rounded up. */
    static final long RUNTIME_BYTES = 64L << 20;
    /** Above this share of the heap the replay is refused; above {@link #WARN_SHARE} it goes on with a warning. */
    static final double REFUSE_SHARE = 0.9;
    static final double WARN_SHARE = 0.6;

    /** The estimate for replaying {@code history} under {@code config} at {@code parallelism}. */
    static HeapEstimate of(AppConfig config, List<Observation> history, int parallelism) {
        ModelConfig model = config.model();
        Set<String> keys = new HashSet<>();
        for (Observation o : history) {
            keys.add(o.key);
        }
        String backend = config.flinkSettings().getOrDefault("state.backend.type", "hashmap");
        boolean onHeap = !(backend.equalsIgnoreCase("rocksdb") || backend.equalsIgnoreCase("forst"));
        long perKey = 0;
        long fixed = RUNTIME_BYTES;
        if (!history.isEmpty()) {
            List<Observation> sample = sampleKey(history);
            OnlineForecaster f = new OnlineForecaster(model);
            perKey = bytes(key(f, sample));
            if (f.shared() != null) {
                fixed += (long) parallelism * bytes(f.shared());
            }
        }
        return new HeapEstimate(keys.size(), history.size(), onHeap ? perKey + FLINK_BYTES_PER_KEY : 0,
                bytesPerEvent(history, model), fixed, model, onHeap);
    }

    /** The first key's first {@link #SAMPLE_EVENTS} events. */
    private static List<Observation> sampleKey(List<Observation> history) {
        String key = history.get(0).key;
        return history.stream().filter(o -> o.key.equals(key)).limit(SAMPLE_EVENTS).toList();
    }

    /** A key's record after {@code sample}, as the operator keeps it (in shared scope, without the network's weights). */
    private static KeyRecord key(OnlineForecaster f, List<Observation> sample) {
        String key = sample.get(0).key;
        long hash = OnlineForecaster.keyHash(key);
        Prediction p = new Prediction(f.config().horizon);
        KeyRecord r = new KeyRecord();
        r.model = f.newState(key);
        for (Observation o : sample) {
            try {
                r.model = f.observeOrRestart(r.model, hash, o.ts, o.value, o.features, p, () -> f.newState(key));
            } catch (IllegalArgumentException refused) {
                // a row the operator refuses (a feature missing, say) leaves no trace in the state
            }
        }
        return r;
    }

    /**
     * An event as the replay holds it: the observation read (and its copy in the source, counted alike)
     * and the forecast collected for it, with the configured steps.
     */
    private static long bytesPerEvent(List<Observation> history, ModelConfig model) {
        int n = Math.min(history.size(), 1_000);
        long observations = 0;
        for (int i = 0; i < n; i++) {
            observations += bytes(history.get(i));
        }
        Forecast f = new Forecast(n == 0 ? "" : history.get(0).key, 0, 0, 0, 0, 0, 0, 0, model.id());
        if (model.horizon > 1) {
            f.stepForecasts = new double[model.horizon];
            f.stepLowers = new double[model.horizon];
            f.stepUppers = new double[model.horizon];
        }
        return (n == 0 ? 0 : 2 * observations / n) + bytes(f);
    }

    long totalBytes() {
        return keys * bytesPerKey + events * bytesPerEvent + fixedBytes;
    }

    /**
     * Checks the estimate against a heap of {@code maxHeap} bytes: a warning when it may not fit,
     * nothing when it fits.
     *
     * @throws UserError when it cannot fit, naming what it needs and the ways out
     */
    String check(long maxHeap, String command) {
        long total = totalBytes();
        if (total <= WARN_SHARE * maxHeap) {
            return null;
        }
        String need = String.format(Locale.ROOT, "%,d keys (model.scope=%s, keyed state %s) need about %s%s, "
                + "the %,d events with their forecasts %s and Flink itself %s", keys,
                model.scope.name().toLowerCase(Locale.ROOT), stateOnHeap ? "on the heap" : "off the heap",
                size(keys * bytesPerKey), stateOnHeap ? " (" + size(bytesPerKey) + " each)" : "", events,
                size(events * bytesPerEvent), size(fixedBytes));
        if (total > REFUSE_SHARE * maxHeap) {
            throw new UserError(need + ", more than this JVM's heap of " + size(maxHeap) + " holds: "
                    + waysOut(total, command));
        }
        return need + String.format(Locale.ROOT, ", %.0f%% of this JVM's heap of %s: it may not fit; if it runs "
                + "out of memory, ", 100.0 * total / maxHeap, size(maxHeap)) + waysOut(total, command);
    }

    /** What would let the replay fit, in the order to try them. */
    private String waysOut(long total, String command) {
        List<String> ways = new ArrayList<>();
        if (stateOnHeap && keys * bytesPerKey > events * bytesPerEvent) {
            if (model.scope == ModelScope.KEY) {
                ways.add("use model.scope=shared (a few KB a key)");
            }
            ways.add("keep keyed state in RocksDB (--set flink.state.backend.type=rocksdb)");
        }
        ways.add(OutOfMemory.largerHeap(total / WARN_SHARE, command));
        String last = ways.remove(ways.size() - 1);
        return ways.isEmpty() ? last : String.join(", ", ways) + ", or " + last;
    }

    /** Bytes as people read them: 136 KB, 6.6 GB. */
    static String size(double bytes) {
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        int u = 0;
        while (bytes >= 1024 && u < units.length - 1) {
            bytes /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, bytes < 10 && u > 0 ? "%.1f %s" : "%.0f %s", bytes, units[u]);
    }

    /** Compressed references, as the JVM uses them below a 32 GB heap. */
    private static final int REFERENCE = Runtime.getRuntime().maxMemory() < (32L << 30) ? 4 : 8;
    private static final int OBJECT_HEADER = 12;
    private static final int ARRAY_HEADER = 16;

    /**
     * The bytes of the objects reachable from {@code root} through the project's classes, arrays and
     * strings, each counted once and laid out as the JVM lays them out (headers, fields, alignment to 8);
     * other objects are counted as one header, since state holds none of any size.
     */
    static long bytes(Object root) {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object> todo = new ArrayDeque<>();
        todo.push(root);
        long total = 0;
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            if (!seen.add(o)) {
                continue;
            }
            Class<?> c = o.getClass();
            if (c.isArray()) {
                int n = java.lang.reflect.Array.getLength(o);
                Class<?> element = c.getComponentType();
                total += align(ARRAY_HEADER + (long) n * width(element));
                if (!element.isPrimitive()) {
                    for (Object e : (Object[]) o) {
                        if (e != null) {
                            todo.push(e);
                        }
                    }
                }
            } else if (o instanceof String s) {
                // the String and its Latin-1 bytes
                total += align(OBJECT_HEADER + 12) + align(ARRAY_HEADER + s.length());
            } else if (c.getName().startsWith("dev.streamforecast.") && !c.isEnum()) {
                total += align(OBJECT_HEADER + fields(o, todo));
            } else {
                total += align(OBJECT_HEADER);
            }
        }
        return total;
    }

    /** The width of {@code o}'s instance fields; the objects they reference go to {@code todo}. */
    private static long fields(Object o, Deque<Object> todo) {
        long width = 0;
        for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                width += width(f.getType());
                if (!f.getType().isPrimitive()) {
                    try {
                        f.setAccessible(true);
                        Object v = f.get(o);
                        if (v != null) {
                            todo.push(v);
                        }
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        // not readable: counted as its reference alone
                    }
                }
            }
        }
        return width;
    }

    private static int width(Class<?> type) {
        if (!type.isPrimitive()) {
            return REFERENCE;
        }
        if (type == long.class || type == double.class) {
            return 8;
        }
        if (type == int.class || type == float.class) {
            return 4;
        }
        return type == short.class || type == char.class ? 2 : 1;
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }
}
