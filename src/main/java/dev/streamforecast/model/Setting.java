package dev.streamforecast.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One configurable setting: its name in configuration files, its default, the values it accepts and
 * what it means. Parsing, validation, error messages and the configuration reference all read these,
 * so a setting is declared once, as one line of a {@link Table}.
 *
 * @param <T> the parsed value's type
 */
public final class Setting<T> {
    /** The key in configuration files and {@code --set}, e.g. {@code model.hidden}. */
    public final String name;
    /** The default as it would be written in a configuration file. */
    public final String defaultText;
    /** The values it accepts, completing "expected ...": {@code an integer in [1, 4096]}. */
    public final String accepts;
    /** What it means, for the configuration reference. */
    public final String doc;

    private final Function<String, T> parser;
    private final Predicate<T> valid;
    private final Function<T, String> formatter;
    private final T defaultValue;
    private final int index;
    private String label;

    private Setting(String name, String defaultText, String accepts, String doc, Function<String, T> parser,
            Predicate<T> valid, Function<T, String> formatter, int index) {
        this.name = Objects.requireNonNull(name, "name");
        this.defaultText = Objects.requireNonNull(defaultText, "defaultText");
        this.accepts = Objects.requireNonNull(accepts, "accepts");
        this.doc = Objects.requireNonNull(doc, "doc");
        this.parser = parser;
        this.valid = valid;
        this.formatter = formatter;
        this.index = index;
        // a table whose default is not valid fails when its class loads, not in a user's hands
        this.defaultValue = parse(defaultText);
    }

    public T defaultValue() {
        return defaultValue;
    }

    /**
     * The value of {@code text} (trimmed), checked.
     *
     * @throws IllegalArgumentException naming the setting, the text and what it accepts
     */
    public T parse(String text) {
        String t = text.trim();
        T v;
        try {
            v = parser.apply(t);
        } catch (RuntimeException e) {
            throw invalid(t);
        }
        if (v == null || !valid.test(v)) {
            throw invalid(t);
        }
        return v;
    }

    /**
     * {@code value} unchanged if this setting accepts it.
     *
     * @throws IllegalArgumentException naming the setting, the value and what it accepts
     */
    public T check(T value) {
        if (value == null || !valid.test(value)) {
            throw invalid(value == null ? "" : formatter.apply(value));
        }
        return value;
    }

    /** The value as a configuration file spells it; {@code parse(format(v))} equals {@code v}. */
    public String format(T value) {
        return formatter.apply(value);
    }

    /** Where a model's {@code describe()} shows this setting; null for settings added later (see ModelConfig). */
    String label() {
        return label;
    }

    /**
     * The short name this setting had in a description string before the table existed, so that
     * fingerprints of unchanged settings stay as they were; {@code "/"} appends the value to the
     * previous setting's after a slash.
     */
    Setting<T> describedAs(String label) {
        this.label = label;
        return this;
    }

    private IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("invalid " + name + " = " + (text.isEmpty() ? "''" : text)
                + ": expected " + accepts);
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * An ordered list of settings, each declared by one call, e.g.
     * {@code HIDDEN = TABLE.integer("model.hidden", 32, "[1, 4096]", "hidden units per layer")}.
     */
    public static final class Table {
        private final List<Setting<?>> settings = new ArrayList<>();

        /** Every setting, in declaration order. */
        public List<Setting<?>> all() {
            return Collections.unmodifiableList(settings);
        }

        /** The setting called {@code name}, or null. */
        public Setting<?> find(String name) {
            for (Setting<?> s : settings) {
                if (s.name.equals(name)) {
                    return s;
                }
            }
            return null;
        }

        /** The position of {@code s} in this table. */
        public int indexOf(Setting<?> s) {
            if (s.index >= settings.size() || settings.get(s.index) != s) {
                throw new IllegalArgumentException(s.name + " is not a setting of this table");
            }
            return s.index;
        }

        /**
         * A setting of any type: {@code parse} turns text into a value (throwing on malformed text),
         * {@code format} turns it back.
         */
        public <T> Setting<T> add(String name, String defaultText, String accepts, Function<String, T> parse,
                Predicate<T> valid, Function<T, String> format, String doc) {
            if (find(name) != null) {
                throw new IllegalStateException("setting " + name + " declared twice");
            }
            Setting<T> s = new Setting<>(name, defaultText, accepts, doc, parse, valid, format, settings.size());
            settings.add(s);
            return s;
        }

        /** An integer within {@code range}, written as an interval: {@code [1, 4096]}, {@code [0, inf)}. */
        public Setting<Integer> integer(String name, int defaultValue, String range, String doc) {
            Range r = Range.of(range);
            return add(name, Integer.toString(defaultValue), "an integer " + r.text(), Integer::valueOf,
                    v -> r.contains(v), v -> Integer.toString(v), doc);
        }

        /** Any 64-bit integer. */
        public Setting<Long> longInteger(String name, long defaultValue, String doc) {
            return add(name, Long.toString(defaultValue), "an integer", Long::valueOf, v -> true,
                    v -> Long.toString(v), doc);
        }

        /** A finite number within {@code range}, written as an interval: {@code (0, 1)}, {@code [0, inf)}. */
        public Setting<Double> number(String name, double defaultValue, String range, String doc) {
            Range r = Range.of(range);
            return add(name, Double.toString(defaultValue), "a number " + r.text(), Double::valueOf,
                    v -> Double.isFinite(v) && r.contains(v), v -> Double.toString(v), doc);
        }

        /** One of an enum's constants, written in lower case. */
        public <E extends Enum<E>> Setting<E> choice(String name, E defaultValue, String doc) {
            E[] constants = defaultValue.getDeclaringClass().getEnumConstants();
            Function<E, String> lower = e -> e.name().toLowerCase(Locale.ROOT);
            return add(name, lower.apply(defaultValue), "one of " + Arrays.stream(constants).map(lower)
                            .collect(Collectors.joining(", ")), t -> Enum.valueOf(defaultValue.getDeclaringClass(),
                            t.toUpperCase(Locale.ROOT)), v -> true, lower, doc);
        }

        /** One of the given words, matched ignoring case and kept in lower case. */
        public Setting<String> choice(String name, String defaultValue, List<String> allowed, String doc) {
            return add(name, defaultValue, "one of " + String.join(", ", allowed), t -> t.toLowerCase(Locale.ROOT),
                    allowed::contains, v -> v, doc);
        }

        /** Non-empty text. */
        public Setting<String> text(String name, String defaultValue, String doc) {
            return add(name, defaultValue, "a non-empty value", t -> t, v -> !v.isEmpty(), v -> v, doc);
        }

        /** Text that may be empty (empty meaning not set). */
        public Setting<String> optionalText(String name, String accepts, String doc) {
            return add(name, "", accepts, t -> t, v -> true, v -> v, doc);
        }

        /** Distinct non-empty names, comma-separated; empty by default. */
        public Setting<List<String>> names(String name, String doc) {
            return add(name, "", "distinct non-empty names, comma-separated", Table::splitNames,
                    Table::distinctNonEmpty, v -> String.join(",", v), doc);
        }

        /** Distinct names taken from {@code allowed}, comma-separated, at least one. */
        public Setting<List<String>> namesFrom(String name, String defaultText, List<String> allowed, String doc) {
            return add(name, defaultText, "distinct names from " + String.join(", ", allowed) + ", at least one",
                    Table::splitNames, v -> !v.isEmpty() && distinctNonEmpty(v) && allowed.containsAll(v),
                    v -> String.join(",", v), doc);
        }

        private static List<String> splitNames(String t) {
            return t.isEmpty() ? List.of()
                    : Arrays.stream(t.split(",", -1)).map(String::trim).collect(Collectors.toUnmodifiableList());
        }

        private static boolean distinctNonEmpty(List<String> names) {
            return names.stream().noneMatch(String::isEmpty) && new LinkedHashSet<>(names).size() == names.size();
        }
    }

    /** An interval of numbers written as in mathematics, with {@code inf} for no upper bound. */
    private record Range(double low, boolean lowIncluded, double high, boolean highIncluded, String written) {
        private static final Pattern INTERVAL = Pattern.compile("([\\[(])\\s*([^,\\s]+)\\s*,\\s*([^\\])\\s]+)\\s*([\\])])");

        static Range of(String interval) {
            Matcher m = INTERVAL.matcher(interval.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("not an interval: " + interval);
            }
            String high = m.group(3);
            return new Range(Double.parseDouble(m.group(2)), m.group(1).equals("["),
                    high.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(high), m.group(4).equals("]"),
                    interval.trim());
        }

        boolean contains(double v) {
            return (lowIncluded ? v >= low : v > low) && (highIncluded ? v <= high : v < high);
        }

        /** "in [1, 4096]", or ">= 0" for a range without an upper bound. */
        String text() {
            if (Double.isInfinite(high)) {
                String lowText = written.substring(1, written.indexOf(',')).trim();
                return (lowIncluded ? ">= " : "> ") + lowText;
            }
            return "in " + written;
        }
    }
}
