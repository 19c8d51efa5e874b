package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.testutil.KafkaTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets stay out of configuration files: a {@code kafka.properties.*} value may name a Kafka config
 * provider's entry ({@code ${file:PATH:KEY}}, {@code ${env:VAR}}), which the Kafka clients resolve
 * where they run. Checked with a setting the clients cannot work without: the brokers' address.
 */
class KafkaSecretsITCase {
    @Test
    void clientSettingsMayComeFromAConfigProviderInsteadOfTheFile(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("secret-topic", 1);
            Path secrets = dir.resolve("kafka-secrets.properties");
            Files.writeString(secrets, "servers=" + kafka.bootstrapServers() + "\n");
            AppConfig config = AppConfig.of(Map.of(
                    "kafka.bootstrap-servers", "nowhere.invalid:9092",
                    "kafka.properties.config.providers", "file",
                    "kafka.properties.config.providers.file.class",
                    "org.apache.kafka.common.config.provider.FileConfigProvider",
                    "kafka.properties.bootstrap.servers", "${file:" + secrets + ":servers}"));
            Properties client = config.kafkaClientProperties();
            assertEquals("${file:" + secrets + ":servers}", client.getProperty("bootstrap.servers"),
                    "passed on unresolved: the clients resolve it where they run");
            KafkaTopics.produce(client, "secret-topic", List.<String[]>of(new String[] {"k", "{\"v\":1}"}));
            assertEquals(1, KafkaTopics.readToEnd(client, "secret-topic", "read_committed", Duration.ofSeconds(30)).size());
        }
    }
}
