package dev.streamforecast.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamforecast.io.AppConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code produce}: events from standard input to Kafka, one record a line, keyed by the event's series
 * key as the job expects, for a user without Kafka's console tools.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Write lines from standard input to Kafka, one record each: the configuration's input topic "
                + "unless --topic. A line that is a JSON object with a \"key\" is keyed by it (the series key); any "
                + "other line is sent as it is, without a key (the job makes it a dead letter).")
public final class ProduceCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions settings;

    @Option(names = "--topic", description = "Topic to write to (default: kafka.input-topic).")
    String topic;

    @Override
    public Integer call() throws Exception {
        AppConfig c = settings.load();
        String to = topic != null ? topic : c.get(AppConfig.INPUT_TOPIC);
        Properties p = ConfigOptions.client(c, to);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        ObjectMapper json = new ObjectMapper();
        int sent = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                String key = key(json, line);
                producer.send(new ProducerRecord<>(to, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                        line.getBytes(StandardCharsets.UTF_8))).get();
                sent++;
            }
        }
        System.err.println("produce: " + sent + " record" + (sent == 1 ? "" : "s") + " written to '" + to + "' at "
                + c.get(AppConfig.BOOTSTRAP_SERVERS));
        return 0;
    }

    /** The series key of an event's JSON, or null when the line is not such an object. */
    static String key(ObjectMapper json, String line) {
        try {
            JsonNode key = json.readTree(line).path("key");
            return key.isTextual() ? key.asText() : null;
        } catch (Exception e) {
            return null;
        }
    }
}
