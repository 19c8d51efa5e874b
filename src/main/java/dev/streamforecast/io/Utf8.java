package dev.streamforecast.io;

/**
 * Strict UTF-8 checks on raw bytes, without decoding them: what input decoders need to refuse bad bytes
 * with a position, and what dead letters need to keep a payload as text only when it is text.
 *
 * <p>Strict means RFC 3629: no overlong forms, no encoded surrogates (U+D800..U+DFFF), nothing above
 * U+10FFFF. The JDK's decoder agrees ({@code Utf8Test} checks it against this one).
 */
public final class Utf8 {
    private Utf8() {}

    /** The index of the first byte of {@code b[from, to)} that does not start a complete, valid sequence, or -1. */
    public static int invalidAt(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            int n = sequenceLength(b, i, to);
            if (n <= 0) {
                return i;
            }
            i += n;
        }
        return -1;
    }

    /** Why {@code b} is refused when its first bad byte is at {@code bad}: "invalid UTF-8 at byte 13 of the line (0xFF)". */
    public static String describe(byte[] b, int bad, String whole) {
        return "invalid UTF-8 at byte " + (bad + 1) + " of the " + whole + " (0x"
                + Character.toUpperCase(Character.forDigit((b[bad] >> 4) & 0xF, 16))
                + Character.toUpperCase(Character.forDigit(b[bad] & 0xF, 16)) + ")";
    }

    /** The index of the first unpaired surrogate in {@code s}, or -1: such a string has no UTF-8 form. */
    public static int unpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether all of {@code b} is valid UTF-8. */
    public static boolean isValid(byte[] b) {
        return invalidAt(b, 0, b.length) < 0;
    }

    /**
     * Where to cut {@code b} to keep at most {@code max} bytes without splitting a character: {@code max}
     * itself unless the byte there continues a character begun before it, in which case the cut moves
     * back to that character's first byte (by at most three bytes, so invalid input is cut near
     * {@code max} too).
     */
    public static int cut(byte[] b, int max) {
        if (max >= b.length) {
            return b.length;
        }
        int k = max;
        while (k > 0 && k > max - 3 && (b[k] & 0xC0) == 0x80) {
            k--;
        }
        return (b[k] & 0xC0) == 0xC0 ? k : max;
    }

    /**
     * The length of the valid multi-byte sequence starting at {@code b[i]} (a byte of 0x80 or more), or 0
     * if it is invalid or ends before {@code to}.
     */
    private static int sequenceLength(byte[] b, int i, int to) {
        int lead = b[i] & 0xFF;
        int n;
        int min2;
        int max2;
        if (lead >= 0xC2 && lead <= 0xDF) {
            n = 2;
            min2 = 0x80;
            max2 = 0xBF;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            n = 3;
            // E0: no overlongs below U+0800; ED: no surrogates U+D800..U+DFFF
            min2 = lead == 0xE0 ? 0xA0 : 0x80;
            max2 = lead == 0xED ? 0x9F : 0xBF;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            n = 4;
            // F0: no overlongs below U+10000; F4: nothing above U+10FFFF
            min2 = lead == 0xF0 ? 0x90 : 0x80;
            max2 = lead == 0xF4 ? 0x8F : 0xBF;
        } else {
            return 0;
        }
        if (i + n > to) {
            return 0;
        }
        int second = b[i + 1] & 0xFF;
        if (second < min2 || second > max2) {
            return 0;
        }
        for (int k = 2; k < n; k++) {
            if ((b[i + k] & 0xC0) != 0x80) {
                return 0;
            }
        }
        return n;
    }
}
