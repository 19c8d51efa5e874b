package dev.streamforecast.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time spent on the machine, by this process and by everything else, from Linux's {@code /proc}:
 * on a shared machine it says how much of the CPU a benchmark had to itself. Elsewhere the figures are
 * NaN.
 */
final class CpuTime {
    /** Ticks of all CPUs together: busy ones (steal included: a hypervisor's other guests) and all. */
    private final long busy;
    private final long total;
    /** Ticks this process ran, user and system. */
    private final long own;
    private final int cpus;

    private CpuTime(long busy, long total, long own, int cpus) {
        this.busy = busy;
        this.total = total;
        this.own = own;
        this.cpus = cpus;
    }

    /** The counters now; all -1 where {@code /proc} cannot be read. */
    static CpuTime now() {
        try {
            List<String> stat = Files.readAllLines(Path.of("/proc/stat"));
            int cpus = (int) stat.stream().filter(l -> l.matches("cpu\\d+ .*")).count();
            // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is within user)
            String[] cpu = stat.get(0).trim().split("\\s+");
            long[] t = new long[8];
            for (int i = 0; i < t.length; i++) {
                t[i] = Long.parseLong(cpu[i + 1]);
            }
            long busy = t[0] + t[1] + t[2] + t[5] + t[6] + t[7];
            long total = busy + t[3] + t[4];
            // after the command name, which may hold spaces: state is field 3, utime and stime 14 and 15
            String self = Files.readString(Path.of("/proc/self/stat"));
            String[] f = self.substring(self.lastIndexOf(')') + 2).split(" ");
            long own = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return new CpuTime(busy, total, own, cpus);
        } catch (IOException | RuntimeException e) {
            return new CpuTime(-1, -1, -1, 0);
        }
    }

    /**
     * Cores' worth of CPU that other processes used between {@code start} and this; never below zero,
     * which tick rounding between the two counters could otherwise give on an idle machine.
     */
    double otherCoresSince(CpuTime start) {
        return Math.max(0, cores(start, (busy - own) - (start.busy - start.own)));
    }

    /** Cores' worth of CPU that this process used between {@code start} and this. */
    double ownCoresSince(CpuTime start) {
        return cores(start, own - start.own);
    }

    private double cores(CpuTime start, long ticks) {
        if (total < 0 || start.total < 0 || total == start.total) {
            return Double.NaN;
        }
        return ticks / (double) (total - start.total) * cpus;
    }
}
