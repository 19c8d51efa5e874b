package dev.streamforecast.app;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.PrintWriter;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.HashSet;
import java.util.Locale;
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
 * outside the log file. So the process watches for itself:
 * <ul>
 *   <li>after each full collection, the heap still more than {@link #FULL_SHARE} full: the process
 *       would spend its time collecting and then fail, so it ends now;</li>
 *   <li>an {@code OutOfMemoryError} that reaches a thread's end, or the command's, anywhere in a
 *       failure's causes (a job failed by a task that ran out).</li>
 * </ul>
 * Either prints {@code <command>: out of memory ...} on stderr and halts with {@link #EXIT_CODE},
 * running no shutdown hook (a hook could wait on a thread that cannot allocate). The {@code forecaster}
 * script also starts Java with {@code -XX:+ExitOnOutOfMemoryError}, which ends the process on an error
 * thrown where nothing above sees it, with the JVM's own line.
 */
final class OutOfMemory {
    /** The exit code, the one {@code -XX:+ExitOnOutOfMemoryError} gives too. */
    static final int EXIT_CODE = 3;
    /** A full collection that leaves more than this share of the heap in use ends the process. */
    static final double FULL_SHARE = 0.95;

    private static volatile String command;
    /** Room to print the line in, given back first. */
    private static volatile byte[] reserve;

    private OutOfMemory() {}

    /** Watches the heap and every thread for the rest of the process; {@code name} prefixes the line. */
    static void install(String name) {
        command = name;
        reserve = new byte[1 << 20];
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            OutOfMemoryError oom = find(e);
            if (oom != null) {
                end(name, oom.getMessage());
            } else if (previous != null) {
                previous.uncaughtException(t, e);
            } else {
                // what the JVM prints without a handler
                System.err.print("Exception in thread \"" + t.getName() + "\" ");
                e.printStackTrace(System.err);
            }
        });
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
                    end(name, String.format(Locale.ROOT, "the heap is %.0f%% full after a full collection",
                            100.0 * used / max));
                }
            }, null, null);
        }
    }

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
     * Says on stderr that memory ran out and how to give more, then halts the process if
     * {@link #install} ran; otherwise (the command line run inside another program) returns the exit code.
     */
    static int end(String name, String what) {
        return end(name, what, new PrintWriter(System.err, true));
    }

    /** {@link #end(String, String)}, said on {@code err}. */
    static int end(String name, String what, PrintWriter err) {
        reserve = null;
        long max = Runtime.getRuntime().maxMemory();
        err.println(name + ": out of memory (" + what + "; a heap of " + HeapEstimate.size(max) + "): "
                + largerHeap(2.0 * max, name) + "; with many keys, model.scope=shared or keyed state in RocksDB "
                + "(--set flink.state.backend.type=rocksdb) needs less of it");
        err.flush();
        if (command != null) {
            Runtime.getRuntime().halt(EXIT_CODE);
        }
        return EXIT_CODE;
    }

    /** How to start the command with a heap of at least {@code bytes}, rounded up to whole gigabytes. */
    static String largerHeap(double bytes, String name) {
        long gb = Math.max(1, (long) Math.ceil(bytes / (1L << 30)));
        return "give Java a larger heap: FORECASTER_JAVA_OPTS=-Xmx" + gb + "g ./forecaster " + name
                + " ..., or java -Xmx" + gb + "g -jar target/forecaster.jar " + name + " ...";
    }
}
