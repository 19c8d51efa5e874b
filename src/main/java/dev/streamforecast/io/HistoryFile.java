package dev.streamforecast.io;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Observation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * A history file for a replay: its format detected or checked against the one given, its events read
 * with every refused line or cell a dead letter, and a verdict on whether the file is usable at all.
 *
 * <p>Formats: {@code csv-wide}, {@code csv-long} (see {@link CsvReaders}), {@code jsonl} (one input
 * event per line, see {@link ObservationCodec}), or {@code auto}. Detection reads the first
 * {@value #SNIFF_LINES} lines: lines starting with <code>{</code> are JSON lines; a CSV header naming a
 * key and a value column ({@code ts,key,value}, {@code timestamp,series,value}), or whose second column
 * holds names while its times repeat, is long; any other CSV is wide. A format given explicitly is still
 * checked against what detection sees, and refused with a suggestion when they clearly disagree (a
 * {@code ts,key,value} file read as csv-wide would otherwise score a series named {@code value}).
 *
 * <p>Refused outright, as {@link UserError}s naming the file: an empty file, a UTF-16 file, a CSV whose
 * first line is data rather than a header, a CSV with a header and no rows. After reading, a file is
 * judged unusable when no record could be used, or when more than half of the records of its first
 * {@value #JUDGED_ROWS} rows were refused ({@link Contents#problem}); its dead letters are read all the
 * same, so that the caller can write them for the user.
 *
 * <p>The far-future rule ({@link FutureLimit}) takes as reference the wall-clock time the caller gives,
 * taken once when the replay starts.
 */
public final class HistoryFile {
    public static final String AUTO = "auto";
    public static final String CSV_WIDE = "csv-wide";
    public static final String CSV_LONG = "csv-long";
    public static final String JSONL = "jsonl";
    /** The formats a replay accepts, {@code auto} first. */
    public static final List<String> FORMATS = List.of(AUTO, CSV_WIDE, CSV_LONG, JSONL);
    /** Lines looked at to detect the format. */
    static final int SNIFF_LINES = 200;
    /** The first rows judged: when more than half of their records are refused, so is the file. */
    public static final int JUDGED_ROWS = 1000;

    private static final Set<String> KEY_NAMES = Set.of("key", "series", "series_id", "seriesid", "id", "name",
            "unique_id", "item", "item_id", "sensor", "sensor_id", "device", "device_id", "symbol", "ticker", "metric",
            "entity", "station", "signal", "tag");
    private static final Set<String> VALUE_NAMES = Set.of("value", "y", "val", "reading", "measurement",
            "target", "amount", "count", "price", "close", "level");

    private HistoryFile() {}

    /**
     * What detection made of a file.
     *
     * @param format {@code csv-wide}, {@code csv-long} or {@code jsonl}
     * @param why what in the file says so, for the user
     * @param certain whether a different explicit format is surely wrong
     * @param problem why the file cannot be read as CSV at all (no header, no rows), or null; the
     *     format is then {@code csv-wide} for want of a better one
     */
    public record Guess(String format, String why, boolean certain, String problem) {
        Guess(String format, String why, boolean certain) {
            this(format, why, certain, null);
        }

        static Guess unreadable(String problem) {
            return new Guess(CSV_WIDE, null, false, problem);
        }
    }

    /** What a file held. */
    public static final class Contents {
        /** The format read. */
        public final String format;
        /** Why that format, when it was detected; null when it was given. */
        public final String detected;
        public final List<Observation> observations;
        public final List<DeadLetter> deadLetters;
        /** Why the file is unusable, in a line, with a suggestion where there is one; null if usable. */
        public final String problem;

        Contents(String format, String detected, List<Observation> observations, List<DeadLetter> deadLetters,
                String problem) {
            this.format = format;
            this.detected = detected;
            this.observations = observations;
            this.deadLetters = deadLetters;
            this.problem = problem;
        }
    }

    /**
     * Reads {@code file} in {@code format} ({@code auto} to detect it).
     *
     * @param replayStart the wall-clock time the replay started, epoch milliseconds: the far-future
     *     rule's reference
     * @throws UserError for a file that cannot be read in any format, or not in the one given
     */
    public static Contents read(Path file, String format, InputSettings settings, long replayStart)
            throws IOException {
        String f = format.strip().toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(f)) {
            throw new UserError("invalid --format " + format + ": expected one of " + String.join(", ", FORMATS));
        }
        Guess guess = sniff(file);
        String used = f.equals(AUTO) ? guess.format : f;
        if (guess.problem != null) {
            if (!used.equals(JSONL)) {
                throw new UserError(guess.problem);
            }
            guess = new Guess(JSONL, "given", false); // read as asked; the verdict below judges it
        }
        // JSON lines start with '{': a file detected as CSV is surely not JSON lines.
        if (!used.equals(guess.format) && (guess.certain || used.equals(JSONL))) {
            throw new UserError(name(file) + " looks like " + guess.format + " (" + guess.why + "), not " + used
                    + ": use --format " + guess.format + " (or leave --format out)");
        }
        LongFunction<String> future = ts -> settings.future.check(ts, replayStart, "the replay's start");
        Reading r = new Reading(file, settings);
        if (used.equals(JSONL)) {
            r.jsonLines(future);
        } else {
            r.csv(CsvReaders.Format.of(used), future);
        }
        String problem = r.problem(used.equals(CSV_WIDE) ? "values" : "rows");
        if (problem != null && !used.equals(guess.format)) {
            problem += "; it looks like " + guess.format + " (" + guess.why + "): try --format " + guess.format;
        }
        return new Contents(used, f.equals(AUTO) ? guess.why : null, r.observations, r.deadLetters, problem);
    }

    /**
     * The format the first lines of {@code file} suggest.
     *
     * @throws UserError if the file is empty, UTF-16, or a CSV without a header or without rows
     */
    public static Guess detect(Path file) throws IOException {
        Guess g = sniff(file);
        if (g.problem != null) {
            throw new UserError(g.problem);
        }
        return g;
    }

    /** As {@link #detect}, with what makes the file unreadable as CSV in {@link Guess#problem}. */
    private static Guess sniff(Path file) throws IOException {
        List<LineReader.Line> lines = new ArrayList<>();
        try (LineReader reader = new LineReader(Files.newInputStream(file))) {
            LineReader.Line l;
            while (lines.size() < SNIFF_LINES && (l = reader.next()) != null) {
                if (!l.isBlank()) {
                    lines.add(l);
                }
            }
        }
        String name = name(file);
        if (lines.isEmpty()) {
            throw new UserError(name + " is empty: give a history file (csv-wide, csv-long or jsonl)");
        }
        LineReader.Line first = lines.get(0);
        if (looksLikeUtf16(first.bytes())) {
            throw new UserError(name + " looks like UTF-16 text (NUL bytes between the characters): save it as UTF-8");
        }
        int braces = 0;
        for (LineReader.Line l : lines) {
            if (l.text() != null && l.text().stripLeading().startsWith("{")) {
                braces++;
            }
        }
        if (braces * 2 > lines.size() || first.text() != null && first.text().stripLeading().startsWith("{")) {
            return new Guess(JSONL, "its lines start with '{'", true);
        }
        if (first.text() == null) {
            return Guess.unreadable(name + ": the first line, which should be a CSV header, is unreadable: "
                    + first.problem());
        }
        List<String> header = new ArrayList<>();
        String problem = CsvReaders.split(first.text(), header);
        String line = DeadLetterCodec.shorten(first.text(), 80);
        if (problem != null) {
            return Guess.unreadable(name + ": the header on line " + first.number() + ": " + problem);
        }
        if (looksLikeData(header)) {
            return Guess.unreadable(name + ": the first line looks like data, not a header ('" + line
                    + "'): add a header line, ts,key,value for csv-long or date,<series names> for csv-wide");
        }
        if (lines.size() == 1) {
            return Guess.unreadable(name + " has a header (" + line + ") but no rows");
        }
        if (header.size() < 2) {
            return Guess.unreadable(name + " has a single column (" + line + "): csv-wide needs a time column and"
                    + " series (date,A,B), csv-long ts,key,value, jsonl a JSON object per line");
        }
        return csvGuess(header, lines.subList(1, lines.size()));
    }

    private static Guess csvGuess(List<String> header, List<LineReader.Line> data) {
        int columns = header.size();
        String named = "header " + String.join(",", header.subList(0, Math.min(3, columns)))
                + (columns > 3 ? ",..." : "");
        if (columns < 3) {
            return new Guess(CSV_WIDE, named + ": a time column and one series", true);
        }
        int rows = 0;
        int textKeys = 0;
        int decimalKeys = 0;
        int numericValues = 0;
        Set<String> keys = new HashSet<>();
        Set<String> times = new HashSet<>();
        boolean timesRepeat = false;
        List<String> fields = new ArrayList<>();
        for (LineReader.Line l : data) {
            if (l.text() == null || CsvReaders.split(l.text(), fields) != null || fields.size() < 3) {
                continue;
            }
            rows++;
            String key = fields.get(1);
            if (CsvReaders.checkNumber(key) != null) {
                textKeys++;
            } else if (key.contains(".") || key.toLowerCase(Locale.ROOT).contains("e")) {
                decimalKeys++;
            }
            if (CsvReaders.checkNumber(fields.get(2)) == null) {
                numericValues++;
            }
            keys.add(key);
            timesRepeat |= !times.add(fields.get(0));
        }
        String second = header.get(1).toLowerCase(Locale.ROOT);
        String third = header.get(2).toLowerCase(Locale.ROOT);
        if (KEY_NAMES.contains(second) && (VALUE_NAMES.contains(third) || textKeys * 2 > rows)) {
            return new Guess(CSV_LONG, named + " names a key and a value column", true);
        }
        boolean mostly = rows > 0 && textKeys * 10 >= rows * 9 && numericValues * 10 >= rows * 9;
        if (mostly && keys.size() >= 2 && timesRepeat) {
            return new Guess(CSV_LONG, "column 2 ('" + header.get(1) + "') holds names and times repeat", true);
        }
        boolean decimal = rows > 0 && decimalKeys * 10 >= rows * 9;
        return new Guess(CSV_WIDE, named + (decimal ? ": column 2 holds numbers such as " + DeadLetters.quote(
                firstKey(data)) : ": a time column and " + (columns - 1) + " series"), decimal);
    }

    private static String firstKey(List<LineReader.Line> data) {
        List<String> fields = new ArrayList<>();
        for (LineReader.Line l : data) {
            if (l.text() != null && CsvReaders.split(l.text(), fields) == null && fields.size() > 1) {
                return fields.get(1);
            }
        }
        return "";
    }

    /**
     * A first line is data when its first cell is a time (an ISO date, or an integer of nine digits or
     * more, in whatever unit), or when every other cell is a decimal number: no header names a column so.
     */
    static boolean looksLikeData(List<String> header) {
        if (Timestamps.looksLikeTime(header.get(0))) {
            return true;
        }
        if (header.size() < 2) {
            return false;
        }
        for (String cell : header.subList(1, header.size())) {
            if (CsvReaders.checkNumber(cell) != null || !(cell.contains(".") || cell.toLowerCase(Locale.ROOT).contains("e"))) {
                return false;
            }
        }
        return true;
    }

    /** UTF-16 has a byte order mark, or a NUL beside every ASCII character. */
    static boolean looksLikeUtf16(byte[] line) {
        if (line.length >= 2 && ((line[0] & 0xFF) == 0xFF && (line[1] & 0xFF) == 0xFE
                || (line[0] & 0xFF) == 0xFE && (line[1] & 0xFF) == 0xFF)) {
            return true;
        }
        int nul = 0;
        for (byte b : line) {
            if (b == 0) {
                nul++;
            }
        }
        return line.length >= 4 && nul * 3 >= line.length;
    }

    private static String name(Path file) {
        return String.valueOf(file.getFileName());
    }

    /** One pass over the file: observations, dead letters, and the tally of the judged rows. */
    private static final class Reading {
        final Path file;
        final String name;
        final InputSettings settings;
        final List<Observation> observations = new ArrayList<>();
        final List<DeadLetter> deadLetters = new ArrayList<>();
        /** The CSV cursor, which counts the rows itself; null for JSON lines. */
        CsvReaders.Cursor cursor;
        long rows;
        long judgedUsed;
        long judgedRefused;

        Reading(Path file, InputSettings settings) {
            this.file = file;
            this.name = name(file);
            this.settings = settings;
        }

        void jsonLines(LongFunction<String> future) throws IOException {
            ObservationCodec codec = new ObservationCodec(settings.features, settings.timeUnit);
            try (LineReader reader = new LineReader(Files.newInputStream(file))) {
                LineReader.Line l;
                while (!enough() && (l = reader.next()) != null) {
                    if (l.isBlank()) {
                        continue;
                    }
                    rows++;
                    String origin = name + ":" + l.number();
                    if (l.problem() != null) {
                        refuse(origin, DeadLetter.MALFORMED, l.problem(), l.bytes(), l.length());
                        continue;
                    }
                    ObservationCodec.Result res = codec.decode(l.bytes());
                    String tooFar = res.isOk() ? future.apply(res.observation().ts) : null;
                    if (!res.isOk()) {
                        refuse(origin, DeadLetter.MALFORMED, res.reason(), l.bytes(), l.length());
                    } else if (tooFar != null) {
                        refuse(origin, DeadLetter.FUTURE, tooFar, l.bytes(), l.length());
                    } else {
                        use(res.observation().from(origin, l.bytes()));
                    }
                }
            }
        }

        void csv(CsvReaders.Format format, LongFunction<String> future) throws IOException {
            try (CsvReaders.Cursor c = CsvReaders.open(file, format, e -> refuse(name + ":" + e.line(), e.kind(),
                    e.reason(), e.payload(), e.payloadBytes()), future, settings.timeUnit)) {
                cursor = c;
                while (!enough() && c.hasNext()) {
                    use(c.next());
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }

        private long row() {
            return cursor != null ? cursor.rows() : rows;
        }

        private void use(Observation o) {
            observations.add(o);
            if (row() <= JUDGED_ROWS) {
                judgedUsed++;
            }
        }

        private void refuse(String origin, String kind, String reason, byte[] payload, long payloadBytes) {
            deadLetters.add(DeadLetters.of(origin, kind, reason, payload, payloadBytes, settings.maxPayloadBytes));
            if (row() <= JUDGED_ROWS) {
                judgedRefused++;
            }
        }

        /** Past the judged rows with most of them refused: reading on would only list more refusals. */
        private boolean enough() {
            return row() >= JUDGED_ROWS && judgedRefused > judgedUsed;
        }

        /** Why the file is unusable, or null; {@code records} names what was counted (rows, values). */
        String problem(String records) {
            String within = enough() && row() <= JUDGED_ROWS ? " in the first " + JUDGED_ROWS + " rows" : "";
            if (observations.isEmpty()) {
                return name + ": no usable " + records + within + ": all " + deadLetters.size() + " were refused ("
                        + first() + ")";
            }
            if (judgedRefused > judgedUsed) {
                return name + ": " + judgedRefused + " of the " + (judgedRefused + judgedUsed) + " " + records
                        + " in the first " + Math.min(row(), JUDGED_ROWS) + " rows were refused (" + first() + ")";
            }
            return null;
        }

        private String first() {
            if (deadLetters.isEmpty()) {
                return "no rows";
            }
            DeadLetter d = deadLetters.get(0);
            return d.origin + ": " + DeadLetterCodec.shorten(d.reason, 200);
        }
    }
}
