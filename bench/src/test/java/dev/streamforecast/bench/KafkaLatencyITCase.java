package dev.streamforecast.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.io.AppConfig;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The latency benchmark's machinery end to end on a real broker and the live job at parallelism 2, on a
 * few thousand events: every event written gets exactly one forecast, read back and matched to it, with
 * at-least-once and with exactly-once output. No wall-clock figure is asserted.
 */
class KafkaLatencyITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2).build());

    private static final int KEYS = 50;
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    /** The bundled low-latency configuration with a small model, so the test spends its time on I/O. */
    private static AppConfig config() throws Exception {
        return KafkaLatency.lowLatencyConfig().with(Map.of("model.hidden", "8", "model.linear-order", "0",
                "model.inputs", "level", "train.k1", "4", "train.k2", "8"));
    }

    private static void assertEveryEventAnsweredOnce(KafkaLatency.Result r, int windowEvents) {
        assertEquals(r.sent, r.answered, "every event written got a forecast");
        assertEquals(0, r.duplicates, "no event got two");
        assertEquals(0, r.mismatched, "every forecast names an event written, by key and time");
        long[] latencies = r.latenciesNanos();
        assertEquals(windowEvents, latencies.length, "a latency for every event of the measured window");
        assertTrue(latencies[0] > 0, "forecasts arrive after their event was sent: " + latencies[0] + " ns");
        assertTrue(r.percentileMillis(0.5) <= r.percentileMillis(0.99));
        assertTrue(r.percentileMillis(0.99) <= r.maxMillis());
        assertTrue(r.rate > 0);
    }

    @Test
    void atLeastOnceEveryEventGetsExactlyOneForecastWithAPositiveLatency() throws Exception {
        KafkaLatency.Result r = KafkaLatency.measure(kafka, config(), "alo", KEYS, 1000,
                Duration.ofMillis(500), Duration.ofSeconds(2));
        assertEquals(KEYS + 500 + 2000, r.sent, "one event per key first, then the paced events");
        assertEveryEventAnsweredOnce(r, 2000);
    }

    @Test
    void exactlyOnceEveryEventGetsExactlyOneCommittedForecast() throws Exception {
        AppConfig exactlyOnce = config().with(Map.of("kafka.delivery-guarantee", "exactly-once",
                "job.checkpoint-interval", "200ms"));
        KafkaLatency.Result r = KafkaLatency.measure(kafka, exactlyOnce, "eo", KEYS, 1000,
                Duration.ofMillis(500), Duration.ofSeconds(2));
        assertEveryEventAnsweredOnce(r, 2000);
    }

    @Test
    void theSustainedRateIsTakenOverAPrefilledTopicReadToItsEnd() throws Exception {
        double rate = KafkaLatency.sustainedRate(kafka, config(), "sustained", KEYS, 4000).eventsPerSecond();
        assertTrue(rate > 0 && Double.isFinite(rate), "events/s: " + rate);
    }
}
