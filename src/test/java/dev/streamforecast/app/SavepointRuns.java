package dev.streamforecast.app;

import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.DeadLetterCodec;
import dev.streamforecast.testutil.KafkaTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Live jobs between a Kafka topic and another, stopped with savepoints and restored: what the rescale tests share. */
final class SavepointRuns {
    /** Keys of {@code SampleData.generate}: each key's newest event waits in state at a savepoint. */
    static final int KEYS = 4;

    private SavepointRuns() {}

    /** Topic "observations" and each output's topics, of four partitions (dead letters one). */
    static void topics(EmbeddedKafka kafka, String... outputs) {
        kafka.createTopic("observations", 4);
        for (String output : outputs) {
            kafka.createTopic(output, 4);
            kafka.createTopic("dead-" + output, 1);
        }
    }

    /** A job from topic "observations" to {@code output}, with its dead letters to "dead-" + output. */
    static Map<String, String> settings(EmbeddedKafka kafka, String output, int parallelism) {
        Map<String, String> m = new HashMap<>();
        m.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        m.put("kafka.output-topic", output);
        m.put("kafka.group-id", "g-" + output);
        m.put("kafka.transactional-id-prefix", "tx-" + output);
        m.put("kafka.starting-offsets", "earliest");
        m.put("job.parallelism", Integer.toString(parallelism));
        m.put("job.checkpoint-interval", "200ms");
        m.put("kafka.dead-letter-topic", "dead-" + output);
        // the default 5 s of reordering, and no wall-clock release: each key's newest event waits in state
        m.put("events.max-wait", "1h");
        m.put("model.hidden", "16");
        m.put("train.k1", "4");
        return m;
    }

    static JobClient start(AppConfig config, String restoreFrom) throws Exception {
        Configuration conf = new Configuration();
        if (restoreFrom != null) {
            conf.setString("execution.state-recovery.path", restoreFrom);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        LiveJob.define(env, config, null);
        return env.executeAsync(config.get("job.name"));
    }

    /** Distinct (key, time) pairs among {@code events}: what the forecaster uses of them. */
    static long used(List<Observation> events) {
        return events.stream().map(o -> o.key + "@" + o.ts).distinct().count();
    }

    static List<String> deadLetters(EmbeddedKafka kafka, String topic) {
        return KafkaTopics.readToEnd(kafka.clientProperties(), topic, "read_committed", Duration.ofSeconds(60))
                .stream().map(r -> DeadLetterCodec.decode(r.value()))
                .map(d -> d.kind + " " + d.payloadText()).sorted().collect(Collectors.toList());
    }

    /**
     * Feeds {@code all} to topic "observations" a third at a time, each third to a job at the next
     * parallelism of 1, 2, 1 restored from the previous one's savepoint; every job stops with a
     * savepoint once it has forecast all it can, the last one draining.
     */
    static void rescaled(EmbeddedKafka kafka, List<Observation> all, IntFunction<Map<String, String>> settings,
            String output, Path savepoints) throws Exception {
        int third = all.size() / 3;
        String savepoint = null;
        int[] parallelism = {1, 2, 1};
        for (int phase = 0; phase < 3; phase++) {
            int end = phase == 2 ? all.size() : (phase + 1) * third;
            KafkaTopics.produce(kafka.clientProperties(), "observations", KafkaTopics.records(all.subList(phase * third, end)));
            JobClient job = start(AppConfig.of(settings.apply(parallelism[phase])), savepoint);
            // every event so far is used but each key's newest, which waits for the key's clock
            long used = used(all.subList(0, end));
            KafkaTopics.awaitCommitted(kafka.clientProperties(), output, (int) used - KEYS, Duration.ofSeconds(60));
            // the last phase drains: the end of input uses the waiting events
            savepoint = job.stopWithSavepoint(phase == 2, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                    .get();
        }
    }
}
