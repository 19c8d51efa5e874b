package dev.streamforecast.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.SampleData;
import dev.streamforecast.testutil.Fixtures;
import dev.streamforecast.testutil.KafkaTopics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQL job as docs/sql.md declares it (Kafka tables in DDL, JSON, exactly-once) at parallelism 2,
 * stopped with a savepoint while each series' newest row waits in state, and restored: the forecasts
 * and refusals continue exactly as those of a run that was never stopped.
 */
class ForecastSqlSavepointITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2).build());

    private static final int HOURS = 200;
    private static final int KEYS = 4;

    private static StreamTableEnvironment tables(EmbeddedKafka kafka, String output, boolean bounded,
            String restoreFrom) {
        Configuration conf = new Configuration();
        conf.setString("pipeline.generic-types", "false");
        StreamTableEnvironment t = StreamTableEnvironment.create(StreamExecutionEnvironment.getExecutionEnvironment(conf));
        t.getConfig().set("parallelism.default", "2");
        t.getConfig().set("execution.checkpointing.interval", "200ms");
        if (restoreFrom != null) {
            t.getConfig().set("execution.state-recovery.path", restoreFrom);
        }
        String servers = kafka.bootstrapServers();
        t.executeSql("CREATE TABLE observations (`key` STRING, ts BIGINT, `value` DOUBLE) WITH ("
                + "'connector' = 'kafka', 'topic' = 'observations', 'properties.bootstrap.servers' = '" + servers + "', "
                + "'properties.group.id' = 'g-" + output + "', 'scan.startup.mode' = 'earliest-offset', "
                + (bounded ? "'scan.bounded.mode' = 'latest-offset', " : "")
                + "'format' = 'json')");
        t.executeSql("CREATE TABLE " + output + " (`key` STRING, ts TIMESTAMP_LTZ(3), `value` DOUBLE, forecast DOUBLE, "
                + "`lower` DOUBLE, `upper` DOUBLE, events BIGINT, updates BIGINT, `model` STRING, refusal STRING, "
                + "reason STRING, steps ARRAY<ROW<h INT, ts TIMESTAMP_LTZ(3), forecast DOUBLE, `lower` DOUBLE, `upper` DOUBLE>>, anomaly DOUBLE, anomalous BOOLEAN, anomaly_status STRING) WITH ("
                + "'connector' = 'kafka', 'topic' = '" + output + "', 'properties.bootstrap.servers' = '" + servers + "', "
                + "'key.format' = 'raw', 'key.fields' = 'key', 'value.format' = 'json', "
                + "'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'tx-" + output + "')");
        t.executeSql("CREATE FUNCTION forecast AS '" + ForecastTableFunction.class.getName() + "'");
        return t;
    }

    private static final String CONFIG = "MAP['model.hidden', '8', 'train.k1', '4', 'model.linear-order', '6']";

    private static JobClient insert(StreamTableEnvironment t, String output) {
        return insert(t, output, CONFIG);
    }

    private static JobClient insert(StreamTableEnvironment t, String output, String config) {
        TableResult r = t.executeSql("INSERT INTO " + output + " SELECT * FROM forecast("
                + "input => TABLE observations PARTITION BY `key`, time_column => 'ts', "
                + "config => " + config + ", uid => 'forecast_v1')");
        return r.getJobClient().orElseThrow();
    }

    /** Each series' rows as committed, in order: the JSON values exactly as written. */
    private static Map<String, List<String>> committed(EmbeddedKafka kafka, String topic) {
        Map<String, List<String>> m = new TreeMap<>();
        for (var r : KafkaTopics.readToEnd(kafka.clientProperties(), topic, "read_committed", Duration.ofSeconds(60))) {
            m.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(new String(r.value(), StandardCharsets.UTF_8));
        }
        return m;
    }

    @Test
    void forecastsContinueAfterStopWithSavepointAsInAnUninterruptedRun(@TempDir Path savepoints) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("observations", 4);
            kafka.createTopic("resumed", 2);
            kafka.createTopic("straight", 2);
            List<Observation> all = Fixtures.disordered(SampleData.generate(HOURS));
            List<Observation> first = all.subList(0, all.size() / 2);
            KafkaTopics.produce(kafka.clientProperties(), "observations", KafkaTopics.records(first));

            JobClient job = insert(tables(kafka, "resumed", false, null), "resumed");
            // every row so far is forecast or refused, but each series' newest, which waits for its clock
            KafkaTopics.awaitCommitted(kafka.clientProperties(), "resumed", first.size() - KEYS, Duration.ofSeconds(120));
            String savepoint = job.stopWithSavepoint(false, savepoints.toUri().toString(),
                    SavepointFormatType.CANONICAL).get();

            KafkaTopics.produce(kafka.clientProperties(), "observations",
                    KafkaTopics.records(all.subList(first.size(), all.size())));
            // the restored source keeps its splits, unbounded: drain it, as the end of an input would
            job = insert(tables(kafka, "resumed", false, savepoint), "resumed");
            KafkaTopics.awaitCommitted(kafka.clientProperties(), "resumed", all.size() - KEYS, Duration.ofSeconds(120));
            job.stopWithSavepoint(true, savepoints.toUri().toString(), SavepointFormatType.CANONICAL).get();
            insert(tables(kafka, "straight", true, null), "straight").getJobExecutionResult().get();

            Map<String, List<String>> resumed = committed(kafka, "resumed");
            Map<String, List<String>> straight = committed(kafka, "straight");
            assertEquals(KEYS, straight.size());
            assertEquals(all.size(), straight.values().stream().mapToInt(List::size).sum(),
                    "a row out for every row in: a forecast or a refusal");
            assertEquals(straight, resumed, "none lost, none twice, each bit the same");
        }
    }

    /**
     * The SQL function's serializers cannot know the settings (they arrive with the rows), so the check
     * is per series, at its next row: it names each changed setting from the config the model was
     * stored under, and fails the job without restarts.
     */
    @Test
    void aRestoreUnderOtherShapingSettingsFailsNamingThem(@TempDir Path savepoints) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("observations", 2);
            kafka.createTopic("shaped", 2);
            List<Observation> all = SampleData.generate(40);
            List<Observation> first = all.subList(0, all.size() / 2);
            KafkaTopics.produce(kafka.clientProperties(), "observations", KafkaTopics.records(first));
            JobClient job = insert(tables(kafka, "shaped", false, null), "shaped");
            KafkaTopics.awaitCommitted(kafka.clientProperties(), "shaped", first.size() - KEYS, Duration.ofSeconds(120));
            String savepoint = job.stopWithSavepoint(false, savepoints.toUri().toString(),
                    SavepointFormatType.CANONICAL).get();
            KafkaTopics.produce(kafka.clientProperties(), "observations",
                    KafkaTopics.records(all.subList(first.size(), all.size())));

            JobClient other = insert(tables(kafka, "shaped", false, savepoint), "shaped",
                    "MAP['model.hidden', '6', 'train.k1', '4', 'model.linear-order', '6']");
            Exception e = assertThrows(ExecutionException.class, () -> other.getJobExecutionResult().get());
            String message = ExceptionUtils.stringifyException(e);
            assertTrue(message.contains("the restored model cannot continue under this job's settings: its shaping "
                    + "settings differ: model.hidden: 8 -> 6. Restore with the settings it was made under, or set "
                    + "model.on-shape-change=reset"), message);
            assertTrue(ExceptionUtils.findThrowable(e, SuppressRestartsException.class).isPresent(), "no restarts");
        }
    }
}
