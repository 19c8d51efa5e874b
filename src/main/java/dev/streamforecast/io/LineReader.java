package dev.streamforecast.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a text file's lines as the bytes they are, numbered, each checked as UTF-8 on its own: a bad byte
 * or an endless line spoils its line only, and the caller still has the line's exact bytes for a dead
 * letter.
 *
 * <p>Lines end at {@code \n}, {@code \r\n} or a lone {@code \r}, as {@link java.io.BufferedReader} has
 * it; the end is not part of the line. A UTF-8 byte order mark at the start of the file is dropped. A line
 * longer than {@link #MAX_LINE_BYTES} is not held whole: its first {@code MAX_LINE_BYTES} bytes are kept
 * and {@link Line#length} says how long it was.
 */
public final class LineReader implements Closeable {
    /** The longest line read whole: 4 MiB, far beyond any CSV row or JSON event, far below the heap. */
    public static final int MAX_LINE_BYTES = 4 << 20;

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;
    private boolean endOfInput;
    private boolean skipLineFeed;
    private long number;
    private byte[] line = new byte[256];

    public LineReader(InputStream in) {
        this(in, MAX_LINE_BYTES);
    }

    LineReader(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * One line of the file.
     *
     * @param number 1-based line number
     * @param bytes the line as read, without its end; its first {@link #MAX_LINE_BYTES} bytes if longer
     * @param length the line's length in bytes, more than {@code bytes.length} when it was too long
     * @param text the line decoded, or null when it has a {@code problem}
     * @param problem why the line cannot be read as text (invalid UTF-8, too long), or null
     */
    public record Line(long number, byte[] bytes, long length, String text, String problem) {
        /** A readable line of nothing but white space. */
        public boolean isBlank() {
            return text != null && text.isBlank();
        }
    }

    /** The next line, or null at the end of the input. */
    public Line next() throws IOException {
        int kept = 0;
        long length = 0;
        boolean sawAny = false;
        while (true) {
            if (position == limit && !fill()) {
                if (!sawAny) {
                    return null;
                }
                break;
            }
            byte c = buffer[position];
            if (skipLineFeed) {
                skipLineFeed = false;
                if (c == '\n') {
                    position++;
                    continue;
                }
            }
            sawAny = true;
            position++;
            if (c == '\n') {
                break;
            }
            if (c == '\r') {
                skipLineFeed = true;
                break;
            }
            if (kept < maxLineBytes) {
                if (kept == line.length) {
                    line = Arrays.copyOf(line, (int) Math.min(maxLineBytes, 2L * line.length));
                }
                line[kept++] = c;
            }
            length++;
        }
        number++;
        int start = number == 1 && kept >= 3 && (line[0] & 0xFF) == 0xEF && (line[1] & 0xFF) == 0xBB
                && (line[2] & 0xFF) == 0xBF ? 3 : 0;
        byte[] bytes = Arrays.copyOfRange(line, start, kept);
        length -= start;
        if (line.length > 1 << 16) {
            line = new byte[256]; // do not hold on to a long line's buffer
        }
        if (length > bytes.length) {
            return new Line(number, bytes, length, null, "line of " + length + " bytes is longer than the limit of "
                    + maxLineBytes + " bytes");
        }
        int bad = Utf8.invalidAt(bytes, 0, bytes.length);
        if (bad >= 0) {
            return new Line(number, bytes, length, null, Utf8.describe(bytes, bad, "line"));
        }
        return new Line(number, bytes, length, new String(bytes, StandardCharsets.UTF_8), null);
    }

    /** The number of the last line returned (0 before the first). */
    public long number() {
        return number;
    }

    private boolean fill() throws IOException {
        if (endOfInput) {
            return false;
        }
        int n = in.read(buffer, 0, buffer.length);
        if (n <= 0) {
            endOfInput = n < 0;
            position = 0;
            limit = 0;
            return !endOfInput && fill();
        }
        position = 0;
        limit = n;
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
