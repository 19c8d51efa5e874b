package dev.streamforecast.app;

import dev.streamforecast.event.Parsed;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.InputSettings;
import dev.streamforecast.io.KafkaIO;
import dev.streamforecast.io.UserError;
import dev.streamforecast.stream.ForecastTopology;
import dev.streamforecast.stream.JobSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** The live job: Kafka in, the forecasting topology, Kafka out, as one configuration describes it. */
public final class LiveJob {
    private LiveJob() {}

    /** Flink settings the job needs whatever the cluster: no Kryo fallback, and the config's flink.* keys. */
    public static Configuration flinkConfiguration(AppConfig config) {
        Configuration c = Configuration.fromMap(config.flinkSettings());
        c.setString("pipeline.generic-types", "false");
        return c;
    }

    /**
     * The topology's settings from the configuration, reading the warm-start model file if named and
     * checking that it fits the configured model before any job starts.
     */
    public static JobSettings settings(AppConfig config) throws IOException {
        String warm = config.get(AppConfig.WARM_START);
        String json = null;
        if (!warm.isBlank()) {
            Checks.readableFile(Path.of(warm), AppConfig.WARM_START.name);
            json = Files.readString(Path.of(warm));
        }
        JobSettings settings = new JobSettings(config.model(), config.get(AppConfig.MAX_OUT_OF_ORDERNESS),
                config.get(AppConfig.IDLE_STATE_RETENTION), json)
                .withMaxWait(config.get(AppConfig.MAX_WAIT))
                .withOnShapeChange(JobSettings.ShapeChange.of(config.get(AppConfig.ON_SHAPE_CHANGE)))
                .withMaxPayloadBytes(config.get(AppConfig.MAX_PAYLOAD_BYTES))
                .withMaxFuture(config.maxFuture())
                .withAnomalyThreshold(config.get(AppConfig.ANOMALY_THRESHOLD));
        try {
            settings.warmStart();
        } catch (IllegalArgumentException e) {
            throw new UserError(AppConfig.WARM_START.name + " " + warm + ": " + e.getMessage() + "; give a model "
                    + "that backtest --export-model wrote under this job's model settings, or run under the model's");
        }
        return settings;
    }

    /** Adds the job to {@code env}; a bounded source (replays, the demo) is passed as {@code stop}. */
    public static void define(StreamExecutionEnvironment env, AppConfig config, OffsetsInitializer stop)
            throws IOException {
        env.configure(flinkConfiguration(config));
        int parallelism = config.get(AppConfig.PARALLELISM);
        if (parallelism > 0) {
            env.setParallelism(parallelism);
        }
        env.enableCheckpointing(config.duration("job.checkpoint-interval").toMillis(),
                CheckpointingMode.EXACTLY_ONCE);

        Properties client = config.kafkaClientProperties();
        OffsetsInitializer start;
        switch (config.startingOffsets()) {
            case "earliest": start = OffsetsInitializer.earliest(); break;
            case "latest": start = OffsetsInitializer.latest(); break;
            default: start = OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        }
        JobSettings settings = settings(config);
        KafkaSource<Parsed> source = KafkaIO.parsedSource(client, config.get("kafka.input-topic"),
                config.get("kafka.group-id"), start, stop, InputSettings.of(config));
        // watermarks per partition, inside the source
        var parsed = env.fromSource(source, ForecastTopology.sourceWatermarks(settings), "kafka-input")
                .uid("kafka-input");

        ForecastTopology.Outputs out = ForecastTopology.buildFromParsed(parsed, settings);

        DeliveryGuarantee guarantee = guarantee(config.deliveryGuarantee());
        String prefix = config.get("kafka.transactional-id-prefix");
        out.forecasts.sinkTo(KafkaIO.forecastSink(client, config.get("kafka.output-topic"), guarantee, prefix))
                .name("kafka-forecasts").uid("kafka-forecasts");
        out.deadLetters.sinkTo(KafkaIO.deadLetterSink(client, config.get("kafka.dead-letter-topic"), guarantee,
                prefix + "-dead-letters", config.deadLetterLimits())).name("kafka-dead-letters").uid("kafka-dead-letters");
        String anomalies = config.get(AppConfig.ANOMALY_TOPIC);
        if (!anomalies.isBlank()) {
            out.anomalies().sinkTo(KafkaIO.anomalySink(client, anomalies, guarantee, prefix + "-anomalies"))
                    .name("kafka-anomalies").uid("kafka-anomalies");
        }
    }

    static DeliveryGuarantee guarantee(String name) {
        switch (name) {
            case "exactly-once": return DeliveryGuarantee.EXACTLY_ONCE;
            case "at-least-once": return DeliveryGuarantee.AT_LEAST_ONCE;
            default: return DeliveryGuarantee.NONE;
        }
    }
}
