package dev.streamforecast.io;

import dev.streamforecast.event.Observation;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Streams observations out of CSV files, one line at a time, reporting bad rows instead of dropping
 * them.
 *
 * <p>Two layouts, both with a header line:
 * <ul>
 *   <li>{@link Format#WIDE} ({@code csv-wide}): the first column is the timestamp, every other column a
 *       series named by its header, as {@code date,HUFL,HULL,...} in ETTh1.csv. Each line gives one
 *       observation per series, in column order.
 *   <li>{@link Format#LONG} ({@code csv-long}): {@code ts,key,value[,feature...]}; the header names the
 *       features, in the order they fill {@link Observation#features}.
 * </ul>
 * Observations come out in file order. Timestamps are epoch milliseconds or ISO-8601 (see
 * {@link CsvTimestamps}). Fields may be double-quoted ({@code ""} inside quotes is a quote); quoted
 * fields cannot span lines. Blank lines are skipped; a UTF-8 byte order mark is ignored.
 *
 * <p>A line that cannot be used (wrong number of fields, bad timestamp, empty key, unterminated
 * quote) is reported to the error callback with its line number and skipped. In the wide layout a bad
 * cell (empty, not a number, not finite) is reported and only that series' observation is skipped, as
 * the other series of the line are independent. A missing or unusable header is an {@link IOException}.
 */
public final class CsvReaders {
    private CsvReaders() {}

    /** The supported layouts. */
    public enum Format {
        WIDE("csv-wide"),
        LONG("csv-long");

        private final String label;

        Format(String label) {
            this.label = label;
        }

        /** The name configurations use: {@code csv-wide} or {@code csv-long}. */
        public String label() {
            return label;
        }

        /** The format called {@code name} ({@code csv-wide} or {@code csv-long}, case-insensitive). */
        public static Format of(String name) {
            for (Format f : values()) {
                if (f.label.equalsIgnoreCase(name.strip())) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown CSV format '" + name + "': expected csv-wide or csv-long");
        }
    }

    /**
     * A line, or a cell of it, that was not turned into an observation.
     *
     * @param line 1-based line number in the file, the header being line 1
     * @param reason what was wrong, naming the column where one is at fault
     * @param text the line as read
     */
    public record RowError(long line, String reason, String text) {
        @Override
        public String toString() {
            return "line " + line + ": " + reason;
        }
    }

    /** Opens a UTF-8 file; the cursor owns it and closes it. */
    public static Cursor open(Path file, Format format, Consumer<RowError> errors) throws IOException {
        BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        try {
            return new Cursor(reader, format, errors);
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    /** Reads the header from {@code reader} now; the cursor owns the reader and closes it. */
    public static Cursor open(Reader reader, Format format, Consumer<RowError> errors) throws IOException {
        BufferedReader buffered = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        return new Cursor(buffered, format, errors);
    }

    /**
     * Reads the whole file, passing each observation to {@code sink} and each bad row to {@code errors};
     * returns the number of observations read.
     */
    public static long read(Path file, Format format, Consumer<? super Observation> sink,
            Consumer<RowError> errors) throws IOException {
        try (Cursor c = open(file, format, errors)) {
            long n = 0;
            while (c.hasNext()) {
                sink.accept(c.next());
                n++;
            }
            return n;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Pulls observations from an open CSV source, reading a line only when the previous one's
     * observations are used up. I/O failures while iterating surface as {@link UncheckedIOException}.
     */
    public static final class Cursor implements Iterator<Observation>, Closeable {
        private final BufferedReader reader;
        private final Format format;
        private final Consumer<RowError> errors;
        private final List<String> header;
        private final ArrayDeque<Observation> pending = new ArrayDeque<>();
        private final List<String> fields = new ArrayList<>();
        private long line;
        private boolean eof;

        private Cursor(BufferedReader reader, Format format, Consumer<RowError> errors) throws IOException {
            this.reader = reader;
            this.format = format;
            this.errors = errors;
            this.header = readHeader();
        }

        private List<String> readHeader() throws IOException {
            String text;
            do {
                text = reader.readLine();
                line++;
                if (text == null) {
                    throw new IOException("no header line: the file is empty");
                }
                if (line == 1 && !text.isEmpty() && text.charAt(0) == '\uFEFF') {
                    text = text.substring(1);
                }
            } while (text.isBlank());
            String problem = split(text, fields);
            if (problem != null) {
                throw new IOException("header on line " + line + ": " + problem);
            }
            int minimum = format == Format.WIDE ? 2 : 3;
            if (fields.size() < minimum) {
                throw new IOException("header on line " + line + " has " + fields.size() + " column(s); "
                        + format.label + " needs " + (format == Format.WIDE
                                ? "a timestamp and at least one series" : "ts,key,value[,feature...]"));
            }
            Set<String> seen = new HashSet<>();
            for (int i = 1; i < fields.size(); i++) {
                String name = fields.get(i);
                if (name.isEmpty()) {
                    throw new IOException("header on line " + line + ": column " + (i + 1) + " has no name");
                }
                if (!seen.add(name)) {
                    throw new IOException("header on line " + line + ": column '" + name + "' appears twice");
                }
            }
            return List.copyOf(fields);
        }

        /** The header's column names, timestamp column included. */
        public List<String> header() {
            return header;
        }

        /** The series names of a wide file, or the feature names of a long one, in column order. */
        public List<String> columns() {
            return header.subList(format == Format.WIDE ? 1 : 3, header.size());
        }

        /** The number of the last line read (the header is line 1). */
        public long line() {
            return line;
        }

        @Override
        public boolean hasNext() {
            try {
                while (pending.isEmpty() && !eof) {
                    String text = reader.readLine();
                    if (text == null) {
                        eof = true;
                    } else {
                        line++;
                        if (!text.isBlank()) {
                            parse(text);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading line " + (line + 1), e);
            }
            return !pending.isEmpty();
        }

        @Override
        public Observation next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return pending.poll();
        }

        private void parse(String text) {
            String problem = split(text, fields);
            if (problem != null) {
                report(problem, text);
                return;
            }
            if (fields.size() != header.size()) {
                report("expected " + header.size() + " fields, found " + fields.size(), text);
                return;
            }
            long ts;
            try {
                ts = CsvTimestamps.parse(fields.get(0));
            } catch (IllegalArgumentException e) {
                report(e.getMessage(), text);
                return;
            }
            if (format == Format.WIDE) {
                for (int i = 1; i < fields.size(); i++) {
                    String key = header.get(i);
                    String bad = checkNumber(fields.get(i));
                    if (bad != null) {
                        report("column '" + key + "': " + bad, text);
                    } else {
                        pending.add(new Observation(key, ts, Double.parseDouble(fields.get(i))));
                    }
                }
                return;
            }
            String key = fields.get(1);
            if (key.isEmpty()) {
                report("empty key", text);
                return;
            }
            double[] features = new double[fields.size() - 3];
            for (int i = 2; i < fields.size(); i++) {
                String bad = checkNumber(fields.get(i));
                if (bad != null) {
                    report("column '" + header.get(i) + "': " + bad, text);
                    return;
                }
                if (i > 2) {
                    features[i - 3] = Double.parseDouble(fields.get(i));
                }
            }
            pending.add(new Observation(key, ts, Double.parseDouble(fields.get(2)), features));
        }

        private void report(String reason, String text) {
            errors.accept(new RowError(line, reason, text));
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }

    /** Null if {@code s} is a finite number, else why not. */
    static String checkNumber(String s) {
        if (s.isEmpty()) {
            return "empty value";
        }
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return "not a number: '" + s + "'";
        }
        if (!Double.isFinite(v)) {
            return "not a finite number: '" + s + "'";
        }
        // Java also reads hexadecimal and type suffixes ("1d", "0x1p3"); a CSV writer never means those.
        char last = Character.toLowerCase(s.charAt(s.length() - 1));
        if (last == 'd' || last == 'f' || s.toLowerCase(Locale.ROOT).contains("x")) {
            return "not a number: '" + s + "'";
        }
        return null;
    }

    /**
     * Splits one line into {@code out}, trimming unquoted fields; returns null, or the reason the line
     * cannot be split.
     */
    static String split(String text, List<String> out) {
        out.clear();
        int n = text.length();
        int i = 0;
        StringBuilder quoted = null;
        while (true) {
            // Skip leading blanks of the field.
            while (i < n && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
                i++;
            }
            if (i < n && text.charAt(i) == '"') {
                if (quoted == null) {
                    quoted = new StringBuilder();
                }
                quoted.setLength(0);
                int start = i + 1;
                i = start;
                boolean closed = false;
                while (i < n) {
                    char c = text.charAt(i);
                    if (c == '"') {
                        if (i + 1 < n && text.charAt(i + 1) == '"') {
                            quoted.append('"');
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i++;
                        break;
                    }
                    quoted.append(c);
                    i++;
                }
                if (!closed) {
                    return "unterminated quoted field " + (out.size() + 1);
                }
                while (i < n && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
                    i++;
                }
                if (i < n && text.charAt(i) != ',') {
                    return "text after the closing quote of field " + (out.size() + 1);
                }
                out.add(quoted.toString());
            } else {
                int start = i;
                while (i < n && text.charAt(i) != ',') {
                    i++;
                }
                out.add(text.substring(start, i).strip());
            }
            if (i >= n) {
                return null;
            }
            i++; // the comma
        }
    }
}
