package dev.streamforecast.io;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Observation;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
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
import java.util.function.LongFunction;

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
 * Observations come out in file order. Timestamps are integers in {@code events.time-unit} or ISO-8601
 * (see {@link Timestamps}). Fields may be double-quoted ({@code ""} inside quotes is a quote); quoted
 * fields cannot span lines. Blank lines are skipped; a UTF-8 byte order mark is ignored.
 *
 * <p>The file is read as bytes and each line decoded on its own (see {@link LineReader}), so a line
 * with invalid UTF-8, or too long to hold, is one bad row like any other. A line that cannot be used
 * (bad bytes, wrong number of fields, bad timestamp, empty key, unterminated quote, a time too far in
 * the future) is reported to the error callback with its line number and its bytes, and skipped. In the
 * wide layout a bad cell (empty, not a number, not finite) is reported and only that series' observation
 * is skipped, as the other series of the line are independent.
 *
 * <p>Every observation carries its origin, {@code source:line}, and the bytes it came from: in the long
 * layout the line; in the wide layout the line's timestamp cell and the series' cell as they stand in
 * the line, joined by a comma (the whole line for every series would multiply a replay's memory by the
 * number of columns). A missing or unusable header is a {@link UserError}.
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
     * @param kind the dead-letter kind: {@link DeadLetter#MALFORMED} or {@link DeadLetter#FUTURE}
     * @param reason what was wrong, naming the column where one is at fault
     * @param payload the bytes refused: the line, or for a bad cell of a wide row the timestamp cell and
     *     that cell, as the observation would have carried them; the first {@link LineReader#MAX_LINE_BYTES}
     *     of a line too long to hold
     * @param payloadBytes the size of what was refused, more than {@code payload.length} for a long line
     */
    public record RowError(long line, String kind, String reason, byte[] payload, long payloadBytes) {
        /** The refused bytes as text, for people (malformed bytes replaced). */
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "line " + line + ": " + reason;
        }
    }

    /** Opens a file; the cursor owns it and closes it. Observations' origins are {@code <file name>:<line>}. */
    public static Cursor open(Path file, Format format, Consumer<RowError> errors) throws IOException {
        return open(file, format, errors, t -> null, EpochUnit.MS);
    }

    /**
     * Opens a file whose rows are also refused, as {@link DeadLetter#FUTURE}, when {@code future} gives a
     * reason for their time (see {@link FutureLimit}), and whose integer times are in {@code unit}.
     */
    public static Cursor open(Path file, Format format, Consumer<RowError> errors, LongFunction<String> future,
            EpochUnit unit) throws IOException {
        InputStream in = Files.newInputStream(file);
        try {
            return new Cursor(new LineReader(in), String.valueOf(file.getFileName()), format, errors, future, unit);
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Reads the header from text already decoded (tests, resources); origins are {@code input:<line>}. */
    public static Cursor open(Reader reader, Format format, Consumer<RowError> errors) throws IOException {
        StringWriter text = new StringWriter();
        try (reader) {
            reader.transferTo(text);
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        return new Cursor(new LineReader(new ByteArrayInputStream(bytes)), "input", format, errors, t -> null,
                EpochUnit.MS);
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
        private final LineReader reader;
        private final String source;
        private final Format format;
        private final Consumer<RowError> errors;
        private final LongFunction<String> future;
        private final EpochUnit unit;
        private final List<String> header;
        private final ArrayDeque<Observation> pending = new ArrayDeque<>();
        private final List<String> fields = new ArrayList<>();
        private final List<int[]> spans = new ArrayList<>();
        private LineReader.Line current;
        private long rows;
        private boolean eof;

        private Cursor(LineReader reader, String source, Format format, Consumer<RowError> errors,
                LongFunction<String> future, EpochUnit unit) throws IOException {
            this.reader = reader;
            this.source = source;
            this.format = format;
            this.errors = errors;
            this.future = future;
            this.unit = unit;
            this.header = readHeader();
        }

        private List<String> readHeader() throws IOException {
            LineReader.Line l;
            do {
                l = reader.next();
                if (l == null) {
                    throw new UserError(source + " is empty: a " + format.label + " file starts with a header line ("
                            + expectedHeader() + ")");
                }
                if (l.problem() != null) {
                    throw new UserError(source + ": the header on line " + l.number() + " is unreadable: "
                            + l.problem());
                }
            } while (l.isBlank());
            String at = source + ": the header on line " + l.number();
            String problem = split(l.text(), fields, spans);
            if (problem != null) {
                throw new UserError(at + ": " + problem);
            }
            int minimum = format == Format.WIDE ? 2 : 3;
            if (fields.size() < minimum) {
                throw new UserError(at + " has " + fields.size() + " column(s); " + format.label + " needs "
                        + expectedHeader());
            }
            Set<String> seen = new HashSet<>();
            for (int i = 1; i < fields.size(); i++) {
                String name = fields.get(i);
                if (name.isEmpty()) {
                    throw new UserError(at + ": column " + (i + 1) + " has no name");
                }
                if (!seen.add(name)) {
                    throw new UserError(at + ": column '" + name + "' appears twice");
                }
            }
            return List.copyOf(fields);
        }

        private String expectedHeader() {
            return format == Format.WIDE ? "a timestamp and at least one series, such as date,A,B"
                    : "ts,key,value[,feature...]";
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
            return reader.number();
        }

        /** The number of data lines read so far, blank lines not counted. */
        public long rows() {
            return rows;
        }

        @Override
        public boolean hasNext() {
            try {
                while (pending.isEmpty() && !eof) {
                    LineReader.Line l = reader.next();
                    if (l == null) {
                        eof = true;
                    } else if (!l.isBlank()) {
                        rows++;
                        current = l;
                        parse(l);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading line " + (reader.number() + 1) + " of " + source, e);
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

        private void parse(LineReader.Line l) {
            if (l.problem() != null) {
                report(l.problem());
                return;
            }
            String text = l.text();
            String problem = split(text, fields, spans);
            if (problem != null) {
                report(problem);
                return;
            }
            if (fields.size() != header.size()) {
                report("expected " + header.size() + " fields, found " + fields.size());
                return;
            }
            long ts;
            try {
                ts = Timestamps.parse(fields.get(0), unit);
            } catch (IllegalArgumentException e) {
                report(e.getMessage());
                return;
            }
            String tooFar = future.apply(ts);
            if (tooFar != null) {
                errors.accept(new RowError(l.number(), DeadLetter.FUTURE, tooFar, l.bytes(), l.length()));
                return;
            }
            String origin = source + ":" + l.number();
            if (format == Format.WIDE) {
                for (int i = 1; i < fields.size(); i++) {
                    byte[] cell = cellPayload(text, i);
                    String bad = checkNumber(fields.get(i));
                    if (bad != null) {
                        errors.accept(new RowError(l.number(), DeadLetter.MALFORMED,
                                "column '" + header.get(i) + "': " + bad, cell, cell.length));
                    } else {
                        pending.add(new Observation(header.get(i), ts, Double.parseDouble(fields.get(i)))
                                .from(origin, cell));
                    }
                }
                return;
            }
            String key = fields.get(1);
            if (key.isEmpty()) {
                report("empty key");
                return;
            }
            double[] features = new double[fields.size() - 3];
            for (int i = 2; i < fields.size(); i++) {
                String bad = checkNumber(fields.get(i));
                if (bad != null) {
                    report("column '" + header.get(i) + "': " + bad);
                    return;
                }
                if (i > 2) {
                    features[i - 3] = Double.parseDouble(fields.get(i));
                }
            }
            pending.add(new Observation(key, ts, Double.parseDouble(fields.get(2)), features)
                    .from(origin, l.bytes()));
        }

        /** The timestamp cell and cell {@code i} of a wide row as they stand in the line, joined by a comma. */
        private byte[] cellPayload(String text, int i) {
            int[] t = spans.get(0);
            int[] c = spans.get(i);
            return (text.substring(t[0], t[1]) + "," + text.substring(c[0], c[1])).getBytes(StandardCharsets.UTF_8);
        }

        private void report(String reason) {
            errors.accept(new RowError(current.number(), DeadLetter.MALFORMED, reason, current.bytes(),
                    current.length()));
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
            return "not a number: " + DeadLetters.quote(s);
        }
        if (!Double.isFinite(v)) {
            return "not a finite number: " + DeadLetters.quote(s);
        }
        // Java also reads hexadecimal and type suffixes ("1d", "0x1p3"); a CSV writer never means those.
        char last = Character.toLowerCase(s.charAt(s.length() - 1));
        if (last == 'd' || last == 'f' || s.toLowerCase(Locale.ROOT).contains("x")) {
            return "not a number: " + DeadLetters.quote(s);
        }
        return null;
    }


    /**
     * Splits one line into {@code out}, trimming unquoted fields; returns null, or the reason the line
     * cannot be split.
     */
    static String split(String text, List<String> out) {
        return split(text, out, new ArrayList<>());
    }

    /**
     * As {@link #split(String, List)}, also giving each field's span in {@code text}: from the character
     * after the previous comma to the one before the next, as the field stands in the line.
     */
    static String split(String text, List<String> out, List<int[]> spans) {
        out.clear();
        spans.clear();
        int n = text.length();
        int i = 0;
        StringBuilder quoted = null;
        while (true) {
            int fieldStart = i;
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
                spans.add(new int[] {fieldStart, i});
            } else {
                int start = i;
                while (i < n && text.charAt(i) != ',') {
                    i++;
                }
                out.add(text.substring(start, i).strip());
                spans.add(new int[] {fieldStart, i});
            }
            if (i >= n) {
                return null;
            }
            i++; // the comma
        }
    }
}
