package dev.streamforecast.io;

import java.time.DateTimeException;
import java.time.LocalDate;

/**
 * Timestamp cells of CSV files, parsed to epoch milliseconds UTC without a formatter per cell.
 *
 * <p>Accepted: epoch milliseconds as digits (optionally negative), or ISO-8601
 * {@code yyyy-MM-dd[(T| )HH:mm[:ss[.fffffffff]]][offset]} where offset is {@code Z}, {@code +HH},
 * {@code +HHMM} or {@code +HH:MM} (optionally after one space). No offset means UTC; a date alone is its
 * midnight; fractions finer than a millisecond are truncated. Instants outside [1900, 2200) are refused:
 * they almost always mean epoch microseconds or nanoseconds read as milliseconds. (Epoch seconds read as
 * milliseconds land in January 1970 and cannot be told from real times.)
 * Package-private until it is unified with the project-wide timestamp parser.
 */
final class CsvTimestamps {
    /** 1900-01-01T00:00:00Z, inclusive. */
    static final long MIN = -2_208_988_800_000L;
    /** 2200-01-01T00:00:00Z, exclusive. */
    static final long MAX = 7_258_118_400_000L;

    private CsvTimestamps() {}

    /**
     * Parses one timestamp.
     *
     * @throws IllegalArgumentException whose message says what was expected where
     */
    static long parse(String text) {
        String s = text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty timestamp");
        }
        long ms = isEpochDigits(s) ? parseEpoch(s) : parseIso(s);
        if (ms < MIN || ms >= MAX) {
            throw new IllegalArgumentException("timestamp '" + s + "' is outside 1900..2200"
                    + " (epoch microseconds instead of milliseconds?)");
        }
        return ms;
    }

    private static boolean isEpochDigits(String s) {
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

    private static long parseEpoch(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("epoch milliseconds '" + s + "' out of range");
        }
    }

    private static long parseIso(String s) {
        int n = s.length();
        if (n < 10 || s.charAt(4) != '-' || s.charAt(7) != '-') {
            throw bad(s, "a date yyyy-MM-dd or epoch milliseconds");
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("invalid date in '" + s + "': " + e.getMessage());
        }
        long seconds = epochDay * 86_400L;
        int millis = 0;
        int i = 10;
        if (i < n && (s.charAt(i) == 'T' || s.charAt(i) == 't' || s.charAt(i) == ' ')
                && i + 1 < n && isDigit(s.charAt(i + 1))) {
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
                        throw bad(s, "1 to 9 digits of fractional seconds");
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
            throw bad(s, "an offset Z, +HH, +HHMM or +HH:MM at position " + (i + 1));
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
            throw bad(s, "nothing after the offset");
        }
        return sign * (hours * 3600 + minutes * 60);
    }

    private static int twoDigits(String s, int at, int max, String what) {
        if (at + 2 > s.length()) {
            throw bad(s, "two digits of " + what + " at position " + (at + 1));
        }
        int v = digits(s, at, 2);
        if (v > max) {
            throw new IllegalArgumentException(what + " " + v + " out of range in '" + s + "'");
        }
        return v;
    }

    private static int digits(String s, int at, int count) {
        int v = 0;
        for (int k = at; k < at + count; k++) {
            char c = s.charAt(k);
            if (!isDigit(c)) {
                throw bad(s, "a digit at position " + (k + 1));
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static void expect(String s, int at, char c) {
        if (at >= s.length() || s.charAt(at) != c) {
            throw bad(s, "'" + c + "' at position " + (at + 1));
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static IllegalArgumentException bad(String s, String expected) {
        return new IllegalArgumentException("unparseable timestamp '" + s + "': expected " + expected);
    }
}
