package dev.streamforecast.app;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintWriter;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Ends the process at once, with one line naming the way out, when memory runs out: never a hang.
 *
 * <p>An {@link OutOfMemoryError} in a local Flink cluster does not end the process by itself. A task
 * that throws one fails; the mini cluster's TaskManager, told of a fatal error, closes, and the job
 * waits for slots that never come back, or restarts into the same wall; meanwhile every thread that
 * allocates throws again, Flink's handlers and the JVM's signal handlers among them, so even SIGTERM
 * can go unanswered. Flink's own {@code taskmanager.jvm-exit-on-oom} halts the JVM with nothing said
 * outside the log file. So the process watches for itself, and ends at the first of:
 * <ul>
 *   <li>a full collection that leaves the heap more than {@link #FULL_SHARE} full;</li>
 *   <li>the collector taking more than {@link #COLLECTING_SHARE} of the time over
 *       {@link #WINDOW_MS} ms: the process is collecting, not working (a watch thread that needs no
 *       notification, which the JVM may fail to allocate);</li>
 *   <li>an {@code OutOfMemoryError} that reaches a thread's end, or the command's, anywhere in a
 *       failure's causes (a job failed by a task that ran out), or is thrown while watching.</li>
 * </ul>
 * It then writes {@code <command>: out of memory ...} on stderr, a line encoded when the process
 * started since nothing may be allocated by then, and halts with {@link #EXIT_CODE}, running no
 * shutdown hook (a hook could wait on a thread that cannot allocate). The {@code forecaster} script
 * also starts Java with {@code -XX:+ExitOnOutOfMemoryError}, which ends the process on an error thrown
 * where none of this sees it, with the JVM's own line.
 */
final class OutOfMemory {
    /** The exit code, the one {@code -XX:+ExitOnOutOfMemoryError} gives too. */
    static final int EXIT_CODE = 3;
    /** A full collection that leaves more than this share of the heap in use ends the process. */
    static final double FULL_SHARE = 0.95;
    /** Collecting more than this share of the time over {@link #WINDOW_MS} ends the process. */
    static final double COLLECTING_SHARE = 0.9;
    static final long WINDOW_MS = 5_000;
    private static final long SAMPLE_MS = 250;

    private static final FileOutputStream STDERR = new FileOutputStream(FileDescriptor.err);
    /** The line, encoded while memory was there; null until {@link #install}. */
    private static volatile byte[] line;
    /** Room to end in, given back first. */
    private static volatile byte[] reserve;

    private OutOfMemory() {}

    /** Watches the heap and every thread for the rest of the process; {@code name} prefixes the line. */
    static void install(String name) {
        line = (message(name, null) + System.lineSeparator()).getBytes(StandardCharsets.UTF_8);
        reserve = new byte[1 << 20];
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            try {
                if (find(e) != null) {
                    halt();
                }
            } catch (Throwable inHandler) {
                halt(); // even finding the cause ran out: a second error must not escape the handler
            }
            if (previous != null) {
                previous.uncaughtException(t, e);
            } else {
                // what the JVM prints without a handler
                System.err.print("Exception in thread \"" + t.getName() + "\" ");
                e.printStackTrace(System.err);
            }
        });
        watchFullCollections();
        Thread watch = new Thread(OutOfMemory::watchCollectingTime, "out-of-memory watch");
        watch.setDaemon(true);
        watch.start();
    }

    /** After each full collection, the heap still more than {@link #FULL_SHARE} full ends the process. */
    private static void watchFullCollections() {
        Set<String> heapPools = new HashSet<>();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                heapPools.add(p.getName());
            }
        }
        long max = Runtime.getRuntime().maxMemory();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!(gc instanceof NotificationEmitter)) {
                continue;
            }
            ((NotificationEmitter) gc).addNotificationListener((n, handback) -> {
                try {
                    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                        return;
                    }
                    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                            (CompositeData) n.getUserData());
                    if (!info.getGcAction().contains("major")) {
                        return;
                    }
                    long used = 0;
                    for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                        if (heapPools.contains(e.getKey())) {
                            used += e.getValue().getUsed();
                        }
                    }
                    if (used > FULL_SHARE * max) {
                        halt();
                    }
                } catch (OutOfMemoryError e) {
                    halt();
                }
            }, null, null);
        }
    }

    /** Every {@link #SAMPLE_MS}: the stop-the-world collectors' share of the last {@link #WINDOW_MS}. */
    private static void watchCollectingTime() {
        List<GarbageCollectorMXBean> collectors = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            // a concurrent collector's time is not time the process stood still
            if (!gc.getName().contains("Concurrent")) {
                collectors.add(gc);
            }
        }
        int n = (int) (WINDOW_MS / SAMPLE_MS) + 1;
        long[] at = new long[n];
        long[] collecting = new long[n];
        try {
            for (long i = 0; ; i++) {
                int now = (int) (i % n);
                at[now] = System.nanoTime() / 1_000_000;
                collecting[now] = 0;
                for (int c = 0; c < collectors.size(); c++) {
                    collecting[now] += Math.max(0, collectors.get(c).getCollectionTime());
                }
                if (i >= n - 1) {
                    int oldest = (int) ((i + 1) % n);
                    long wall = at[now] - at[oldest];
                    if (wall > 0 && collecting[now] - collecting[oldest] > COLLECTING_SHARE * wall) {
                        halt();
                    }
                }
                Thread.sleep(SAMPLE_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (OutOfMemoryError e) {
            halt();
        }
    }

    /**
     * Writes the line and halts the process; nothing here allocates. The first thread to get here holds
     * the lock until the process ends, so the line is written once however many threads run out at once.
     */
    private static void halt() {
        synchronized (HALTING) {
            reserve = null;
            try {
                STDERR.write(line);
            } catch (Throwable ignored) {
                // the exit code still says it
            } finally {
                Runtime.getRuntime().halt(EXIT_CODE);
            }
        }
    }

    private static final Object HALTING = new Object();

    /** The first {@link OutOfMemoryError} among {@code e} and its causes, or null. */
    static OutOfMemoryError find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return (OutOfMemoryError) t;
            }
        }
        return null;
    }

    /**
     * Says on {@code err} that memory ran out ({@code what}) and how to give more; ends the process if
     * {@link #install} ran, otherwise (the command line run inside another program) returns the exit code.
     */
    static int end(String name, String what, PrintWriter err) {
        if (line != null) {
            halt();
        }
        err.println(message(name, what));
        err.flush();
        return EXIT_CODE;
    }

    /** The line: what ran out ({@code what}, if known), the heap there was, and how to give more. */
    private static String message(String name, String what) {
        long max = Runtime.getRuntime().maxMemory();
        return name + ": out of memory (" + (what == null ? "" : what + "; ") + "a heap of " + HeapEstimate.size(max)
                + "): " + largerHeap(2.0 * max, name) + "; with many keys, model.scope=shared or keyed state in "
                + "RocksDB (--set flink.state.backend.type=rocksdb) needs less of it";
    }

    /** How to start the command with a heap of at least {@code bytes}, rounded up to whole gigabytes. */
    static String largerHeap(double bytes, String name) {
        long gb = Math.max(1, (long) Math.ceil(bytes / (1L << 30)));
        return "give Java a larger heap: FORECASTER_JAVA_OPTS=-Xmx" + gb + "g ./forecaster " + name
                + " ..., or java -Xmx" + gb + "g -jar target/forecaster.jar " + name + " ...";
    }
}
