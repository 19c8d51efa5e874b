package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.io.AppConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BacktestCommandTest {

    @Test
    void theReportShowsOnlyWhatAFileReplayReadsAndTheParallelismThatRan() {
        BacktestCommand b = new BacktestCommand();
        b.parallelism = 3;
        Map<String, String> shown = b.effectiveConfiguration(AppConfig.of(Map.of("train.k1", "4",
                "flink.state.backend.type", "rocksdb", "kafka.properties.security.protocol", "SASL_SSL")));

        assertEquals("3", shown.get("--parallelism"));
        assertEquals("4", shown.get("train.k1"));
        assertEquals("rocksdb", shown.get("flink.state.backend.type"));
        assertEquals("5s", shown.get("events.max-out-of-orderness"));
        for (String k : shown.keySet()) {
            assertFalse(k.startsWith("kafka.") || k.startsWith("job.") || k.equals("events.idle-state-retention")
                    || k.equals("model.warm-start"), k);
        }
    }

    @Test
    void aTopicReplayShowsWhereItReadFromWithSecretsHidden() {
        BacktestCommand b = new BacktestCommand();
        b.kafka = true;
        b.from = "2024-01-01T00:00:00Z";
        Map<String, String> shown = b.effectiveConfiguration(AppConfig.of(Map.of("kafka.bootstrap-servers", "k:9093",
                "kafka.properties.sasl.jaas.config", "x password=\"p\";")));

        assertEquals("k:9093", shown.get("kafka.bootstrap-servers"));
        assertEquals("observations", shown.get("kafka.input-topic"));
        assertEquals("forecaster-backtest", shown.get("kafka.group-id"));
        assertEquals("(hidden)", shown.get("kafka.properties.sasl.jaas.config"));
        assertEquals("2024-01-01T00:00:00Z", shown.get("--from"));
        assertTrue(!shown.containsKey("kafka.output-topic") && !shown.containsKey("kafka.delivery-guarantee"));
    }
}
