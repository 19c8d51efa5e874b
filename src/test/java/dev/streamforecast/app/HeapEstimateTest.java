package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.UserError;
import dev.streamforecast.model.ModelScope;
import dev.streamforecast.stream.ForecastFunction;
import dev.streamforecast.stream.ForecastTopology;
import dev.streamforecast.stream.JobSettings;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The backtest's estimate of the heap its keys need is what the forecasting operator holds: measured
 * here on the heap of this JVM, key by key, through the operator on Flink's heap state backend.
 */
class HeapEstimateTest {
    private static List<Observation> hourly(int keys, int hours) {
        List<Observation> out = new ArrayList<>();
        for (int t = 0; t < hours; t++) {
            for (int k = 0; k < keys; k++) {
                out.add(new Observation("sensor-" + k, 1_704_067_200_000L + 3_600_000L * t,
                        20 + 5 * Math.sin(2 * Math.PI * t / 24) + Math.sin(0.37 * t * (k + 1))));
            }
        }
        return out;
    }

    /** The heap in use once collections stop freeing any: what is still reachable. */
    @SuppressWarnings("removal")
    private static long usedHeap() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            System.gc();
            System.runFinalization();
            long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            if (used - now < 64 << 10) {
                return now;
            }
            used = now;
        }
        return used;
    }

    /**
     * The heap the operator holds per key: what {@code keys} more keys add to it, each given the
     * events {@code history} gives its key, after as many keys already came (the operator, its
     * network and its classes are then as they stay). Of two such rounds the larger: what an earlier
     * test left behind may be freed during one of them, never added.
     */
    private static double measuredBytesPerKey(AppConfig config, List<Observation> history, int keys) throws Exception {
        JobSettings settings = LiveJob.settings(config).withMaxOutOfOrderness(Duration.ZERO)
                .withIdleStateRetention(Duration.ZERO);
        ForecastFunction f = new ForecastFunction(settings, ForecastTopology.DEAD_LETTERS, ForecastTopology.MODELS);
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, Observation, Forecast>(
                new KeyedProcessOperator<>(f), obs -> obs.key, Types.STRING)) {
            h.setStateBackend(new HashMapStateBackend());
            h.open();
            long[] used = new long[3];
            for (int round = 0; round < used.length; round++) {
                for (Observation o : history) {
                    h.processElement(new Observation(o.key + "-" + round, o.ts, o.value), o.ts);
                }
                h.getOutput().clear();
                used[round] = usedHeap();
            }
            return Math.max(used[1] - used[0], used[2] - used[1]) / (double) keys;
        }
    }

    @ParameterizedTest
    @CsvSource({"key, 150", "shared, 1500"})
    void aKeysEstimateIsWhatTheOperatorHoldsForItOnTheHeap(String scope, int keys) throws Exception {
        AppConfig config = AppConfig.of(Map.of("model.scope", scope));
        List<Observation> history = hourly(keys, 30);
        HeapEstimate estimate = HeapEstimate.of(config, history, 1);
        double measured = measuredBytesPerKey(config, history, keys);
        assertTrue(Math.abs(estimate.bytesPerKey() - measured) < 0.2 * measured,
                "estimated " + estimate.bytesPerKey() + " bytes per key, measured " + measured);
    }

    @Test
    void aFleetThatCannotFitIsRefusedNamingWhatItNeedsAndTheWaysOut() {
        List<Observation> fleet = hourly(1_000, 3);
        HeapEstimate key = HeapEstimate.of(AppConfig.defaultsOnly(), fleet, 2);
        String refusal = assertThrows(UserError.class, () -> key.check(64L << 20, "backtest")).getMessage();
        assertTrue(refusal.startsWith("1,000 keys (model.scope=key, keyed state on the heap) need about "), refusal);
        assertTrue(refusal.contains(", more than this JVM's heap of 64 MB holds: use model.scope=shared (a few KB a "
                + "key), keep keyed state in RocksDB (--set flink.state.backend.type=rocksdb), or give Java a larger "
                + "heap: FORECASTER_JAVA_OPTS=-Xmx"), refusal);
        assertNull(key.check(8L << 30, "backtest"), "fits in 8 GB");
        String warning = key.check((long) (key.totalBytes() / 0.75), "backtest");
        assertTrue(warning.contains("75% of this JVM's heap") && warning.contains("it may not fit"), warning);

        HeapEstimate shared = HeapEstimate.of(AppConfig.of(Map.of("model.scope", "shared")), fleet, 2);
        assertTrue(shared.bytesPerKey() < key.bytesPerKey() / 10, shared.bytesPerKey() + " against " + key.bytesPerKey());
        HeapEstimate rocksdb = HeapEstimate.of(AppConfig.of(Map.of("flink.state.backend.type", "rocksdb")), fleet, 2);
        assertEquals(0, rocksdb.bytesPerKey(), "keyed state off the heap");
    }
}
