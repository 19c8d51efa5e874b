package dev.streamforecast.app.local;

import dev.streamforecast.app.LiveJob;
import dev.streamforecast.app.Logging;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.DeadLetterCodec;
import dev.streamforecast.io.ForecastCodec;
import dev.streamforecast.io.ObservationCodec;
import dev.streamforecast.io.SampleData;
import dev.streamforecast.io.Timestamps;
import dev.streamforecast.io.UserError;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: everything on one machine. An embedded Kafka broker, the bundled sample series
 * streamed into it (with a few malformed records), the live job on a local Flink mini cluster with
 * exactly-once output, and the forecasts read back (read_committed) and printed as they arrive.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Embedded Kafka + local Flink + bundled sample data: watch forecasts arrive.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--hours", description = "Hours of sample data per series (default: ${DEFAULT-VALUE}).")
    int hours = 2000;

    @Option(names = "--every", description = "Print every n-th forecast of each series (default: ${DEFAULT-VALUE}).")
    int every = 250;

    @Option(names = "--set", description = "Override one setting, e.g. --set train.k1=4 (repeatable).")
    List<String> overrides = List.of();

    @Override
    public Integer call() throws Exception {
        // options and settings are checked before Kafka starts
        if (hours < 1 || every < 1) {
            throw new UserError("--hours and --every expect whole numbers from 1, got " + hours + " and " + every);
        }
        AppConfig given = AppConfig.defaultsOnly().with(dev.streamforecast.app.RunCommand.parseOverrides(overrides));
        LiveJob.settings(given);
        if (!given.get(AppConfig.CHECKPOINT_DIR).isBlank()) {
            throw new UserError("job.checkpoint-dir is where run keeps checkpoints to resume from; the demo starts "
                    + "afresh on a broker of its own every time and keeps none");
        }
        LocalJar.BROKER.require("demo");
        long started = System.nanoTime();
        System.err.println("demo: " + Logging.where());
        System.err.println("demo: starting an embedded Kafka broker (KRaft)...");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("observations", 2);
            kafka.createTopic("forecasts", 2);
            kafka.createTopic("forecasts-dead-letters", 1);
            List<Observation> sample = SampleData.generate(hours);
            int malformed = produce(kafka, sample);
            System.err.printf(Locale.ROOT, "demo: wrote %d sample events (4 series) and %d malformed records "
                    + "to 'observations'%n", sample.size(), malformed);

            Map<String, String> settings = new java.util.LinkedHashMap<>();
            settings.put("kafka.bootstrap-servers", kafka.bootstrapServers());
            settings.put("kafka.starting-offsets", "earliest");
            settings.put("job.parallelism", "2");
            settings.put("job.checkpoint-interval", "1s");
            settings.put("events.max-out-of-orderness", "0s");
            settings.putAll(dev.streamforecast.app.RunCommand.parseOverrides(overrides));
            AppConfig config = AppConfig.of(settings);

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                    LiveJob.flinkConfiguration(config));
            LiveJob.define(env, config, OffsetsInitializer.latest());
            System.err.println("demo: running the forecaster on a local Flink mini cluster (parallelism 2, "
                    + "model " + config.model().name() + " " + config.model().id() + ", exactly-once, checkpoint every 1s)");
            JobClient job = env.executeAsync("forecaster-demo");
            // the bounded job's result, never its status: once it has ended by itself its local cluster
            // shuts down, and asking for the status then fails
            CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();

            Summary summary = new Summary();
            try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafka)) {
                consumer.subscribe(List.of("forecasts", "forecasts-dead-letters"));
                boolean finished = false;
                long idleSince = System.nanoTime();
                while (true) {
                    int n = 0;
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        n++;
                        if (r.topic().equals("forecasts")) {
                            summary.add(ForecastCodec.decode(r.value()), every);
                        } else {
                            var d = DeadLetterCodec.decode(r.value());
                            System.out.println("dead letter  " + d.origin + ": " + d.reason);
                        }
                    }
                    if (n > 0) {
                        idleSince = System.nanoTime();
                    }
                    if (!finished && result.isDone()) {
                        result.get(); // rethrows the job's failure
                        finished = true;
                        idleSince = System.nanoTime();
                    }
                    if (finished && System.nanoTime() - idleSince > 2_000_000_000L) {
                        break;
                    }
                }
            }
            summary.print();
            System.err.printf(Locale.ROOT, "demo: done in %.1f s%n", (System.nanoTime() - started) / 1e9);
            return summary.count == sample.size() ? 0 : 1;
        }
    }

    /** Writes {@code sample} to the topic {@code observations}, with a few malformed records among them; returns how many. */
    static int produce(EmbeddedKafka kafka, List<Observation> sample) throws Exception {
        Properties p = kafka.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        ObservationCodec codec = new ObservationCodec(List.of());
        List<String> bad = List.of("not json at all",
                "{\"key\": \"sensor-temp\", \"ts\": \"yesterday\", \"value\": 1.0}",
                "{\"key\": \"price-alpha\", \"ts\": 1704067200000, \"value\": \"NaN\"}",
                "{\"ts\": 1704067200000, \"value\": 3}");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < sample.size(); i++) {
                Observation o = sample.get(i);
                producer.send(new ProducerRecord<>("observations", o.key.getBytes(StandardCharsets.UTF_8),
                        codec.encode(o)));
                if (i % (sample.size() / bad.size() + 1) == 7) {
                    String b = bad.get(i / (sample.size() / bad.size() + 1));
                    producer.send(new ProducerRecord<>("observations", null, b.getBytes(StandardCharsets.UTF_8)));
                }
            }
            producer.flush();
        }
        return bad.size();
    }

    private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafka kafka) {
        Properties p = kafka.clientProperties();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "demo-reader");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /** Per-key errors of the forecasts and of persistence, scored after a warm-up. */
    static final class Summary {
        static final int WARM_UP = 200;
        final Map<String, double[]> perKey = new TreeMap<>();
        final Map<String, Forecast> last = new TreeMap<>();
        int count;

        void add(Forecast f, int every) {
            count++;
            Forecast prev = last.put(f.key, f);
            double[] s = perKey.computeIfAbsent(f.key, k -> new double[3]);
            if (prev != null && f.events > WARM_UP) {
                s[0] += Math.abs(f.value - prev.forecast);
                s[1] += Math.abs(f.value - prev.value);
                s[2]++;
            }
            if (f.events % every == 0) {
                System.out.printf(Locale.ROOT, "%-12s %s  value %10.4f  next %10.4f  [%10.4f, %10.4f]  "
                        + "events %5d  updates %4d%n", f.key, Timestamps.format(f.ts), f.value, f.forecast,
                        f.lower, f.upper, f.events, f.updates);
            }
        }

        void print() {
            System.out.println();
            System.out.printf(Locale.ROOT, "%-12s %8s %12s %16s %10s%n", "series", "events", "MAE model",
                    "MAE persistence", "change");
            List<String> keys = new ArrayList<>(perKey.keySet());
            for (String k : keys) {
                double[] s = perKey.get(k);
                double model = s[0] / s[2];
                double persistence = s[1] / s[2];
                System.out.printf(Locale.ROOT, "%-12s %8d %12.4f %16.4f %+9.1f%%%n", k, last.get(k).events,
                        model, persistence, 100 * (model / persistence - 1));
            }
            System.out.println("(MAE over each series' events after the first " + WARM_UP
                    + "; forecasts read back from Kafka with read_committed: " + count + ")");
        }
    }
}
