package dev.streamforecast.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Rounding of doubles to float32 precision in arithmetic the JIT vectorises, and the four-byte form
 * such values are stored in.
 *
 * <p>Parameters and optimiser moments are computed in double precision but rounded to 24 significant
 * bits after every change, so the binary state form stores them in four bytes each and a restored key
 * continues bit for bit. A {@code (float)} cast would round too, but it stops C2 (JDK 17) vectorising
 * the optimiser loop it sits in, which then costs five times as much; so does any clamp or test of
 * the magnitude, so none is made here.
 *
 * <p>The rounding is Veltkamp's split: {@code c = x (2^29 + 1); hi = c - (c - x)} keeps the 24 leading
 * bits of x, rounded to nearest (valid for |x| below 2^994). Every result in float's normal range is a
 * float. The rare result a float does not hold (below float's smallest normal number, about 1.2e-38,
 * where an Adam moment decays after hundreds of zero gradients, or above its largest) is stored by
 * {@link #write} as an escape and, after the block, the whole double, so storage is lossless for
 * every value.
 */
public final class Float32 {
    private static final double SPLIT = 536_870_913.0; // 2^29 + 1
    /** A NaN bit pattern that Java never produces for a float NaN: marks a value stored as a double. */
    static final int ESCAPE = 0x7f80_0bad;
    private static final int CANONICAL_NAN = 0x7fc0_0000;

    private Float32() {}

    /** {@code x} rounded to 24 significant bits. */
    public static double round(double x) {
        double c = x * SPLIT;
        return c - (c - x);
    }

    /** Rounds every element of {@code a} in place. */
    public static void round(double[] a) {
        for (int k = 0; k < a.length; k++) {
            a[k] = round(a[k]);
        }
    }

    /** Rounds every element of every tensor in place. */
    public static void round(double[][] tensors) {
        for (double[] t : tensors) {
            round(t);
        }
    }

    /** Whether {@code x} survives a trip through a float unchanged (NaN counts as surviving). */
    public static boolean isExact(double x) {
        return Double.isNaN(x) || (double) (float) x == x;
    }

    /**
     * Writes {@code a}'s values as one block of four-byte floats, then the number of values a float does
     * not hold and those values as doubles, in order; each is marked by an escape in the block. One
     * block keeps the form fixed-width, so it is written and read in one piece.
     */
    public static void write(DataOutput out, double[] a) throws IOException {
        write(out, a, scratch(4 * a.length));
    }

    /**
     * {@link #write(DataOutput, double[])} through {@code block}, at least 4 bytes per value: a caller
     * writing many arrays fetches its thread's buffer once ({@link #scratch}), not once per array (a
     * thread-local lookup that on a Flink task thread took as long as converting a column of weights).
     */
    static void write(DataOutput out, double[] a, byte[] block) throws IOException {
        int escapes = 0;
        for (int k = 0; k < a.length; k++) {
            double x = a[k];
            float f = (float) x;
            int bits;
            if (f == x) {
                bits = Float.floatToRawIntBits(f); // keeps the sign of zero
            } else if (Double.isNaN(x)) {
                bits = CANONICAL_NAN;
            } else {
                bits = ESCAPE;
                escapes++;
            }
            INTS.set(block, 4 * k, bits);
        }
        out.write(block, 0, 4 * a.length);
        out.writeInt(escapes);
        for (int k = 0; escapes > 0 && k < a.length; k++) {
            if ((int) INTS.get(block, 4 * k) == ESCAPE) {
                out.writeDouble(a[k]);
                escapes--;
            }
        }
    }

    /** Reads {@code into.length} values {@link #write(DataOutput, double[])} wrote. */
    public static void read(DataInput in, double[] into) throws IOException {
        read(in, into, scratch(4 * into.length));
    }

    /** {@link #read(DataInput, double[])} through {@code block}, at least 4 bytes per value. */
    static void read(DataInput in, double[] into, byte[] block) throws IOException {
        in.readFully(block, 0, 4 * into.length);
        for (int k = 0; k < into.length; k++) {
            into[k] = Float.intBitsToFloat((int) INTS.get(block, 4 * k));
        }
        int escapes = in.readInt();
        for (int k = 0; escapes > 0 && k < into.length; k++) {
            if ((int) INTS.get(block, 4 * k) == ESCAPE) {
                into[k] = in.readDouble();
                escapes--;
            }
        }
        if (escapes != 0) {
            throw new IOException("corrupt float block: " + escapes + " escaped values without a mark");
        }
    }

    /** Big-endian ints in a byte array: the order DataOutput writes. */
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[1 << 16]);

    /** A per-thread buffer of at least {@code bytes}: serializers run on many task threads at once. */
    static byte[] scratch(int bytes) {
        byte[] b = SCRATCH.get();
        if (b.length < bytes) {
            b = new byte[Math.max(bytes, 2 * b.length)];
            SCRATCH.set(b);
        }
        return b;
    }
}
