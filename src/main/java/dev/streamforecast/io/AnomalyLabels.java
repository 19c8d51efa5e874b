package dev.streamforecast.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Labelled anomaly windows in NAB's JSON form: an object whose names are series keys or file names, each
 * with a list of windows {@code [start, end]} (both inclusive), as in NAB's {@code combined_windows.json}:
 * <pre>{@code {"nab_nyc_taxi.csv": [["2014-10-30 15:30:00.000000", "2014-11-03 22:30:00.000000"], ...],
 *  "sensor-7": []}}</pre>
 * A time is ISO-8601 text ({@code T} or a space between date and time, UTC when it has no offset) or epoch
 * milliseconds (a number, or digits in a string); a number below 1e11 would be a time in 1970-73 and is
 * refused as the epoch seconds it almost surely is. An empty list says the series has no anomaly: every
 * detection in it is a false positive.
 */
public final class AnomalyLabels {

    private AnomalyLabels() {}

    /**
     * The windows of every name in {@code file}, in its order, each {@code {start, end}} in epoch ms.
     *
     * @throws UserError naming the file and what in it is wrong
     */
    public static Map<String, List<long[]>> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UserError("--labels: no file " + file);
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UserError("--labels " + file + " is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new UserError("--labels " + file + ": expected an object of names, each with a list of "
                    + "[start, end] windows (NAB's combined_windows.json form)");
        }
        Map<String, List<long[]>> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), windows(file, e.getKey(), e.getValue()));
        }
        return out;
    }

    private static List<long[]> windows(Path file, String name, JsonNode list) {
        String where = "--labels " + file + ", '" + name + "'";
        if (!list.isArray()) {
            throw new UserError(where + ": expected a list of [start, end] windows, got " + list);
        }
        List<long[]> out = new ArrayList<>();
        for (JsonNode w : list) {
            if (!w.isArray() || w.size() != 2) {
                throw new UserError(where + ": expected a window [start, end], got " + w);
            }
            long start = time(where, w.get(0));
            long end = time(where, w.get(1));
            if (end < start) {
                throw new UserError(where + ": window " + w + " ends before it starts");
            }
            out.add(new long[] {start, end});
        }
        return out;
    }

    private static long time(String where, JsonNode t) {
        String text = t.isNumber() ? t.asText() : t.isTextual() ? t.textValue() : null;
        if (text == null || (t.isNumber() && !t.canConvertToLong())) {
            throw new UserError(where + ": " + t + " is not a time (ISO-8601 text or epoch milliseconds)");
        }
        long ms;
        try {
            ms = Timestamps.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserError(where + ": " + e.getMessage() + " (labels are read as the input's times are)");
        }
        return ms;
    }
}
