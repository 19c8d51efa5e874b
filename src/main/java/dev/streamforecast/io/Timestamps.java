package dev.streamforecast.io;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.TemporalAccessor;

/**
 * Event timestamps as the inputs spell them, turned into epoch milliseconds UTC, and back.
 *
 * <p>Accepted: epoch milliseconds as digits ({@code 1467331200000}, optionally negative), and ISO-8601
 * dates and date-times: {@code 2016-07-01}, {@code 2016-07-01T00:15}, {@code 2016-07-01 00:15:00.250},
 * {@code 2016-07-01T02:15:00+02:00}, {@code ...Z}, {@code ...+0200}, {@code ...+02:00[Europe/Paris]}.
 * A date-time without zone or offset is UTC; a date alone is its midnight UTC. Fractions finer than a
 * millisecond are truncated. Anything before {@link #MIN} or from {@link #MAX} on is refused: such
 * values are almost always a unit mistake (microseconds read as milliseconds). Epoch seconds cannot be
 * caught this way: read as milliseconds they land in January 1970, inside the range.
 */
public final class Timestamps {

    /** The earliest accepted instant, 1900-01-01T00:00:00Z, inclusive. */
    public static final long MIN = Instant.parse("1900-01-01T00:00:00Z").toEpochMilli();
    /** The end of the accepted range, 2200-01-01T00:00:00Z, exclusive. */
    public static final long MAX = Instant.parse("2200-01-01T00:00:00Z").toEpochMilli();

    private static final DateTimeFormatter ISO = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .optionalStart()
            .appendLiteral('T')
            .append(DateTimeFormatter.ISO_LOCAL_TIME)
            .optionalStart().appendOffset("+HH:MM:ss", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHmm", "Z").optionalEnd()
            .optionalStart()
            .appendLiteral('[').parseCaseSensitive().appendZoneRegionId().appendLiteral(']')
            .optionalEnd()
            .optionalEnd()
            .toFormatter()
            .withResolverStyle(ResolverStyle.STRICT)
            .withChronology(IsoChronology.INSTANCE);

    private static final String EXPECTED =
            "expected epoch milliseconds or ISO-8601 such as 2016-07-01T00:00:00Z";

    private Timestamps() {}

    /**
     * Parses epoch milliseconds given as digits, or an ISO-8601 date or date-time.
     *
     * @throws IllegalArgumentException naming the text and why it was refused
     */
    public static long parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("timestamp is null");
        }
        String s = text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("timestamp is empty");
        }
        if (isEpochDigits(s)) {
            long ms;
            try {
                ms = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("timestamp out of range: '" + s
                        + "' is too large for epoch milliseconds");
            }
            return checkRange(ms);
        }
        return checkRange(parseIso(s));
    }

    /**
     * Returns {@code epochMillis} if it lies in [{@link #MIN}, {@link #MAX}).
     *
     * @throws IllegalArgumentException saying which bound it crosses
     */
    public static long checkRange(long epochMillis) {
        if (epochMillis < MIN) {
            throw new IllegalArgumentException("timestamp out of range: " + epochMillis + " ("
                    + format(epochMillis) + ") is before 1900-01-01");
        }
        if (epochMillis >= MAX) {
            throw new IllegalArgumentException("timestamp out of range: " + epochMillis + " ("
                    + format(epochMillis) + ") is not before 2200-01-01");
        }
        return epochMillis;
    }

    /** ISO-8601 UTC, such as {@code 2016-07-01T00:00:00Z}; milliseconds appear only when non-zero. */
    public static String format(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }

    private static boolean isEpochDigits(String s) {
        int start = s.charAt(0) == '-' ? 1 : 0;
        if (start == s.length()) {
            return false;
        }
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static String detail(DateTimeParseException e, String text) {
        String prefix = "Text '" + text + "' ";
        String m = e.getMessage();
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    private static long parseIso(String s) {
        // ISO-8601 allows a space for the 'T' by mutual agreement; CSV exports commonly use it.
        String iso = s.length() > 10 && s.charAt(10) == ' ' ? s.substring(0, 10) + 'T' + s.substring(11) : s;
        try {
            TemporalAccessor t = ISO.parseBest(iso, ZonedDateTime::from, LocalDateTime::from, LocalDate::from);
            if (t instanceof ZonedDateTime z) {
                return z.toInstant().toEpochMilli();
            }
            if (t instanceof LocalDateTime l) {
                return l.toInstant(ZoneOffset.UTC).toEpochMilli();
            }
            return ((LocalDate) t).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("unparseable timestamp '" + s + "': " + EXPECTED
                    + " (" + detail(e, iso) + ")");
        } catch (DateTimeException | ArithmeticException e) {
            throw new IllegalArgumentException("timestamp out of range: '" + s + "': " + e.getMessage());
        }
    }
}
