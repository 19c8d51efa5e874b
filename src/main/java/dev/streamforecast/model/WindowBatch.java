package dev.streamforecast.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * Training windows gathered from many keys for one batched update of a shared network: each window's
 * carried state at its start, its scaled inputs (a row per step), its targets (a row of one per output
 * per step) and how many of each step's have arrived, its length, and the key it came from (a 64-bit
 * hash), so that a batch never holds two windows of one key.
 *
 * <p>Sized once for {@code capacity} windows of up to {@code steps} steps; {@link #add} copies a
 * window in, {@link #clear} empties the batch without allocating. Windows wait here until the batch is
 * applied, so the batch is part of the shared network's checkpointed state ({@link #writeTo}).
 */
public final class WindowBatch {
    final int capacity;
    final int steps;
    final int inputSize;
    final int stateSize;
    final int outputs;
    final double[][] starts;
    final double[][] inputs;
    final double[][] targets;
    final int[][] available;
    final int[] lengths;
    final long[] keys;
    int size;

    public WindowBatch(int capacity, int steps, int inputSize, int stateSize, int outputs) {
        if (capacity < 1 || steps < 1) {
            throw new IllegalArgumentException("a batch needs room for a window of a step, got " + capacity
                    + " windows of " + steps);
        }
        this.capacity = capacity;
        this.steps = steps;
        this.inputSize = inputSize;
        this.stateSize = stateSize;
        this.outputs = outputs;
        starts = new double[capacity][stateSize];
        inputs = new double[capacity][steps * inputSize];
        targets = new double[capacity][steps * outputs];
        available = new int[capacity][steps];
        lengths = new int[capacity];
        keys = new long[capacity];
    }

    /** Windows held. */
    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    public boolean full() {
        return size == capacity;
    }

    /** Whether a window of the key with hash {@code key} is held. */
    public boolean holds(long key) {
        for (int i = 0; i < size; i++) {
            if (keys[i] == key) {
                return true;
            }
        }
        return false;
    }

    /**
     * Copies in a window of {@code length} steps: the carried state before its first step, its inputs
     * (a row of {@code inputSize} per step), targets (a row of {@code outputs} per step) and how many of
     * each step's targets are known. The batch must not be full.
     */
    public void add(long key, double[] start, double[] xs, double[] ys, int[] known, int length) {
        if (size == capacity) {
            throw new IllegalStateException("the batch is full (" + capacity + " windows)");
        }
        if (length < 1 || length > steps) {
            throw new IllegalArgumentException("window of " + length + " steps outside [1, " + steps + "]");
        }
        int i = size++;
        keys[i] = key;
        lengths[i] = length;
        System.arraycopy(start, 0, starts[i], 0, stateSize);
        System.arraycopy(xs, 0, inputs[i], 0, length * inputSize);
        Arrays.fill(inputs[i], length * inputSize, steps * inputSize, 0.0);
        System.arraycopy(ys, 0, targets[i], 0, length * outputs);
        Arrays.fill(targets[i], length * outputs, steps * outputs, 0.0);
        System.arraycopy(known, 0, available[i], 0, length);
        Arrays.fill(available[i], length, steps, 0);
    }

    public void clear() {
        size = 0;
    }

    /** The windows, bit for bit: what a checkpoint holds of a batch not yet applied. */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(size);
        out.writeInt(steps);
        out.writeInt(inputSize);
        out.writeInt(stateSize);
        out.writeInt(outputs);
        for (int i = 0; i < size; i++) {
            out.writeLong(keys[i]);
            out.writeInt(lengths[i]);
            for (double v : starts[i]) {
                out.writeDouble(v);
            }
            for (int k = 0; k < lengths[i] * inputSize; k++) {
                out.writeDouble(inputs[i][k]);
            }
            for (int t = 0; t < lengths[i]; t++) {
                out.writeInt(available[i][t]);
                for (int o = 0; o < available[i][t]; o++) {
                    out.writeDouble(targets[i][t * outputs + o]);
                }
            }
        }
    }

    /**
     * Reads what {@link #writeTo} wrote, or, {@code legacy}, what the one-output form before it wrote (no
     * count of outputs, one target a step): a batch holding just those windows (room for one if there are
     * none), to be gathered again into a batch of any capacity.
     *
     * @throws IOException if its windows are shaped otherwise than {@code steps} steps of {@code inputSize}
     *     inputs from a state of {@code stateSize}, with {@code outputs} targets a step
     */
    public static WindowBatch readFrom(DataInput in, int steps, int inputSize, int stateSize, int outputs,
            boolean legacy) throws IOException {
        int n = in.readInt();
        int writtenSteps = in.readInt();
        int writtenInputs = in.readInt();
        int writtenState = in.readInt();
        int writtenOutputs = legacy ? 1 : in.readInt();
        if (n < 0 || n > (1 << 20)) {
            throw new IOException("corrupt batch of " + n + " windows");
        }
        if (writtenSteps != steps || writtenInputs != inputSize || writtenState != stateSize
                || writtenOutputs != outputs) {
            throw new IOException("the gathered windows have " + writtenSteps + " steps of " + writtenInputs
                    + " inputs from a state of " + writtenState + " with " + writtenOutputs + " outputs; this job's have "
                    + steps + " of " + inputSize + " from " + stateSize + " with " + outputs);
        }
        WindowBatch b = new WindowBatch(Math.max(n, 1), steps, inputSize, stateSize, outputs);
        double[] start = new double[stateSize];
        double[] xs = new double[steps * inputSize];
        double[] ys = new double[steps * outputs];
        int[] known = new int[steps];
        for (int i = 0; i < n; i++) {
            long key = in.readLong();
            int length = in.readInt();
            if (length < 1 || length > steps) {
                throw new IOException("corrupt batch: a window of " + length + " steps");
            }
            for (int k = 0; k < stateSize; k++) {
                start[k] = in.readDouble();
            }
            for (int k = 0; k < length * inputSize; k++) {
                xs[k] = in.readDouble();
            }
            for (int t = 0; t < length; t++) {
                known[t] = legacy ? 1 : in.readInt();
                if (known[t] < 0 || known[t] > outputs) {
                    throw new IOException("corrupt batch: " + known[t] + " targets of a step");
                }
                for (int o = 0; o < known[t]; o++) {
                    ys[t * outputs + o] = in.readDouble();
                }
            }
            b.add(key, start, xs, ys, known, length);
        }
        return b;
    }
}
