package dev.streamforecast.app.local;

import dev.streamforecast.app.Checks;
import dev.streamforecast.app.ConfigOptions;
import dev.streamforecast.app.Logging;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.UserError;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.errors.InvalidTopicException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kafka}: a broker to try the forecaster against, without installing Kafka. The embedded KRaft
 * broker of {@code demo}, on a port of localhost, with the configuration's three topics created, in the
 * foreground until the process is stopped (Ctrl-C, SIGTERM), when it shuts down and deletes its data.
 */
@Command(name = "kafka", mixinStandardHelpOptions = true,
        description = "Run a Kafka broker (KRaft, in this process) on localhost with the configuration's topics "
                + "created, until stopped with Ctrl-C; its data is deleted then. For trying run, produce and "
                + "consume without a Kafka of your own.")
public final class KafkaCommand implements Callable<Integer> {
    /** Host names that reach this broker, which listens on localhost only. */
    private static final List<String> LOCAL = List.of("localhost", "127.0.0.1", "[::1]");

    @Mixin
    ConfigOptions settings;

    @Option(names = "--port", description = "Port of localhost to listen on (default: the one kafka.bootstrap-servers "
            + "names).")
    Integer port;

    @Option(names = "--partitions", description = "Partitions of the input and forecast topics (default: "
            + "${DEFAULT-VALUE}).")
    int partitions = 2;

    @Override
    public Integer call() throws Exception {
        AppConfig c = settings.load();
        int listen = port != null ? Checks.range(port, 1, 65_535, "--port") : port(c.get(AppConfig.BOOTSTRAP_SERVERS));
        Checks.range(partitions, 1, 10_000, "--partitions");
        LocalJar.BROKER.require("kafka");
        checkFree(listen);
        System.err.println("kafka: " + Logging.where());
        EmbeddedKafka kafka = EmbeddedKafka.start(listen);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            System.err.println("kafka: stopped; its data is deleted");
            stopped.countDown();
        }, "kafka-stop"));
        String input = c.get(AppConfig.INPUT_TOPIC);
        String output = c.get(AppConfig.OUTPUT_TOPIC);
        String deadLetters = c.get(AppConfig.DEAD_LETTER_TOPIC);
        createTopic(kafka, input, partitions);
        createTopic(kafka, output, partitions);
        createTopic(kafka, deadLetters, 1);
        System.out.printf(Locale.ROOT, "kafka: broker at %s (KRaft), topics '%s' and '%s' (%d partitions each) and "
                + "'%s' (1); stop it with Ctrl-C%n", kafka.bootstrapServers(), input, output, partitions, deadLetters);
        System.out.flush();
        stopped.await(); // the process ends once the shutdown hook has stopped the broker
        return 0;
    }

    private static void createTopic(EmbeddedKafka kafka, String name, int partitions) {
        try {
            kafka.createTopic(name, partitions);
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof InvalidTopicException) {
                throw new UserError("'" + name + "' is not a topic name Kafka accepts (" + e.getCause().getMessage()
                        + "): see kafka.input-topic, kafka.output-topic and kafka.dead-letter-topic", e);
            }
            throw e;
        }
    }

    /** The port of the first of {@code servers} (host:port,...), which must name this machine. */
    static int port(String servers) {
        String first = servers.split(",")[0].strip();
        int colon = first.lastIndexOf(':');
        String host = colon < 0 ? first : first.substring(0, colon);
        if (colon < 0 || !LOCAL.contains(host.toLowerCase(Locale.ROOT))) {
            throw new UserError("kafka.bootstrap-servers is " + servers + ", but this broker listens on localhost: "
                    + "give --port, or a configuration whose kafka.bootstrap-servers is localhost:PORT");
        }
        try {
            return Checks.range(Integer.parseInt(first.substring(colon + 1)), 1, 65_535, "kafka.bootstrap-servers port");
        } catch (NumberFormatException e) {
            throw new UserError("kafka.bootstrap-servers " + servers + ": '" + first.substring(colon + 1)
                    + "' is not a port");
        }
    }

    private static void checkFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("localhost", port));
        } catch (IOException e) {
            throw new UserError("port " + port + " of localhost is taken (a broker running already?): stop what "
                    + "listens there or choose another port with --port");
        }
    }
}
