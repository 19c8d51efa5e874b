package dev.streamforecast.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Rounding of doubles to 8 significant bits (bfloat16's precision, float32's range), and the two-byte
 * form such values are stored in: for what a key keeps many of but needs only roughly, its forecasts
 * kept for learning when their targets arrive. A relative error of at most 2^-9 (0.2%) of a forecast's
 * change from its event's value is far below the forecast's own error, and halves the stored size of
 * the longest arrays a key holds at many steps ahead.
 *
 * <p>The rounding is Veltkamp's split with 2^45 + 1 (valid for |x| below 2^978), deterministic on every
 * machine. As {@link Float32} does, a value the form does not hold (beyond float32's normal range) is
 * stored by {@link #write} as an escape in the block and, after it, the whole double: storage is
 * lossless for every value this class rounded.
 */
public final class BFloat16 {
    private static final double SPLIT = 0x1p45 + 1;
    /** A NaN pattern {@link #write} never writes for a value: marks one stored as a double. */
    static final short ESCAPE = (short) 0x7f81;
    private static final short CANONICAL_NAN = (short) 0x7fc0;

    private BFloat16() {}

    /** {@code x} rounded to 8 significant bits. */
    public static double round(double x) {
        double c = x * SPLIT;
        return c - (c - x);
    }

    /** Rounds {@code a[from, to)} in place. */
    public static void round(double[] a, int from, int to) {
        for (int k = from; k < to; k++) {
            a[k] = round(a[k]);
        }
    }

    /** The two bytes of {@code x} (which {@link #round} gave), or {@link #ESCAPE} when they cannot hold it. */
    private static short bits(double x) {
        if (Double.isNaN(x)) {
            return CANONICAL_NAN;
        }
        float f = (float) x;
        int b = Float.floatToRawIntBits(f);
        boolean normalOrZero = f == 0 || (Math.getExponent(f) >= Float.MIN_EXPONENT && Math.getExponent(f) <= Float.MAX_EXPONENT);
        return f == x && normalOrZero && (b & 0xffff) == 0 ? (short) (b >>> 16) : ESCAPE;
    }

    /**
     * Writes {@code a}'s values as one block of two-byte values, then the number of values the form does
     * not hold and those values as doubles, in order.
     */
    public static void write(DataOutput out, double[] a) throws IOException {
        out.writeInt(a.length);
        byte[] block = Float32.scratch(2 * a.length);
        int escapes = 0;
        for (int k = 0; k < a.length; k++) {
            short s = bits(a[k]);
            escapes += s == ESCAPE ? 1 : 0;
            SHORTS.set(block, 2 * k, s);
        }
        out.write(block, 0, 2 * a.length);
        out.writeInt(escapes);
        for (int k = 0; escapes > 0 && k < a.length; k++) {
            if ((short) SHORTS.get(block, 2 * k) == ESCAPE) {
                out.writeDouble(a[k]);
                escapes--;
            }
        }
    }

    /** Reads what {@link #write} wrote into an array of the length it gives. */
    public static double[] read(DataInput in, int limit) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > limit) {
            throw new IOException("corrupt two-byte block of " + n + " values");
        }
        double[] into = new double[n];
        byte[] block = Float32.scratch(2 * n);
        in.readFully(block, 0, 2 * n);
        for (int k = 0; k < n; k++) {
            into[k] = Float.intBitsToFloat(((short) SHORTS.get(block, 2 * k)) << 16);
        }
        int escapes = in.readInt();
        for (int k = 0; escapes > 0 && k < n; k++) {
            if ((short) SHORTS.get(block, 2 * k) == ESCAPE) {
                into[k] = in.readDouble();
                escapes--;
            }
        }
        if (escapes != 0) {
            throw new IOException("corrupt two-byte block: " + escapes + " escaped values without a mark");
        }
        return into;
    }

    /** Big-endian shorts in a byte array: the order DataOutput writes. */
    private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
}
