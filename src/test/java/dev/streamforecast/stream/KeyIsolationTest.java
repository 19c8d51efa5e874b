package dev.streamforecast.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.model.ModelConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A key's forecasts and refusals are a function of its own events in arrival order: the same whatever
 * other keys exist, how their events interleave with its own, or how far apart their clocks are.
 */
class KeyIsolationTest {
    private static final ModelConfig MODEL = ModelConfig.builder().hidden(4).k1(4).k2(8).linearOrder(4).build();
    private static final long YEAR = 365L * 24 * 3600 * 1000;

    /** A key's events in its own arrival order: hourly, with a few shuffled within the bound, late and repeated ones. */
    private static List<Observation> series(String key, long start, long step, long seed) {
        Random r = new Random(seed);
        List<Observation> out = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            out.add(new Observation(key, start + i * step, 10 + Math.sin(i / 5.0) + r.nextGaussian() * 0.1));
        }
        for (int i = 2; i + 1 < out.size(); i += 7) { // swap neighbours: out of order within the bound
            Observation a = out.get(i);
            out.set(i, out.get(i + 1));
            out.set(i + 1, a);
        }
        out.add(60, new Observation(key, start + 3 * step, 99)); // long after its time: late
        out.add(90, new Observation(key, out.get(89).ts, 7)); // a repeat of the event before it
        return out;
    }

    private static Map<String, List<Observation>> fleet() {
        Map<String, List<Observation>> m = new LinkedHashMap<>();
        m.put("old", series("old", 1_000_000_000_000L, 1_000, 1)); // 2001, every second
        m.put("new", series("new", 1_000_000_000_000L + 20 * YEAR, 1_000, 2)); // 2021
        m.put("fast", series("fast", 1_500_000_000_000L, 100, 3)); // every 100 ms
        m.put("far", series("far", 4_000_000_000_000L, 2_000, 4)); // 2096
        return m;
    }

    /** Per key: its forecasts and its dead letters, in the order they came out. */
    private static Map<String, List<String>> run(JobSettings settings, List<Observation> arrivals) throws Exception {
        Map<String, List<String>> out = new TreeMap<>();
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast>(
                new KeyedProcessOperator<>(new ForecastFunction(settings, ForecastTopology.DEAD_LETTERS,
                        ForecastTopology.MODELS)), obs -> obs.key, Types.STRING)) {
            h.setStateBackend(new HashMapStateBackend());
            ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
            h.open();
            for (Observation o : arrivals) {
                h.processElement(new Observation(o.key, o.ts, o.value), 0);
            }
            h.processWatermark(Long.MAX_VALUE);
            for (Forecast f : h.extractOutputValues()) {
                out.computeIfAbsent(f.key, k -> new ArrayList<>()).add(f.ts + " " + f.forecast + " " + f.events
                        + " " + java.util.Arrays.toString(f.stepForecasts) + " " + java.util.Arrays.toString(f.stepLowers)
                        + " " + java.util.Arrays.toString(f.stepUppers) + " " + f.cadence);
            }
            var dead = h.getSideOutput(ForecastTopology.DEAD_LETTERS);
            if (dead != null) {
                for (var r : dead) {
                    DeadLetter d = r.getValue();
                    String key = new com.fasterxml.jackson.databind.ObjectMapper().readTree(d.payload).get("key").asText();
                    out.computeIfAbsent(key, k -> new ArrayList<>()).add(d.kind + " " + d.payloadText());
                }
            }
        }
        return out;
    }

    /** The fleet's events interleaved at random, each key's own order kept. */
    private static List<Observation> interleave(Map<String, List<Observation>> fleet, long seed) {
        Random r = new Random(seed);
        List<List<Observation>> queues = new ArrayList<>();
        fleet.values().forEach(q -> queues.add(new ArrayList<>(q)));
        List<Observation> out = new ArrayList<>();
        while (!queues.isEmpty()) {
            int i = r.nextInt(queues.size());
            out.add(queues.get(i).remove(0));
            if (queues.get(i).isEmpty()) {
                queues.remove(i);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void eachKeysOutputIsTheSameAsAloneWhateverTheInterleaving(long seed) throws Exception {
        JobSettings settings = JobSettings.defaults(MODEL).withMaxOutOfOrderness(Duration.ofSeconds(5)).forReplay();
        Map<String, List<Observation>> fleet = fleet();
        Map<String, List<String>> together = run(settings, interleave(fleet, seed));
        for (Map.Entry<String, List<Observation>> e : fleet.entrySet()) {
            Map<String, List<String>> alone = run(settings, e.getValue());
            assertEquals(alone.get(e.getKey()), together.get(e.getKey()), e.getKey());
        }
        for (List<String> lines : together.values()) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("late ")), "every key has its late event");
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("duplicate ")), "and its repeat");
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12})
    void aKeyGroupedFileGivesTheSameForecastsAsTheSameEventsInTimeOrder(long seed) throws Exception {
        JobSettings settings = JobSettings.defaults(MODEL).withMaxOutOfOrderness(Duration.ofSeconds(5)).forReplay();
        Map<String, List<Observation>> fleet = fleet();
        List<Observation> grouped = new ArrayList<>();
        fleet.values().forEach(grouped::addAll);
        List<Observation> byTime = new ArrayList<>(grouped);
        byTime.sort((a, b) -> Long.compare(a.ts, b.ts));
        // sorted by time, each key's own arrival order changes: compare against that order's own run
        Map<String, List<Observation>> sortedFleet = new LinkedHashMap<>();
        byTime.forEach(o -> sortedFleet.computeIfAbsent(o.key, k -> new ArrayList<>()).add(o));
        assertEquals(run(settings, interleave(sortedFleet, seed)), run(settings, byTime));
        assertEquals(run(settings, interleave(fleet, seed)), run(settings, grouped));
    }

    /**
     * Steps ahead: the same with eight steps, calendar inputs and the candidates combined, beside a key
     * whose values jump between 1e200, 1e-12 and a spike and whose clock is a century away: every other
     * key's steps, intervals and cadence are what they are alone, and the hostile key's are finite.
     */
    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23})
    void stepsAheadOfEachKeyAreTheSameAsAloneBesideAHostileKey(long seed) throws Exception {
        ModelConfig model = ModelConfig.builder().hidden(4).k1(4).k2(8).linearOrder(4).horizon(8).build();
        JobSettings settings = JobSettings.defaults(model).withMaxOutOfOrderness(Duration.ofSeconds(5)).forReplay();
        Map<String, List<Observation>> fleet = fleet();
        List<Observation> hostile = new ArrayList<>();
        double[] values = {1e200, 1e-12, -1e200, 3, 1e-12, 5e201, 0};
        for (int i = 0; i < 150; i++) {
            hostile.add(new Observation("hostile", 6_000_000_000_000L + i * 3_600_000L, values[i % values.length]));
        }
        fleet.put("hostile", hostile);
        Map<String, List<String>> together = run(settings, interleave(fleet, seed));
        for (Map.Entry<String, List<Observation>> e : fleet.entrySet()) {
            Map<String, List<String>> alone = run(settings, e.getValue());
            assertEquals(alone.get(e.getKey()), together.get(e.getKey()), e.getKey());
        }
        List<String> lines = together.get("hostile");
        assertEquals(150, lines.size());
        for (String line : lines) {
            assertTrue(!line.contains("Infinity") && !line.contains("null"), line);
            // steps' forecasts, lower and upper bounds: every forecast a number; a step without an interval
            // (its errors so far have no spread: the values repeat every 7 events) has neither bound
            java.util.regex.Matcher arrays = java.util.regex.Pattern.compile("\\[([^\\]]*)\\]").matcher(line);
            List<String[]> columns = new ArrayList<>();
            while (arrays.find()) {
                columns.add(arrays.group(1).split(", "));
            }
            assertEquals(3, columns.size(), line);
            for (int h = 0; h < columns.get(0).length; h++) {
                assertTrue(!columns.get(0)[h].equals("NaN")
                        && columns.get(1)[h].equals("NaN") == columns.get(2)[h].equals("NaN"), line);
            }
        }
        assertTrue(together.get("old").get(100).endsWith(" 1000"), "a regular key has its cadence: "
                + together.get("old").get(100));
    }
}
