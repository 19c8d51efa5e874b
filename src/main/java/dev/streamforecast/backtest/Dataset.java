package dev.streamforecast.backtest;

import dev.streamforecast.io.CsvReaders;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The series of one wide CSV file held in memory, for replaying them under a {@link Protocol}.
 *
 * @param name the file name without {@code .csv}
 * @param series each column's values in file order, by column name, in column order
 * @param timestamps each row's epoch milliseconds
 */
public record Dataset(String name, Map<String, double[]> series, long[] timestamps) {

    /**
     * Reads the first {@code maxRows} rows of a {@code csv-wide} file (all rows if negative).
     *
     * @throws IOException on any bad row: a benchmark on partly-read data would not be comparable
     */
    public static Dataset readWide(Path file, int maxRows) throws IOException {
        List<CsvReaders.RowError> errors = new ArrayList<>();
        Map<String, Growable> columns = new LinkedHashMap<>();
        long[] times = new long[1024];
        int rowCount = 0;
        try (CsvReaders.Cursor c = CsvReaders.open(file, CsvReaders.Format.WIDE, errors::add)) {
            for (String key : c.columns()) {
                columns.put(key, new Growable());
            }
            int width = columns.size();
            long cells = 0;
            // The limit is checked before reading on, so lines past it are never parsed.
            while (!(maxRows >= 0 && cells == (long) maxRows * width) && c.hasNext() && errors.isEmpty()) {
                var o = c.next();
                if (cells % width == 0) {
                    if (rowCount == times.length) {
                        times = Arrays.copyOf(times, rowCount * 2);
                    }
                    times[rowCount++] = o.ts;
                }
                columns.get(o.key).add(o.value);
                cells++;
            }
        }
        if (!errors.isEmpty()) {
            throw new IOException(file + ": " + errors.get(0));
        }
        Map<String, double[]> series = new LinkedHashMap<>();
        columns.forEach((k, v) -> series.put(k, v.toArray()));
        long[] ts = Arrays.copyOf(times, rowCount);
        String base = file.getFileName().toString();
        return new Dataset(base.endsWith(".csv") ? base.substring(0, base.length() - 4) : base, series, ts);
    }

    /** The median gap between consecutive rows in milliseconds, robust to the odd missing row. */
    public long medianInterval() {
        if (timestamps.length < 2) {
            throw new IllegalStateException(name + " has fewer than two rows");
        }
        long[] gaps = new long[timestamps.length - 1];
        for (int i = 0; i < gaps.length; i++) {
            gaps[i] = timestamps[i + 1] - timestamps[i];
        }
        Arrays.sort(gaps);
        return gaps[gaps.length / 2];
    }

    /** The number of rows in a day at the median sampling interval: the natural season here. */
    public int dailySeason() {
        return (int) Math.max(1, Math.round(86_400_000.0 / medianInterval()));
    }

    public int rows() {
        return timestamps.length;
    }

    /** A double array that grows. */
    private static final class Growable {
        double[] values = new double[1024];
        int size;

        void add(double v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        double[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
