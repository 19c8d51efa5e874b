package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.ForecastCodec;
import dev.streamforecast.testutil.KafkaTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The live job with {@code anomaly.topic}: the flagged events, and only they, reach the topic, each with
 * the forecast and interval made for it and its score, exactly once; a spike of one key flags no other.
 */
class AnomalyTopicITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2).build());

    private static final long START = 1_700_000_000_000L;
    private static final int SPIKE = 350;

    @Test
    void theFlaggedEventsAndOnlyTheyReachTheAnomalyTopicWithTheForecastMadeForThem() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("observations", 2);
            kafka.createTopic("forecasts", 2);
            kafka.createTopic("forecasts-dead-letters", 1);
            kafka.createTopic("anomalies", 2);
            List<String[]> records = new ArrayList<>();
            for (int t = 0; t < 400; t++) {
                double a = 10 + Math.sin(0.3 * t) + (t == SPIKE ? 50 : 0);
                double b = -300 + Math.sin(0.3 * t + 1);
                records.add(new String[] {"a", "{\"key\":\"a\",\"ts\":" + (START + t * 1000L) + ",\"value\":" + a + "}"});
                records.add(new String[] {"b", "{\"key\":\"b\",\"ts\":" + (START + t * 1000L) + ",\"value\":" + b + "}"});
            }
            KafkaTopics.produce(kafka.clientProperties(), "observations", records);

            AppConfig config = AppConfig.of(Map.of("kafka.bootstrap-servers", kafka.bootstrapServers(),
                    "kafka.starting-offsets", "earliest", "job.parallelism", "2", "job.checkpoint-interval", "200ms",
                    "events.max-out-of-orderness", "0s", "anomaly.topic", "anomalies"));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            LiveJob.define(env, config, OffsetsInitializer.latest());
            env.execute("anomalies");

            List<Forecast> forecasts = KafkaTopics.readToEnd(kafka.clientProperties(), "forecasts", "read_committed",
                    Duration.ofSeconds(30)).stream().map(r -> ForecastCodec.decode(r.value())).collect(Collectors.toList());
            ObjectMapper json = new ObjectMapper();
            List<JsonNode> anomalies = new ArrayList<>();
            for (var r : KafkaTopics.readToEnd(kafka.clientProperties(), "anomalies", "read_committed",
                    Duration.ofSeconds(30))) {
                JsonNode n = json.readTree(r.value());
                assertEquals(n.get("key").asText(), new String(r.key(), StandardCharsets.UTF_8), "keyed by series");
                anomalies.add(n);
            }

            assertEquals(800, forecasts.size());
            List<String> flagged = forecasts.stream().filter(f -> f.anomalous).map(f -> f.key + "@" + f.ts).sorted()
                    .collect(Collectors.toList());
            assertEquals(flagged, anomalies.stream().map(n -> n.get("key").asText() + "@" + n.get("ts_ms").asLong())
                    .sorted().collect(Collectors.toList()), "the topic holds the flagged forecasts, each once");
            assertTrue(flagged.contains("a@" + (START + SPIKE * 1000L)), "the spike is flagged: " + flagged);
            assertTrue(flagged.stream().noneMatch(k -> k.startsWith("b@")), "key b, beside the spike, is not: " + flagged);

            JsonNode spike = anomalies.stream().filter(n -> n.get("ts_ms").asLong() == START + SPIKE * 1000L)
                    .findFirst().orElseThrow();
            Forecast before = forecasts.stream().filter(f -> f.key.equals("a") && f.ts == START + (SPIKE - 1) * 1000L)
                    .findFirst().orElseThrow();
            assertEquals(before.forecast, spike.get("forecast").asDouble(), "the forecast made for the spike");
            assertEquals(before.lower, spike.get("lower").asDouble());
            assertEquals(before.upper, spike.get("upper").asDouble());
            assertEquals(10 + Math.sin(0.3 * SPIKE) + 50, spike.get("value").asDouble());
            assertTrue(spike.get("anomaly").asDouble() >= 0.5, spike.toString());
        }
    }
}
