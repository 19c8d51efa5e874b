package dev.streamforecast.io;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.annotation.docs.Documentation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigurationUtils;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.executiongraph.failover.RestartBackoffTimeStrategyFactoryLoader;
import org.apache.flink.runtime.state.CheckpointStorageLoader;
import org.apache.flink.runtime.state.StateBackendLoader;
import org.apache.flink.util.DynamicCodeLoadingException;

/**
 * Flink's own option definitions, as the Flink on the class path declares them: the public static
 * {@link ConfigOption} fields of its {@code *Options} classes, which Flink's configuration reference is
 * generated from. A Flink setting is checked against them as Flink would read it: its key must be one
 * Flink defines (or one of their deprecated spellings, a {@code <name>} pattern such as
 * {@code metrics.reporter.<name>.interval}, or an entry of a map option), and its value must parse to
 * the option's type. Settings whose value names an implementation (state backend, checkpoint storage,
 * restart strategy) are resolved by Flink's own loaders, as the job does when it starts.
 *
 * <p>A key Flink does not define passes unchecked only when written after {@link #UNCHECKED}.
 */
final class FlinkOptions {
    /** The escape: a Flink key written after this prefix passes unchecked, without it. */
    static final String UNCHECKED = "unchecked.";

    /**
     * Options classes of connectors, formats and table factories hold table options, not configuration;
     * those of the libraries Flink shades are the libraries' own.
     */
    private static final Pattern NOT_CONFIGURATION = Pattern.compile(
            ".*/(connector|connectors|formats)/.*|org/apache/flink/table/(?!api/config/).*|org/apache/flink/shaded/.*");
    /** A placeholder segment of a key: {@code <name>}, {@code #}. */
    private static final Pattern PLACEHOLDER = Pattern.compile("<[^>]+>|#");
    private static final Method TYPE = accessible("getClazz");
    private static final Method IS_LIST = accessible("isList");

    /** Options by key and by each of their deprecated or fallback keys. */
    private final Map<String, ConfigOption<?>> byKey = new TreeMap<>();
    /** Options whose keys hold a placeholder, by the pattern of the keys they stand for. */
    private final Map<Pattern, ConfigOption<?>> patterns = new LinkedHashMap<>();
    /** Map options, which Flink also reads as one key per entry: {@code pipeline.global-job-parameters.a=1}. */
    private final List<String> prefixMaps = new ArrayList<>();

    /** The options Flink's loaders interpret, each with the values it accepts; loaded when first asked for. */
    private static final class Implementations {
        static final List<Implementation> ALL = List.of(
                new Implementation(StateBackendOptions.STATE_BACKEND, " or the class name of a StateBackendFactory",
                        List.of(StateBackendLoader.HASHMAP_STATE_BACKEND_NAME, StateBackendLoader.ROCKSDB_STATE_BACKEND_NAME,
                                StateBackendLoader.FORST_STATE_BACKEND_NAME),
                        (c, loader) -> StateBackendLoader.loadStateBackendFromConfig(c, loader, null)),
                new Implementation(CheckpointingOptions.CHECKPOINT_STORAGE, " or the class name of a "
                        + "CheckpointStorageFactory", List.of("jobmanager", "filesystem"),
                        (c, loader) -> CheckpointStorageLoader.fromConfig(c, loader, null)),
                new Implementation(RestartStrategyOptions.RESTART_STRATEGY, "",
                        Arrays.stream(RestartStrategyOptions.RestartStrategyType.values())
                                .flatMap(t -> t.getAllAvailableValues().stream()).collect(Collectors.toList()),
                        (c, loader) -> RestartBackoffTimeStrategyFactoryLoader.createRestartBackoffTimeStrategyFactory(
                                c, new Configuration(), true)));
    }

    private static final class Holder {
        static final FlinkOptions KNOWN = scan(FlinkOptions.class.getClassLoader());
    }

    private FlinkOptions() {}

    /** The options Flink declares on this class path, read once. */
    static FlinkOptions known() {
        return Holder.KNOWN;
    }

    /**
     * Checks one setting and returns the key Flink reads it under.
     *
     * @param prefix what the user writes before Flink's key ({@code flink.} in a properties file), for messages
     * @throws UserError naming the key with the nearest one Flink defines, or the value with what it accepts
     */
    String check(String prefix, String key, String value) {
        if (key.startsWith(UNCHECKED)) {
            if (key.length() == UNCHECKED.length()) {
                throw new UserError("'" + prefix + key + "' names no key: write " + prefix + UNCHECKED + "<Flink key>");
            }
            return key.substring(UNCHECKED.length());
        }
        ConfigOption<?> option = byKey.get(key);
        String read = key;
        if (option == null) {
            option = patterns.entrySet().stream().filter(e -> e.getKey().matcher(key).matches())
                    .map(Map.Entry::getValue).findFirst().orElse(null);
            read = option == null ? null : option.key();
        }
        if (option == null) {
            if (prefixMaps.stream().anyMatch(m -> ConfigurationUtils.filterPrefixMapKey(m, key))) {
                return key;
            }
            throw new UserError("unknown setting '" + prefix + key + "'"
                    + AppConfig.nearest(key, byKey.keySet(), prefix) + "; Flink defines no such option (one it does "
                    + "not define passes as " + prefix + UNCHECKED + key + ")");
        }
        try {
            Configuration.fromMap(Map.of(read, value)).get(option);
        } catch (IllegalArgumentException e) {
            throw invalid(prefix + key, value, accepts(option), null);
        }
        return key;
    }

    /**
     * Resolves the settings among {@code keys} whose value names an implementation with Flink's own
     * loaders, in the context of {@code conf} (a checkpoint storage on the file system needs a directory).
     */
    static void checkImplementations(String prefix, Map<String, String> conf, Collection<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        ClassLoader loader = FlinkOptions.class.getClassLoader();
        for (Implementation i : Implementations.ALL) {
            String key = keys.stream().filter(k -> i.option.key().equals(k) || isFallback(i.option, k))
                    .findFirst().orElse(null);
            String failure = key == null ? null : i.failure(conf, loader);
            if (failure != null) {
                List<String> available = i.names.stream().filter(n -> i.resolves(n, loader)).collect(Collectors.toList());
                String accepts = (i.suffix.isEmpty() ? "one of " : "") + String.join(", ", available) + i.suffix;
                throw invalid(prefix + key, conf.get(key), accepts, failure);
            }
        }
    }

    private static boolean isFallback(ConfigOption<?> option, String key) {
        for (var f : option.fallbackKeys()) {
            if (f.getKey().equals(key)) {
                return true;
            }
        }
        return false;
    }

    private static UserError invalid(String key, String value, String accepts, String flinkSays) {
        return new UserError("invalid " + key + " = " + (value.isEmpty() ? "''" : value) + ": expected " + accepts
                + (flinkSays == null ? "" : " (Flink: " + flinkSays + ")"));
    }

    /** What an option's values look like, completing "expected ...". */
    static String accepts(ConfigOption<?> option) {
        Class<?> type;
        boolean list;
        try {
            type = (Class<?>) TYPE.invoke(option);
            list = (Boolean) IS_LIST.invoke(option);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "a value of the option's type (see Flink's configuration reference)";
        }
        String one = acceptsOne(type);
        return list ? "a list separated by ';' of " + one.replaceFirst("^(a|an|one of) ", "$1 ") : one;
    }

    private static String acceptsOne(Class<?> type) {
        if (type == Boolean.class) {
            return "true or false";
        }
        if (type == Integer.class || type == Long.class) {
            return "an integer";
        }
        if (type == Double.class || type == Float.class) {
            return "a number";
        }
        if (type == java.time.Duration.class) {
            return AppConfig.DURATION;
        }
        if (type == MemorySize.class) {
            return "a memory size such as 64kb, 256mb, 2gb";
        }
        if (type == Map.class) {
            return "key:value pairs separated by commas, e.g. a:1,b:2";
        }
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants()).map(Object::toString)
                    .collect(Collectors.joining(", "));
        }
        return "a value of type " + type.getSimpleName();
    }

    private static Method accessible(String name) {
        try {
            Method m = ConfigOption.class.getDeclaredMethod(name);
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Every options class in the jars on {@code loader}'s class path that hold Flink's classes. */
    private static FlinkOptions scan(ClassLoader loader) {
        FlinkOptions known = new FlinkOptions();
        for (String name : optionsClasses(loader)) {
            Class<?> c;
            try {
                c = Class.forName(name, true, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                continue; // a class whose dependencies are not here declares nothing this Flink can use
            }
            for (Field f : c.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                    known.add(c, f);
                }
            }
        }
        return known;
    }

    private void add(Class<?> owner, Field field) {
        ConfigOption<?> option;
        try {
            option = (ConfigOption<?>) field.get(null);
        } catch (IllegalAccessException e) {
            return;
        }
        Documentation.SuffixOption suffix = field.getAnnotation(Documentation.SuffixOption.class);
        if (suffix == null) {
            suffix = owner.getAnnotation(Documentation.SuffixOption.class);
        }
        String key = suffix == null ? option.key() : suffix.value() + "." + option.key();
        if (owner.getName().startsWith("org.apache.flink.table.") && !key.contains(".")) {
            return; // a hint's or a function's option (async, timeout), not a key of the session's configuration
        }
        if (PLACEHOLDER.matcher(key).find()) {
            patterns.put(pattern(key), option);
            return;
        }
        byKey.put(key, option);
        option.fallbackKeys().forEach(f -> byKey.putIfAbsent(f.getKey(), option));
        if (ConfigurationUtils.canBePrefixMap(option)) {
            prefixMaps.add(key);
        }
    }

    /** {@code metrics.reporter.<name>.<parameter>}: a placeholder stands for a segment, the last for the rest. */
    private static Pattern pattern(String key) {
        StringBuilder regex = new StringBuilder();
        var m = PLACEHOLDER.matcher(key);
        int at = 0;
        while (m.find()) {
            regex.append(Pattern.quote(key.substring(at, m.start())));
            regex.append(m.end() == key.length() ? ".+" : "[^.]+");
            at = m.end();
        }
        return Pattern.compile(regex.append(Pattern.quote(key.substring(at))).toString());
    }

    /** Names of the {@code *Options} classes of Flink's configuration in every jar on the class path. */
    private static Set<String> optionsClasses(ClassLoader loader) {
        Set<String> names = new LinkedHashSet<>();
        Enumeration<URL> manifests;
        try {
            manifests = loader.getResources(JarFile.MANIFEST_NAME);
        } catch (IOException e) {
            return names;
        }
        while (manifests.hasMoreElements()) {
            try {
                URLConnection connection = manifests.nextElement().openConnection();
                if (!(connection instanceof JarURLConnection)) {
                    continue;
                }
                connection.setUseCaches(false);
                try (JarFile jar = ((JarURLConnection) connection).getJarFile()) {
                    jar.stream().map(JarEntry::getName).filter(FlinkOptions::isOptionsClass)
                            .forEach(n -> names.add(n.substring(0, n.length() - ".class".length()).replace('/', '.')));
                }
            } catch (IOException e) {
                // a jar that cannot be read declares nothing
            }
        }
        return names;
    }

    private static boolean isOptionsClass(String entry) {
        return entry.startsWith("org/apache/flink/") && entry.endsWith("Options.class") && entry.indexOf('$') < 0
                && !NOT_CONFIGURATION.matcher(entry).matches();
    }

    /** An option whose value Flink's {@code loader} resolves to an implementation when a job starts. */
    private record Implementation(ConfigOption<String> option, String suffix, List<String> names, Loader loader) {
        /** Flink's message when the loader refuses the configuration, or null. */
        String failure(Map<String, String> conf, ClassLoader classLoader) {
            try {
                loader.load(Configuration.fromMap(conf), classLoader);
                return null;
            } catch (Exception e) {
                return e.getMessage() == null ? e.toString() : e.getMessage();
            }
        }

        /** Whether Flink finds the implementation {@code name} stands for (forst needs a jar of its own). */
        boolean resolves(String name, ClassLoader classLoader) {
            try {
                loader.load(Configuration.fromMap(Map.of(option.key(), name)), classLoader);
                return true;
            } catch (DynamicCodeLoadingException e) {
                return false;
            } catch (Exception e) {
                return true; // found, but wants other settings (a directory, say)
            }
        }
    }

    @FunctionalInterface
    private interface Loader {
        Object load(Configuration conf, ClassLoader classLoader) throws Exception;
    }
}
