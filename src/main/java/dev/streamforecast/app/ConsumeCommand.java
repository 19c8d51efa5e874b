package dev.streamforecast.app;

import dev.streamforecast.io.AppConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code consume}: a topic's records as the job's readers see them (read_committed), for a user without
 * Kafka's console tools.
 */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Print a topic's records from its beginning as they are committed (read_committed), one a "
                + "line: key, a tab, value. The configuration's forecast topic unless --topic (--topic "
                + "forecasts-dead-letters for the refused input); runs until stopped, or --max records.")
public final class ConsumeCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions settings;

    @Option(names = "--topic", description = "Topic to read (default: kafka.output-topic).")
    String topic;

    @Option(names = "--max", description = "Stop after this many records (default: run until stopped).")
    Integer max;

    @Override
    public Integer call() throws Exception {
        AppConfig c = settings.load();
        String from = topic != null ? topic : c.get(AppConfig.OUTPUT_TOPIC);
        if (max != null) {
            Checks.range(max, 1, Integer.MAX_VALUE, "--max");
        }
        Properties p = ConfigOptions.client(c, from);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        int printed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            // no group: every run reads the whole topic and leaves no offsets behind
            List<TopicPartition> partitions = consumer.partitionsFor(from).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            System.err.println("consume: reading '" + from + "' at " + c.get(AppConfig.BOOTSTRAP_SERVERS)
                    + " (read_committed)" + (max == null ? "; stop with Ctrl-C" : ""));
            while (max == null || printed < max) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (max != null && printed == max) {
                        break;
                    }
                    System.out.println(text(r.key()) + "\t" + text(r.value()));
                    printed++;
                }
                System.out.flush();
            }
        }
        return 0;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }
}
