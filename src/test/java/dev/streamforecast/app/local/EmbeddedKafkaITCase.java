package dev.streamforecast.app.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.testutil.KafkaTopics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaITCase {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void readCommittedConsumerSeesExactlyTheCommittedTransactions() throws Exception {
        String topic = "transactions";
        kafka.createTopic(topic, 3);

        Properties p = kafka.clientProperties();
        p.setProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-kafka-test");
        p.setProperty(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.setProperty(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();

            producer.beginTransaction();
            for (int i = 0; i < 6; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "committed-" + i));
            }
            producer.commitTransaction();

            producer.beginTransaction();
            for (int i = 0; i < 6; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();

            // A transaction after the aborted one proves the consumer reads past it, not up to it.
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k0", "committed-late"));
            producer.commitTransaction();
        }

        Set<String> committed = readAll(topic, "read_committed");
        Set<String> expected = new TreeSet<>(List.of("committed-0", "committed-1", "committed-2",
                "committed-3", "committed-4", "committed-5", "committed-late"));
        assertEquals(expected, committed);

        // The aborted records did reach the log: only the isolation level hides them.
        Set<String> uncommitted = readAll(topic, "read_uncommitted");
        assertEquals(13, uncommitted.size());
        assertTrue(uncommitted.containsAll(expected));
        assertTrue(uncommitted.contains("aborted-3"));
    }

    @Test
    void brokerRunsReleasedMetadataAndFeatureLevels() throws Exception {
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            Map<String, FinalizedVersionRange> finalized =
                    admin.describeFeatures().featureMetadata().get().finalizedFeatures();
            MetadataVersion release = MetadataVersion.latestProduction();
            assertEquals(release.featureLevel(), finalized.get("metadata.version").maxVersionLevel());
            short transactions = Feature.TRANSACTION_VERSION.defaultLevel(release);
            FinalizedVersionRange tv = finalized.get(Feature.TRANSACTION_VERSION.featureName());
            assertEquals(transactions, tv == null ? 0 : tv.maxVersionLevel());
        }
    }

    @Test
    void creatingATopicTwiceIsRefused() {
        kafka.createTopic("twice", 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> kafka.createTopic("twice", 1));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void closeStopsTheBrokerAndDeletesItsData() throws Exception {
        EmbeddedKafka own = EmbeddedKafka.start();
        Path dir = own.dataDirectory();
        String[] hostPort = own.bootstrapServers().split(":");
        InetSocketAddress address = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
        assertTrue(Files.isDirectory(dir));
        assertTrue(accepts(address));

        own.close();
        own.close();

        assertFalse(Files.exists(dir), dir + " still exists");
        assertFalse(accepts(address), "the broker still listens on " + address);
        assertThrows(IllegalStateException.class, () -> own.createTopic("after-close", 1));
    }

    private static boolean accepts(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Set<String> readAll(String topic, String isolationLevel) {
        List<String> values = KafkaTopics.readToEnd(kafka.clientProperties(), topic, isolationLevel,
                Duration.ofSeconds(30)).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).collect(Collectors.toList());
        Set<String> distinct = new TreeSet<>(values);
        assertEquals(values.size(), distinct.size(), "duplicates in " + values);
        return distinct;
    }
}
