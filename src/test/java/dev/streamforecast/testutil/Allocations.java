package dev.streamforecast.testutil;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Assumptions;

/** Bytes the current thread allocates, for tests that promise a hot path allocates nothing. */
public final class Allocations {
    private Allocations() {}

    /** What {@code work} allocated on this thread; skips the test where the JVM cannot tell. */
    public static long measure(Runnable work) {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
        long id = Thread.currentThread().getId();
        long start = mx.getThreadAllocatedBytes(id);
        work.run();
        return mx.getThreadAllocatedBytes(id) - start;
    }
}
