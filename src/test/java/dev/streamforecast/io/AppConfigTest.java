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
    void unknownKeysAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AppConfig.of(Map.of("train.k3", "5")));
        assertTrue(e.getMessage().contains("unknown setting(s) [train.k3]"), e.getMessage());
    }

    @Test
    void badValuesNameTheKeyAndWhatItAccepts() {
        assertEquals("invalid kafka.delivery-guarantee = twice: expected one of exactly-once, at-least-once, none",
                assertThrows(IllegalArgumentException.class,
                        () -> AppConfig.of(Map.of("kafka.delivery-guarantee", "twice"))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AppConfig.of(Map.of("events.max-out-of-orderness", "soon"))).getMessage()
                .startsWith("invalid events.max-out-of-orderness = soon"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AppConfig.of(Map.of("model.hidden", "0"))).getMessage().startsWith("invalid model.hidden = 0"));
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
}
