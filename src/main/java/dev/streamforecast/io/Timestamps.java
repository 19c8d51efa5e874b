package dev.streamforecast.io;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;

/**
 * Event times as every input spells them (JSON, CSV cells, SQL columns), turned into epoch
 * milliseconds UTC by one set of rules, and back.
 *
 * <p>Accepted: integers in the configured {@link EpochUnit} (optionally negative), and ISO-8601 dates
 * and date-times: {@code 2016-07-01}, {@code 2016-07-01T00:15}, {@code 2016-07-01 00:15:00.250},
 * {@code ...Z}, {@code ...+02}, {@code ...+0200}, {@code ...+02:00} (optionally after a space),
 * {@code ...+02:00[Europe/Paris]}. A date-time without zone or offset is UTC; a date alone is its
 * midnight UTC; fractions finer than a millisecond are truncated.
 *
 * <p>The range ({@link #checkRange}): instants before {@link #MIN} (1900) or from {@link #MAX} (2200) on
 * are refused, whatever their spelling. The unit ({@link #fromEpoch}): an integer is read in the
 * configured unit only, and refused, with the unit it looks like, where its magnitude says another one.
 * Under milliseconds that includes epoch seconds, which would otherwise land, silently, in the first
 * months of 1970: see {@link #SECONDS_FLOOR}.
 */
public final class Timestamps {

    /** The earliest accepted instant, 1900-01-01T00:00:00Z, inclusive. */
    public static final long MIN = -2_208_988_800_000L;
    /** The end of the accepted range, 2200-01-01T00:00:00Z, exclusive. */
    public static final long MAX = 7_258_118_400_000L;
    /**
     * Under milliseconds, an integer of at least this magnitude (nine digits) that, read as epoch
     * seconds, is a date from 1900 to 2200 is refused as seconds. As seconds such an integer is a date
     * at least 3.2 years from 1970 (1973-03-03 on, or before 1966-10-31); as milliseconds it is within
     * 3 months of 1970-01-01, a time no real series of milliseconds has but every series of epoch
     * seconds since 1973 does. Smaller integers (the first 28 hours of 1970 as milliseconds, 1970 to
     * 1973 as seconds) are neither, and are read as milliseconds: counters and synthetic times.
     */
    public static final long SECONDS_FLOOR = 100_000_000L;

    /** A ZonedDateTime with its region, as {@code ZonedDateTime.toString()} writes it. */
    private static final DateTimeFormatter ZONED = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .appendLiteral('T')
            .append(DateTimeFormatter.ISO_LOCAL_TIME)
            .optionalStart().appendOffset("+HH:MM:ss", "Z").optionalEnd()
            .appendLiteral('[').parseCaseSensitive().appendZoneRegionId().appendLiteral(']')
            .toFormatter()
            .withResolverStyle(ResolverStyle.STRICT)
            .withChronology(IsoChronology.INSTANCE);

    private Timestamps() {}

    /** Parses epoch milliseconds given as digits, or an ISO-8601 date or date-time: {@link #parse(String, EpochUnit)}. */
    public static long parse(String text) {
        return parse(text, EpochUnit.MS);
    }

    /**
     * Parses an integer in {@code unit} ({@link #fromEpoch}), or an ISO-8601 date or date-time
     * ({@link #checkRange}).
     *
     * @throws IllegalArgumentException in one line naming the text and why it was refused
     */
    public static long parse(String text, EpochUnit unit) {
        if (text == null) {
            throw new IllegalArgumentException("timestamp is null");
        }
        String s = text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("timestamp is empty");
        }
        if (isInteger(s)) {
            long value;
            try {
                value = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("timestamp out of range: '" + s + "' is too large for epoch "
                        + unit.words);
            }
            return fromEpoch(value, unit);
        }
        try {
            return checkRange(s.endsWith("]") ? parseZoned(s) : parseIso(s));
        } catch (IsoError e) {
            throw new IllegalArgumentException("unparseable timestamp '" + s + "': expected epoch " + unit.words
                    + " or ISO-8601 such as 2016-07-01T00:00:00Z (" + e.getMessage() + ")");
        }
    }

    /**
     * The one rule for integer times: {@code value} epoch {@code unit}s as epoch milliseconds, if that is
     * a time from 1900 to 2200 and its magnitude does not say another unit.
     *
     * @throws IllegalArgumentException naming the unit the value looks like, with the date it would be
     *     in that unit, and what to change
     */
    public static long fromEpoch(long value, EpochUnit unit) {
        long ms = toMillis(value, unit.millis);
        if (ms >= MIN && ms < MAX) {
            if (unit == EpochUnit.MS && looksLike(value, EpochUnit.S.millis)) {
                throw new IllegalArgumentException("timestamp " + value + " looks like epoch seconds ("
                        + format(value * 1000) + "), not milliseconds (" + format(value) + "): set "
                        + EpochUnit.SETTING + "=s, or give epoch milliseconds or ISO-8601");
            }
            return ms;
        }
        boolean overflow = ms == OVERFLOW;
        String side = (overflow ? value < 0 : ms < MIN) ? "before 1900-01-01" : "not before 2200-01-01";
        return fail("timestamp out of range: " + value + " (epoch " + unit.words + (overflow ? "" : ", " + format(ms))
                + ") is " + side + likelyUnit(value, unit));
    }

    /**
     * The one rule for instants: returns {@code epochMillis} if it lies in [{@link #MIN}, {@link #MAX}).
     *
     * @throws IllegalArgumentException saying which bound it crosses
     */
    public static long checkRange(long epochMillis) {
        if (epochMillis < MIN) {
            return fail("timestamp out of range: " + format(epochMillis) + " is before 1900-01-01");
        }
        if (epochMillis >= MAX) {
            return fail("timestamp out of range: " + format(epochMillis) + " is not before 2200-01-01");
        }
        return epochMillis;
    }

    /** ISO-8601 UTC, such as {@code 2016-07-01T00:00:00Z}; milliseconds appear only when non-zero. */
    public static String format(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }

    /**
     * Whether a CSV cell reads as a time whatever the unit (an ISO date, or an integer of nine digits or
     * more): a header's first cell that does is data, not a name.
     */
    static boolean looksLikeTime(String cell) {
        String s = cell.strip();
        if (s.isEmpty()) {
            return false;
        }
        if (isInteger(s)) {
            return s.length() >= 9;
        }
        try {
            parseIso(s);
            return true;
        } catch (IsoError e) {
            return false;
        }
    }

    private static long fail(String message) {
        throw new IllegalArgumentException(message);
    }

    /** What {@link #toMillis} gives for a value beyond any date. */
    private static final long OVERFLOW = Long.MIN_VALUE;
    /** The units an integer time may look like, by their size in milliseconds: above 0 a multiple, below a fraction. */
    private static final long[] SCALES = {1000, 1, -1000, -1_000_000};
    private static final String[] SCALE_NAMES = {"seconds", "milliseconds", "microseconds", "nanoseconds"};

    /**
     * {@code value} in a unit of {@code scale} ms ({@code -k}: 1/k ms) as epoch milliseconds, rounded
     * down, or {@link #OVERFLOW}.
     */
    private static long toMillis(long value, long scale) {
        if (scale < 0) {
            return Math.floorDiv(value, -scale);
        }
        long ms = value * scale;
        return ms / scale != value || ms == OVERFLOW ? OVERFLOW : ms;
    }

    /**
     * Whether {@code value}, in a unit of {@code scale} ms, is a date from 1900 to 2200 with the
     * magnitude a recent date has in that unit: at least 1e8 seconds, 1e11 milliseconds, 1e14
     * microseconds, 1e17 nanoseconds. The four bands do not overlap.
     */
    private static boolean looksLike(long value, long scale) {
        long ms = toMillis(value, scale);
        long floor = scale > 0 ? SECONDS_FLOOR * 1000 / scale : SECONDS_FLOOR * 1000 * -scale;
        return ms >= MIN && ms < MAX && (value >= floor || value <= -floor);
    }

    /** "; as epoch microseconds it is 2016-07-01T00:00:00Z: ..." for the unit {@code value} looks like, or "". */
    private static String likelyUnit(long value, EpochUnit unit) {
        for (int i = 0; i < SCALES.length; i++) {
            if (SCALES[i] != unit.millis && looksLike(value, SCALES[i])) {
                String fix = SCALES[i] > 0 ? "set " + EpochUnit.SETTING + "=" + (SCALES[i] == 1 ? "ms" : "s")
                        : "convert to epoch " + unit.words + " or ISO-8601";
                return "; as epoch " + SCALE_NAMES[i] + " it is " + format(toMillis(value, SCALES[i])) + ": " + fix;
            }
        }
        return "";
    }

    private static boolean isInteger(String s) {
        int start = s.charAt(0) == '-' ? 1 : 0;
        if (start == s.length()) {
            return false;
        }
        for (int i = start; i < s.length(); i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Why an ISO-8601 text could not be read; the caller words the refusal. */
    private static final class IsoError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        IsoError(String message) {
            super(message, null, false, false);
        }
    }

    private static long parseZoned(String s) {
        try {
            return ZonedDateTime.from(ZONED.parse(s.length() > 10 && s.charAt(10) == ' '
                    ? s.substring(0, 10) + 'T' + s.substring(11) : s)).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            String m = e.getMessage();
            throw new IsoError(m.startsWith("Text '") && m.indexOf("' ") > 0 ? m.substring(m.indexOf("' ") + 2) : m);
        } catch (DateTimeException | ArithmeticException e) {
            throw new IsoError(e.getMessage());
        }
    }

    /**
     * {@code yyyy-MM-dd[(T| )HH:mm[:ss[(.|,)fffffffff]]][[ ]offset]}, offset {@code Z}, {@code +HH},
     * {@code +HHMM} or {@code +HH:MM}, read without a formatter: CSV files have a time in every row.
     */
    private static long parseIso(String s) {
        int n = s.length();
        if (n < 10 || s.charAt(4) != '-' || s.charAt(7) != '-') {
            throw new IsoError("a date yyyy-MM-dd");
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            throw new IsoError("invalid date: " + e.getMessage());
        }
        long seconds = epochDay * 86_400L;
        int millis = 0;
        int i = 10;
        if (i < n && (s.charAt(i) == 'T' || s.charAt(i) == 't' || s.charAt(i) == ' ')) {
            if (i + 1 >= n || !isDigit(s.charAt(i + 1))) {
                throw new IsoError("a time HH:mm after position " + (i + 1));
            }
            i++;
            int hour = twoDigits(s, i, 23, "hour");
            i += 2;
            expect(s, i, ':');
            int minute = twoDigits(s, i + 1, 59, "minute");
            i += 3;
            int second = 0;
            if (i < n && s.charAt(i) == ':') {
                second = twoDigits(s, i + 1, 59, "second");
                i += 3;
                if (i < n && (s.charAt(i) == '.' || s.charAt(i) == ',')) {
                    int start = ++i;
                    while (i < n && isDigit(s.charAt(i))) {
                        if (i - start < 3) {
                            millis = millis * 10 + (s.charAt(i) - '0');
                        }
                        i++;
                    }
                    int fractionDigits = i - start;
                    if (fractionDigits == 0 || fractionDigits > 9) {
                        throw new IsoError("1 to 9 digits of fractional seconds");
                    }
                    for (int k = fractionDigits; k < 3; k++) {
                        millis *= 10;
                    }
                }
            }
            seconds += hour * 3600L + minute * 60L + second;
        }
        if (i < n && s.charAt(i) == ' ') {
            i++;
        }
        if (i < n) {
            seconds -= offsetSeconds(s, i);
        }
        return seconds * 1000L + millis;
    }

    /** The zone offset starting at {@code i}, which must run to the end of {@code s}. */
    private static int offsetSeconds(String s, int i) {
        int n = s.length();
        char c = s.charAt(i);
        if ((c == 'Z' || c == 'z') && i + 1 == n) {
            return 0;
        }
        if (c != '+' && c != '-') {
            throw new IsoError("an offset Z, +HH, +HHMM or +HH:MM at position " + (i + 1));
        }
        int sign = c == '-' ? -1 : 1;
        int hours = twoDigits(s, i + 1, 18, "offset hour");
        int j = i + 3;
        int minutes = 0;
        if (j < n) {
            if (s.charAt(j) == ':') {
                j++;
            }
            minutes = twoDigits(s, j, 59, "offset minute");
            j += 2;
        }
        if (j != n) {
            throw new IsoError("nothing after the offset");
        }
        return sign * (hours * 3600 + minutes * 60);
    }

    private static int twoDigits(String s, int at, int max, String what) {
        if (at + 2 > s.length()) {
            throw new IsoError("two digits of " + what + " at position " + (at + 1));
        }
        int v = digits(s, at, 2);
        if (v > max) {
            throw new IsoError(what + " " + v + " out of range");
        }
        return v;
    }

    private static int digits(String s, int at, int count) {
        int v = 0;
        for (int k = at; k < at + count; k++) {
            char c = s.charAt(k);
            if (!isDigit(c)) {
                throw new IsoError("a digit at position " + (k + 1));
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static void expect(String s, int at, char c) {
        if (at >= s.length() || s.charAt(at) != c) {
            throw new IsoError("'" + c + "' at position " + (at + 1));
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
