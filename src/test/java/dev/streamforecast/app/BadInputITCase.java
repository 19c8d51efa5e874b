package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.DeadLetterCodec;
import dev.streamforecast.io.ForecastCodec;
import dev.streamforecast.testutil.KafkaTopics;
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
 * The live job (exactly as {@code run} builds it) fed valid events mixed with every kind of bad input:
 * each bad record reaches the dead-letter topic with its payload and reason, each valid one is
 * forecast, and the job finishes normally.
 */
class BadInputITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2).build());

    @Test
    void everyMalformedRecordIsDeadLetteredWithItsReasonAndEveryValidOneForecast() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("observations", 2);
            kafka.createTopic("forecasts", 2);
            kafka.createTopic("forecasts-dead-letters", 1);
            List<String[]> records = new ArrayList<>();
            int valid = 0;
            for (int t = 0; t < 100; t++) {
                for (String key : List.of("a", "b")) {
                    records.add(new String[] {key, "{\"key\":\"" + key + "\",\"ts\":" + (1_700_000_000_000L + t * 1000L)
                            + ",\"value\":" + Math.sin(t) + "}"});
                    valid++;
                }
            }
            Map<String, String> bad = Map.of(
                    "{not json", "malformed JSON",
                    "{\"key\":\"a\",\"ts\":1700000000000}", "missing field 'value'",
                    "{\"key\":\"a\",\"ts\":1700000000000,\"value\":\"abc\"}", "field 'value' must be a number",
                    "{\"key\":\"a\",\"ts\":1700000000000,\"value\":\"NaN\"}", "NaN",
                    "{\"key\":\"a\",\"ts\":\"31/12/2020\",\"value\":1}", "timestamp",
                    "{\"key\":\"a\",\"ts\":99999999999999999,\"value\":1}", "out of range",
                    "{\"key\":\"\",\"ts\":1700000000000,\"value\":1}", "key");
            bad.keySet().forEach(payload -> records.add(new String[] {"a", payload}));
            // a duplicate and a late event for key b, after its real ones
            records.add(new String[] {"b", "{\"key\":\"b\",\"ts\":1700000099000,\"value\":1}"});
            records.add(new String[] {"b", "{\"key\":\"b\",\"ts\":1700000000500,\"value\":1}"});
            KafkaTopics.produce(kafka.clientProperties(), "observations", records);

            AppConfig config = AppConfig.of(Map.of("kafka.bootstrap-servers", kafka.bootstrapServers(),
                    "kafka.starting-offsets", "earliest", "job.parallelism", "2",
                    "job.checkpoint-interval", "200ms", "events.max-out-of-orderness", "0s"));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            LiveJob.define(env, config, OffsetsInitializer.latest());
            env.execute("bad-input");

            List<Forecast> forecasts = KafkaTopics.readToEnd(kafka.clientProperties(), "forecasts",
                    "read_committed", Duration.ofSeconds(30)).stream()
                    .map(r -> ForecastCodec.decode(r.value())).collect(Collectors.toList());
            List<DeadLetter> dead = KafkaTopics.readToEnd(kafka.clientProperties(), "forecasts-dead-letters",
                    "read_committed", Duration.ofSeconds(30)).stream()
                    .map(r -> DeadLetterCodec.decode(r.value())).collect(Collectors.toList());

            assertEquals(valid, forecasts.size(), "every valid event forecast once");
            assertEquals(bad.size() + 2, dead.size(), "every bad record dead-lettered once: " + dead);
            for (Map.Entry<String, String> e : bad.entrySet()) {
                DeadLetter d = dead.stream().filter(x -> e.getKey().equals(x.payloadText())).findFirst()
                        .orElseThrow(() -> new AssertionError("no dead letter for " + e.getKey() + " in " + dead));
                assertTrue(d.reason.contains(e.getValue()), d.reason + " should mention " + e.getValue());
                assertTrue(d.origin.startsWith("observations-"), d.origin);
            }
            assertEquals(1, dead.stream().filter(d -> d.kind.equals("duplicate")).count());
            assertEquals(1, dead.stream().filter(d -> d.kind.equals("late")).count());
        }
    }
}
