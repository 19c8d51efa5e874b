package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppConfigTest {

    @Test
    void everyBundledConfigIsValid() throws IOException {
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(Path.of("configs"), "*.properties")) {
            for (Path f : files) {
                AppConfig c = AppConfig.load(f);
                assertTrue(c.model().id().length() > 0);
                n++;
            }
        }
        assertTrue(n >= 3, "configs/ holds the documented examples");
    }

    @Test
    void unknownKeysAreRefusedByNameWithTheNearestKnownOne() {
        assertEquals("unknown setting 'train.k3' (did you mean train.k1?); docs/configuration.md lists every setting",
                assertThrows(UserError.class, () -> AppConfig.of(Map.of("train.k3", "5"))).getMessage());
        assertEquals("unknown setting 'colour'; docs/configuration.md lists every setting",
                assertThrows(UserError.class, () -> AppConfig.of(Map.of("colour", "blue"))).getMessage());
    }

    @Test
    void badValuesNameTheKeyAndWhatItAccepts() {
        assertEquals("invalid kafka.delivery-guarantee = twice: expected one of exactly-once, at-least-once, none",
                assertThrows(UserError.class,
                        () -> AppConfig.of(Map.of("kafka.delivery-guarantee", "twice"))).getMessage());
        assertEquals("invalid events.max-out-of-orderness = soon: expected a duration such as 250ms, 5s, 10min, 7d",
                assertThrows(UserError.class,
                        () -> AppConfig.of(Map.of("events.max-out-of-orderness", "soon"))).getMessage());
        assertEquals("invalid model.hidden = 0: expected an integer in [1, 4096]", assertThrows(UserError.class,
                () -> AppConfig.of(Map.of("model.hidden", "0"))).getMessage());
        assertEquals("invalid kafka.input-topic = '': expected a non-empty value", assertThrows(UserError.class,
                () -> AppConfig.of(Map.of("kafka.input-topic", " "))).getMessage());
    }

    @Test
    void aMissingFileSaysWhatToGive(@TempDir Path dir) {
        assertEquals("no configuration file " + dir.resolve("nope.properties")
                        + "; give the path of a properties file (configs/ has examples)",
                assertThrows(UserError.class, () -> AppConfig.load(dir.resolve("nope.properties"))).getMessage());
    }

    @Test
    void aBadValueInAFileNamesTheFile(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("job.properties"), "train.k1 = 0\n");
        assertEquals(f + ": invalid train.k1 = 0: expected an integer in [1, 100000]",
                assertThrows(UserError.class, () -> AppConfig.load(f)).getMessage());
    }

    @Test
    void defaultsAreTheTablesAndTypedValuesComeFromThem() {
        AppConfig c = AppConfig.defaultsOnly();
        assertEquals(AppConfig.defaults(), c.asMap());
        assertEquals(0, c.get(AppConfig.PARALLELISM));
        assertEquals(Duration.ofDays(7), c.get(AppConfig.IDLE_STATE_RETENTION));
        assertEquals(Duration.ofSeconds(10), c.duration("job.checkpoint-interval"));
        assertEquals("committed", c.startingOffsets());
    }

    @Test
    void secretsAreHiddenWhenPrinted() {
        AppConfig c = AppConfig.of(Map.of("kafka.properties.sasl.jaas.config", "x password=\"p\";",
                "kafka.properties.ssl.truststore.password", "p", "kafka.properties.security.protocol", "SASL_SSL"));
        assertEquals("(hidden)", c.asPrintableMap().get("kafka.properties.sasl.jaas.config"));
        assertEquals("(hidden)", c.asPrintableMap().get("kafka.properties.ssl.truststore.password"));
        assertEquals("SASL_SSL", c.asPrintableMap().get("kafka.properties.security.protocol"));
    }

    @Test
    void clientAndFlinkPropertiesPassThrough() {
        AppConfig c = AppConfig.of(Map.of("kafka.bootstrap-servers", "k:9092",
                "kafka.properties.security.protocol", "SASL_SSL", "flink.state.backend.type", "rocksdb",
                "events.max-out-of-orderness", "250ms"));
        assertEquals("k:9092", c.kafkaClientProperties().getProperty("bootstrap.servers"));
        assertEquals("SASL_SSL", c.kafkaClientProperties().getProperty("security.protocol"));
        assertEquals(Map.of("state.backend.type", "rocksdb"), c.flinkSettings());
        assertEquals(Duration.ofMillis(250), c.duration("events.max-out-of-orderness"));
    }

    @Test
    void aKeyFlinkDoesNotDefineReachesFlinkWithoutTheEscape() {
        AppConfig c = AppConfig.of(Map.of("flink.unchecked.s3.endpoint", "http://minio:9000",
                "flink.parallelism.default", "3"));
        assertEquals(Map.of("s3.endpoint", "http://minio:9000", "parallelism.default", "3"), c.flinkSettings());
    }

    @Test
    void aSqlSessionsSettingIsCheckedInTheContextOfTheSettingsBeforeIt() {
        assertEquals("table.exec.mini-batch.enabled", AppConfig.flinkSetting("table.exec.mini-batch.enabled", "true",
                Map.of()));
        assertEquals("s3.endpoint", AppConfig.flinkSetting("unchecked.s3.endpoint", "http://minio:9000", Map.of()));
        assertEquals("execution.checkpointing.storage", AppConfig.flinkSetting("execution.checkpointing.storage",
                "filesystem", Map.of("execution.checkpointing.dir", "file:///tmp/c")));
        UserError e = assertThrows(UserError.class, () -> AppConfig.flinkSetting("execution.checkpointing.storage",
                "filesystem", Map.of()));
        assertTrue(e.getMessage().startsWith("invalid execution.checkpointing.storage = filesystem: expected "
                + "jobmanager, filesystem or the class name of a CheckpointStorageFactory (Flink: "), e.getMessage());
        e = assertThrows(UserError.class, () -> AppConfig.flinkSetting("table.exec.mini-batch.enabeld", "true", Map.of()));
        assertTrue(e.getMessage().startsWith("unknown setting 'table.exec.mini-batch.enabeld' (did you mean "
                + "table.exec.mini-batch.enabled?); Flink defines no such option (one it does not define passes as "
                + "unchecked.table.exec.mini-batch.enabeld)"), e.getMessage());
    }
}
