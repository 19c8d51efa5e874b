package dev.streamforecast.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.ModelScope;
import dev.streamforecast.model.OptimizerType;
import dev.streamforecast.testutil.Fixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A key is an island. In key scope its forecasts and refusals are a function of its own events in
 * arrival order: the same whatever other keys exist, how their events interleave with its own, or how far
 * apart their clocks are. In shared scope its windows train the network the other keys forecast with, so
 * the values may differ, but nothing else: which of its events are used, when and with what counts, and
 * which are refused, are its own events' doing alone, and no key can make another's forecast non-finite
 * or move it beyond the key's own bounds, not even by running the shared network away (each such update
 * starts the network afresh, counted in {@code networkResets}).
 */
class KeyIsolationTest {
    private static final ModelConfig MODEL = ModelConfig.builder().hidden(4).k1(4).k2(8).linearOrder(4).build();
    /** Plain SGD, a large step, no clipping: weights that run away within a few updates, in either scope. */
    private static final ModelConfig RUNAWAY = MODEL.toBuilder().optimizer(OptimizerType.SGD).learningRate(2)
            .clipNorm(0).build();
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

    /** The fleet and a key whose values jump between 1e200, 1e-12 and a spike and whose clock is a century away. */
    private static Map<String, List<Observation>> withHostileKey() {
        Map<String, List<Observation>> fleet = fleet();
        List<Observation> hostile = new ArrayList<>();
        double[] values = {1e200, 1e-12, -1e200, 3, 1e-12, 5e201, 0};
        for (int i = 0; i < 150; i++) {
            hostile.add(new Observation("hostile", 6_000_000_000_000L + i * 3_600_000L, values[i % values.length]));
        }
        fleet.put("hostile", hostile);
        return fleet;
    }

    /** What came out of one run: each key's forecasts and dead letters in order, and the shared network's resets. */
    private record Run(Map<String, List<Forecast>> forecasts, Map<String, List<String>> refused, long networkResets) {
        /** Per key, everything it was sent back: forecasts (every step's values) and then its dead letters. */
        Map<String, List<String>> everything() {
            return lines(f -> f.ts + " " + f.forecast + " " + f.events + " " + Arrays.toString(f.stepForecasts) + " "
                    + Arrays.toString(f.stepLowers) + " " + Arrays.toString(f.stepUppers) + " " + f.cadence);
        }

        /** Per key, what its own events decide in either scope: which are used, when and with what counts, and which are refused. */
        Map<String, List<String>> own() {
            return lines(f -> f.ts + " " + f.events + " " + f.horizon() + " " + f.cadence);
        }

        private Map<String, List<String>> lines(Function<Forecast, String> line) {
            Map<String, List<String>> out = new TreeMap<>();
            forecasts.forEach((k, fs) -> fs.forEach(f -> out.computeIfAbsent(k, x -> new ArrayList<>()).add(line.apply(f))));
            refused.forEach((k, ds) -> out.computeIfAbsent(k, x -> new ArrayList<>()).addAll(ds));
            return out;
        }
    }

    private static Run run(JobSettings settings, List<Observation> arrivals) throws Exception {
        ForecastFunction function = new ForecastFunction(settings, ForecastTopology.DEAD_LETTERS, ForecastTopology.MODELS);
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast>(
                new KeyedProcessOperator<>(function), obs -> obs.key, Types.STRING)) {
            h.setStateBackend(new HashMapStateBackend());
            ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
            h.open();
            for (Observation o : arrivals) {
                h.processElement(new Observation(o.key, o.ts, o.value), 0);
            }
            h.processWatermark(Long.MAX_VALUE);
            Map<String, List<Forecast>> forecasts = new TreeMap<>();
            for (Forecast f : h.extractOutputValues()) {
                forecasts.computeIfAbsent(f.key, k -> new ArrayList<>()).add(f);
            }
            Map<String, List<String>> refused = new TreeMap<>();
            var dead = h.getSideOutput(ForecastTopology.DEAD_LETTERS);
            if (dead != null) {
                for (var r : dead) {
                    DeadLetter d = r.getValue();
                    String key = new ObjectMapper().readTree(d.payload).get("key").asText();
                    refused.computeIfAbsent(key, k -> new ArrayList<>()).add(d.kind + " " + d.payloadText());
                }
            }
            return new Run(forecasts, refused, function.network() == null ? 0 : function.network().resets());
        }
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

    private static JobSettings settings(ModelConfig model, ModelScope scope) {
        return JobSettings.defaults(model.toBuilder().scope(scope).build()).withMaxOutOfOrderness(Duration.ofSeconds(5))
                .forReplay();
    }

    /**
     * Each key of {@code fleet} run alone against the run of them all: in key scope everything it gets is
     * the same; in shared scope what its own events decide, and every forecast of a key but {@code hostile}
     * within the key's bounds.
     */
    private static void assertEachKeyAsAlone(JobSettings settings, Map<String, List<Observation>> fleet, Run together,
            String hostile) throws Exception {
        boolean own = settings.model.scope == ModelScope.KEY;
        for (Map.Entry<String, List<Observation>> e : fleet.entrySet()) {
            Run alone = run(settings, e.getValue());
            String key = e.getKey();
            assertEquals(own ? alone.everything().get(key) : alone.own().get(key),
                    own ? together.everything().get(key) : together.own().get(key), key);
            if (!key.equals(hostile)) {
                assertWithinBounds(key, together.forecasts().get(key));
            }
        }
    }

    /**
     * Every step's forecast lies where the bounded forecasts put it (docs/robustness.md): within 32 h of the
     * key's largest change so far, or at a value it has had (seasonal naive, persistence); every interval
     * finite or none.
     */
    private static void assertWithinBounds(String key, List<Forecast> forecasts) {
        double largestChange = 0;
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        double previous = Double.NaN;
        for (Forecast f : forecasts) {
            if (!Double.isNaN(previous)) {
                largestChange = Math.max(largestChange, Math.abs(f.value - previous));
            }
            previous = f.value;
            low = Math.min(low, f.value);
            high = Math.max(high, f.value);
            for (int h = 1; h <= f.horizon(); h++) {
                double forecast = f.horizon() == 1 ? f.forecast : f.stepForecasts[h - 1];
                double lower = f.horizon() == 1 ? f.lower : f.stepLowers[h - 1];
                double upper = f.horizon() == 1 ? f.upper : f.stepUppers[h - 1];
                double bound = Math.max(32 * h * largestChange, Math.max(high - f.value, f.value - low));
                assertTrue(Math.abs(forecast - f.value) <= bound * (1 + 1e-9), key + " at " + f.ts + ", step " + h
                        + ": " + forecast + " from " + f.value + ", bound " + bound);
                assertTrue(Fixtures.intervalOrNone(lower, upper), key + " at " + f.ts + ", step " + h);
            }
        }
    }

    static Stream<Arguments> scopesAndSeeds(long... seeds) {
        return Arrays.stream(ModelScope.values()).flatMap(scope -> Arrays.stream(seeds).mapToObj(s -> Arguments.of(scope, s)));
    }

    static Stream<Arguments> interleavings() {
        return scopesAndSeeds(1, 2, 3, 4, 5, 6, 7, 8);
    }

    @ParameterizedTest(name = "model.scope={0}, interleaving {1}")
    @MethodSource("interleavings")
    void eachKeysOutputIsItsOwnWhateverTheInterleaving(ModelScope scope, long seed) throws Exception {
        JobSettings settings = settings(MODEL, scope);
        Map<String, List<Observation>> fleet = fleet();
        Run together = run(settings, interleave(fleet, seed));
        assertEachKeyAsAlone(settings, fleet, together, null);
        for (List<String> lines : together.refused().values()) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("late ")), "every key has its late event");
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("duplicate ")), "and its repeat");
        }
        assertEquals(fleet.keySet(), together.refused().keySet());
    }

    static Stream<Arguments> layouts() {
        return scopesAndSeeds(11, 12);
    }

    /**
     * A file grouped by key against the same events in time order: in key scope the same forecasts; in
     * shared scope, where the network learns in the order the keys' events come, the same of what each
     * key's own events decide.
     */
    @ParameterizedTest(name = "model.scope={0}, interleaving {1}")
    @MethodSource("layouts")
    void aKeyGroupedFileGivesTheSameForecastsAsTheSameEventsInTimeOrder(ModelScope scope, long seed) throws Exception {
        JobSettings settings = settings(MODEL, scope);
        Function<Run, Map<String, List<String>>> compared = scope == ModelScope.KEY ? Run::everything : Run::own;
        Map<String, List<Observation>> fleet = fleet();
        List<Observation> grouped = new ArrayList<>();
        fleet.values().forEach(grouped::addAll);
        List<Observation> byTime = new ArrayList<>(grouped);
        byTime.sort((a, b) -> Long.compare(a.ts, b.ts));
        // sorted by time, each key's own arrival order changes: compare against that order's own run
        Map<String, List<Observation>> sortedFleet = new LinkedHashMap<>();
        byTime.forEach(o -> sortedFleet.computeIfAbsent(o.key, k -> new ArrayList<>()).add(o));
        assertEquals(compared.apply(run(settings, interleave(sortedFleet, seed))), compared.apply(run(settings, byTime)));
        assertEquals(compared.apply(run(settings, interleave(fleet, seed))), compared.apply(run(settings, grouped)));
    }

    static Stream<Arguments> hostileRuns() {
        return scopesAndSeeds(21, 22, 23);
    }

    /**
     * Steps ahead: the same with eight steps, calendar inputs and the candidates combined, beside a key
     * whose values jump between 1e200, 1e-12 and a spike and whose clock is a century away: every other
     * key's steps, intervals and cadence are what they are alone (in shared scope, what its own events
     * decide, and its forecasts within its bounds), and the hostile key's are finite.
     */
    @ParameterizedTest(name = "model.scope={0}, interleaving {1}")
    @MethodSource("hostileRuns")
    void stepsAheadOfEachKeyAreTheirOwnBesideAHostileKey(ModelScope scope, long seed) throws Exception {
        JobSettings settings = settings(MODEL.toBuilder().horizon(8).build(), scope);
        Map<String, List<Observation>> fleet = withHostileKey();
        Run together = run(settings, interleave(fleet, seed));
        assertEachKeyAsAlone(settings, fleet, together, "hostile");
        List<String> lines = together.everything().get("hostile");
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
        assertEquals(1000, together.forecasts().get("old").get(100).cadence, "a regular key has its cadence");
    }

    /**
     * Updates that run away, beside the hostile key: in key scope each key's model diverges and starts
     * afresh on its own, as it would alone; in shared scope every such update of the network they share
     * starts it afresh from its seed, counted, and no other key is refused anything or forecast beyond its
     * bounds.
     */
    @ParameterizedTest(name = "model.scope={0}, interleaving {1}")
    @MethodSource("hostileRuns")
    void aRunawayUpdateIsResetCountedAndEveryOtherKeyStaysWithinItsBounds(ModelScope scope, long seed) throws Exception {
        // a shared network given every window, each an update, so that it has updates enough to run away with
        ModelConfig model = scope == ModelScope.KEY ? RUNAWAY : RUNAWAY.toBuilder().scope(scope)
                .set(ModelConfig.SHARED_BUDGET, 1000).set(ModelConfig.BATCH, 1).build();
        JobSettings settings = settings(model, scope);
        Map<String, List<Observation>> fleet = withHostileKey();
        Run together = run(settings, interleave(fleet, seed));
        assertEachKeyAsAlone(settings, fleet, together, "hostile");
        long restarts = together.forecasts().values().stream().mapToLong(fs -> {
            long n = 0;
            for (int i = 1; i < fs.size(); i++) {
                n += fs.get(i).events <= fs.get(i - 1).events ? 1 : 0;
            }
            return n;
        }).sum();
        if (scope == ModelScope.KEY) {
            assertTrue(restarts > 0, "keys' models diverged and started afresh");
        } else {
            assertTrue(together.networkResets() > 0, together.networkResets() + " resets of the shared network");
            assertEquals(0, restarts, "no key's own state was discarded");
        }
    }
}
