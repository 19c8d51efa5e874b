package dev.streamforecast.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The figures a benchmark run produced, printed together at the end as one {@code name=value unit} line
 * each, so that runs are easy to compare and to track over time.
 */
public final class Figures {
    private final List<String> lines = new ArrayList<>();

    /** Records a figure and echoes it to stderr as progress. */
    public void add(String name, double value, String unit) {
        String line = String.format(Locale.ROOT, "%s=%.4g %s", name, value, unit);
        lines.add(line);
        System.err.println("bench: " + line);
    }

    /** Every figure recorded so far, in order. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    public void print(PrintStream out) {
        for (String line : lines) {
            out.println(line);
        }
    }
}
