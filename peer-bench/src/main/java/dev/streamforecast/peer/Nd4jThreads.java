package dev.streamforecast.peer;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * ND4J's thread settings as it took them at start-up, read back.
 *
 * <p>When the backend starts, ND4J sizes four things from {@code OMP_NUM_THREADS}, else from the core
 * count: libnd4j's OpenMP threads, its own thread pool, how many of the pool's threads one operation
 * may use at once (its "master" threads), and OpenBLAS's threads. {@link ThreadEnvironment} sets the
 * variable for the benchmark's forks; {@link #requireOne} checks that it took.
 */
public final class Nd4jThreads {
    private Nd4jThreads() {}

    /** OpenMP's threads, the pool's size, the pool's threads per operation, OpenBLAS's threads. */
    public static int[] counts() {
        // the backend's start-up loads the configuration NativeOpsHolder needs
        Nd4j.getBackend();
        return new int[] {
            NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads(),
            Nd4j.getEnvironment().maxThreads(),
            Nd4j.getEnvironment().maxMasterThreads(),
            Nd4j.factory().blas().getMaxThreads(),
        };
    }

    /** The most threads any of them has. */
    public static int most() {
        int most = 0;
        for (int c : counts()) {
            most = Math.max(most, c);
        }
        return most;
    }

    /** Fails unless every count is one. */
    public static void requireOne() {
        for (int c : counts()) {
            if (c != 1) {
                throw new IllegalStateException("ND4J is not on one thread: " + describe());
            }
        }
    }

    public static String describe() {
        int[] c = counts();
        return "openmp " + c[0] + ", pool " + c[1] + " (" + c[2] + " per operation), openblas " + c[3] + ", "
                + ThreadEnvironment.VARIABLE + "=" + System.getenv(ThreadEnvironment.VARIABLE);
    }
}
