package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.SampleData;
import dev.streamforecast.testutil.FlinkProcessCluster;
import dev.streamforecast.testutil.KafkaTopics;
import dev.streamforecast.testutil.Uninterrupted;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster job as users deploy it: {@code target/forecaster-job.jar} submitted over REST to a real
 * session cluster (a JobManager and two single-slot TaskManagers, each its own JVM), one TaskManager
 * killed mid-stream and a replacement started, as a replaced pod would join. The forecasts topic, read with read_committed, holds every forecast exactly once and
 * identical to an uninterrupted run. The input is zstd-compressed, which the job jar's own codec
 * decodes: a Flink distribution has none.
 */
class ClusterFailoverITCase {
    private static final int HOURS = 1500;

    private static Map<String, String> settings(EmbeddedKafka kafka, String output) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        m.put("kafka.output-topic", output);
        m.put("kafka.group-id", "g-" + output);
        m.put("kafka.transactional-id-prefix", "tx-" + output);
        m.put("kafka.starting-offsets", "earliest");
        m.put("job.checkpoint-interval", "500ms");
        m.put("events.max-out-of-orderness", "0s");
        m.put("flink.restart-strategy.type", "fixed-delay");
        m.put("flink.restart-strategy.fixed-delay.attempts", "20");
        m.put("flink.restart-strategy.fixed-delay.delay", "1s");
        return m;
    }

    private static Map<String, List<Forecast>> read(EmbeddedKafka kafka, String topic) {
        return KafkaTopics.forecastsByKey(kafka.clientProperties(), topic);
    }

    @Test
    void killingATaskManagerMidStreamLosesAndDuplicatesNothing(@TempDir Path dir) throws Exception {
        Path jar = Path.of("target/forecaster-job.jar");
        assertTrue(Files.exists(jar), "run after mvn package: " + jar);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("observations", 4);
            kafka.createTopic("cluster-out", 4);
            kafka.createTopic("reference-out", 4);
            kafka.createTopic("forecasts-dead-letters", 1);
            List<Observation> sample = SampleData.generate(HOURS);
            List<String[]> records = KafkaTopics.records(sample);
            int half = records.size() / 2;
            Properties zstd = kafka.clientProperties();
            zstd.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
            KafkaTopics.produce(zstd, "observations", records.subList(0, half));

            Path config = dir.resolve("job.properties");
            StringBuilder props = new StringBuilder();
            settings(kafka, "cluster-out").forEach((k, v) -> props.append(k).append('=').append(v).append('\n'));
            Files.writeString(config, props.toString());

            try (FlinkProcessCluster cluster = FlinkProcessCluster.start(
                    Files.createTempDirectory(Path.of("target").toAbsolutePath(), "cluster-it-"), 2, 1, Map.of())) {
                String job = cluster.submit(jar, "dev.streamforecast.app.ClusterJob",
                        List.of("--config", config.toString()), 2);
                // some forecasts committed, i.e. at least one checkpoint done, then a machine dies
                KafkaTopics.awaitCommitted(kafka.clientProperties(), "cluster-out", half / 2, Duration.ofSeconds(120));
                // one slot per TaskManager at parallelism 2: the killed one was running half the job
                cluster.killTaskManager(0);
                cluster.addTaskManager();
                KafkaTopics.produce(zstd, "observations", records.subList(half, records.size()));
                KafkaTopics.awaitCommitted(kafka.clientProperties(), "cluster-out", records.size(), Duration.ofSeconds(180));
                assertEquals("RUNNING", cluster.jobState(job));
                assertTrue(cluster.get("/jobs/" + job + "/exceptions").path("exceptionHistory").path("entries")
                        .size() >= 1, "the job failed over after the kill");
                cluster.cancel(job);
            }

            Map<String, String> reference = settings(kafka, "reference-out");
            reference.put("job.parallelism", "2");
            Uninterrupted.assertSameForecasts(Uninterrupted.forecasts(kafka, reference, "reference-out"),
                    read(kafka, "cluster-out"), HOURS);
        }
    }
}
