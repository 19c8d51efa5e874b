package dev.streamforecast.app.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker in this JVM: KRaft mode, one process acting as broker and controller.
 *
 * <p>For the {@code demo} and {@code kafka} commands and for integration tests, never for production: it
 * listens on a localhost port (random unless chosen) without security, keeps its logs in a temporary
 * directory that {@link #close()} deletes, and replicates nothing. Internal topics are sized for one
 * broker and transactions may last up to an hour, so exactly-once Flink sinks work against it unchanged.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(30);
    /** The listener clients use when the broker serves them on a port they chose. */
    private static final String CLIENTS = "CLIENTS";

    /** Broker settings that differ from Kafka's defaults, which assume a cluster of three or more. */
    static final Map<String, String> BROKER_CONFIG = Map.ofEntries(
            Map.entry("offsets.topic.replication.factor", "1"),
            Map.entry("offsets.topic.num.partitions", "4"),
            Map.entry("transaction.state.log.replication.factor", "1"),
            Map.entry("transaction.state.log.min.isr", "1"),
            Map.entry("transaction.state.log.num.partitions", "4"),
            Map.entry("transaction.max.timeout.ms", "3600000"),
            Map.entry("share.coordinator.state.topic.replication.factor", "1"),
            Map.entry("share.coordinator.state.topic.min.isr", "1"),
            Map.entry("group.initial.rebalance.delay.ms", "0"),
            Map.entry("unstable.api.versions.enable", "false"),
            Map.entry("unstable.feature.versions.enable", "false"));

    private final KafkaClusterTestKit cluster;
    private final Path baseDir;
    private final String bootstrapServers;
    private Admin admin;
    private boolean closed;

    private EmbeddedKafka(KafkaClusterTestKit cluster, Path baseDir, String bootstrapServers) {
        this.cluster = cluster;
        this.baseDir = baseDir;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Formats storage in a fresh temporary directory, starts the node on a free port and waits until it
     * accepts clients.
     *
     * @throws IllegalStateException if the broker does not come up; nothing is left behind then
     */
    public static EmbeddedKafka start() {
        return start(0);
    }

    /**
     * As {@link #start()}, with clients served on {@code port} of localhost (0: any free port).
     *
     * @throws IllegalStateException if the broker does not come up; nothing is left behind then
     */
    public static EmbeddedKafka start(int port) {
        Path dir;
        try {
            dir = Files.createTempDirectory("embedded-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the embedded Kafka broker", e);
        }
        KafkaClusterTestKit cluster = null;
        try {
            // The test kit defaults to the newest metadata version under development; a broker
            // formatted by Kafka's own tools starts at the latest production levels instead.
            MetadataVersion release = MetadataVersion.latestProduction();
            Map<String, Short> features = new HashMap<>();
            for (Feature f : Feature.PRODUCTION_FEATURES) {
                if (f != Feature.KRAFT_VERSION) {
                    features.put(f.featureName(), f.defaultLevel(release));
                }
            }
            TestKitNodes.Builder nodes = new TestKitNodes.Builder(
                    BootstrapMetadata.fromVersions(release, features, "embedded broker"))
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBaseDirectory(dir);
            TestKitNodes built = nodes.build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(built).setDeleteOnClose(true);
            BROKER_CONFIG.forEach(builder::setConfigProp);
            if (port > 0) {
                // the test kit binds its listeners to ports of its choosing before the node starts: clients
                // get a listener of their own, which the broker advertises on the port they connected to
                String broker = built.brokerListenerName().value();
                String controller = built.controllerListenerName().value();
                builder.setConfigProp("listeners", broker + "://localhost:0," + controller + "://localhost:0,"
                        + CLIENTS + "://localhost:" + port);
                builder.setConfigProp("listener.security.protocol.map", broker + ":PLAINTEXT," + controller
                        + ":PLAINTEXT," + CLIENTS + ":PLAINTEXT");
            }
            cluster = builder.build();
            formatQuietly(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafka(cluster, dir, port > 0 ? "localhost:" + port : cluster.bootstrapServers());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (cluster != null) {
                try {
                    cluster.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            deleteRecursively(dir);
            throw new IllegalStateException("the embedded Kafka broker did not start: " + e, e);
        }
    }

    /**
     * Formats the storage directories. Kafka's formatter reports on standard output, which belongs to
     * the program embedding the broker (the demo prints forecasts there), so its report is logged.
     */
    private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        synchronized (System.class) {
            PrintStream stdout = System.out;
            System.setOut(new PrintStream(report, true, StandardCharsets.UTF_8));
            try {
                cluster.format();
            } finally {
                System.setOut(stdout);
            }
        }
        String text = report.toString(StandardCharsets.UTF_8).strip();
        if (!text.isEmpty()) {
            LOG.info(text);
        }
    }

    /** {@code host:port} of the broker's plaintext listener, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The temporary directory holding the broker's logs and metadata; gone after {@link #close()}. */
    Path dataDirectory() {
        return baseDir;
    }

    /** Client properties that reach this broker; add to them freely, they are a fresh copy. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    /**
     * Creates a topic (replication factor 1) and waits until every partition has a leader, so that
     * producers and consumers started right after see all of its partitions.
     *
     * @throws IllegalStateException if the topic exists already or does not become ready in time
     */
    public synchronized void createTopic(String name, int partitions) {
        if (closed) {
            throw new IllegalStateException("the embedded Kafka broker is closed");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        Admin a = admin();
        try {
            a.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all()
                    .get(TOPIC_READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            awaitLeaders(a, name, partitions);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("cannot create topic '" + name + "': " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic '" + name + "'", e);
        }
    }

    /** Stops the broker and deletes its data; calling it again does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
            cluster.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("the embedded Kafka broker did not stop cleanly: " + e, e);
        } finally {
            deleteRecursively(baseDir);
        }
    }

    private Admin admin() {
        if (admin == null) {
            admin = Admin.create(clientProperties());
        }
        return admin;
    }

    private static void awaitLeaders(Admin a, String name, int partitions)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TOPIC_READY_TIMEOUT.toNanos();
        while (true) {
            try {
                TopicDescription d = a.describeTopics(List.of(name)).allTopicNames()
                        .get(TOPIC_READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(name);
                if (d.partitions().size() == partitions
                        && d.partitions().stream().map(TopicPartitionInfo::leader).allMatch(l -> l != null)) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("topic '" + name + "' has no leader for all " + partitions
                        + " partitions after " + TOPIC_READY_TIMEOUT.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }

    private static void deleteRecursively(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException gone) {
            // deleted by the broker already
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
