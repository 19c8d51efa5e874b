package dev.streamforecast.io;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Parsed;
import dev.streamforecast.event.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Properties;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The Kafka sources and sinks of the job, built from plain client properties.
 *
 * <p>Every property given is passed to the Kafka clients as is (security, timeouts, ...);
 * {@code bootstrap.servers} is required. The source reads only committed records unless
 * {@code isolation.level} says otherwise, and emits each record unparsed so that bad payloads become
 * dead letters downstream. The sinks key forecasts by series key, so one series stays in one partition
 * and in order.
 */
public final class KafkaIO {

    /**
     * Transaction timeout used for exactly-once sinks unless {@code transaction.timeout.ms} is given:
     * ten minutes, above any sane checkpoint interval and below the broker's default maximum of 15.
     */
    public static final String DEFAULT_TRANSACTION_TIMEOUT_MS = "600000";

    private KafkaIO() {}

    /** An unbounded source of the topic's records, starting at {@code start}. */
    public static KafkaSource<RawRecord> source(Properties clientProps, String topic, String groupId,
            OffsetsInitializer start) {
        return sourceBuilder(clientProps, topic, groupId, start).build();
    }

    /**
     * A bounded source of the records between {@code start} and {@code stop}, for replays: the job
     * finishes once every partition has reached its stopping offset.
     */
    public static KafkaSource<RawRecord> source(Properties clientProps, String topic, String groupId,
            OffsetsInitializer start, OffsetsInitializer stop) {
        Objects.requireNonNull(stop, "stop");
        return sourceBuilder(clientProps, topic, groupId, start).setBounded(stop).build();
    }

    /**
     * A sink writing forecasts as {@link ForecastCodec} JSON, keyed by series key.
     *
     * @param transactionalIdPrefix required for {@link DeliveryGuarantee#EXACTLY_ONCE}, unique per job
     *     writing to the cluster and stable across restarts; ignored otherwise
     */
    public static KafkaSink<Forecast> forecastSink(Properties clientProps, String topic,
            DeliveryGuarantee guarantee, String transactionalIdPrefix) {
        return sink(clientProps, new ForecastSerializer(requireTopic(topic), ForecastCodec::encode), guarantee,
                transactionalIdPrefix);
    }

    /**
     * A sink writing flagged events as {@link AnomalyCodec} JSON, keyed by series key; the transactional
     * id prefix as {@link #forecastSink}'s, distinct from it.
     */
    public static KafkaSink<Forecast> anomalySink(Properties clientProps, String topic, DeliveryGuarantee guarantee,
            String transactionalIdPrefix) {
        return sink(clientProps, new ForecastSerializer(requireTopic(topic), AnomalyCodec::encode), guarantee,
                transactionalIdPrefix);
    }

    /**
     * A sink writing dead letters as {@link DeadLetterCodec} JSON, without a record key, with the default
     * payload cap and records bounded by the producer's {@code max.request.size}.
     */
    public static KafkaSink<DeadLetter> deadLetterSink(Properties clientProps, String topic,
            DeliveryGuarantee guarantee, String transactionalIdPrefix) {
        return deadLetterSink(clientProps, topic, guarantee, transactionalIdPrefix, DeadLetterLimits.of(clientProps,
                DeadLetterCodec.DEFAULT_MAX_PAYLOAD_BYTES, DeadLetterLimits.KAFKA_MAX_REQUEST_SIZE));
    }

    /**
     * A sink writing dead letters as {@link DeadLetterCodec} JSON, without a record key, each cut to fit
     * {@code limits}: a dead letter can never be a record the producer refuses, which would fail the job
     * (forecasts included) and fail it again on the same record after every restart.
     */
    public static KafkaSink<DeadLetter> deadLetterSink(Properties clientProps, String topic,
            DeliveryGuarantee guarantee, String transactionalIdPrefix, DeadLetterLimits limits) {
        return sink(clientProps, new DeadLetterSerializer(requireTopic(topic), limits), guarantee,
                transactionalIdPrefix);
    }

    /**
     * A source that decodes each record as it reads it: observations, or dead letters with the original
     * payload and the reason. Decoding here, rather than downstream, is what lets every partition carry
     * its own event-time watermark (a reader of several partitions would otherwise let the fastest one
     * push event time past the others). {@code stop} null means unbounded.
     */
    public static KafkaSource<Parsed> parsedSource(Properties clientProps, String topic, String groupId,
            OffsetsInitializer start, OffsetsInitializer stop, java.util.List<String> features) {
        return parsedSource(clientProps, topic, groupId, start, stop, InputSettings.defaults(features));
    }

    /**
     * As {@link #parsedSource(Properties, String, String, OffsetsInitializer, OffsetsInitializer,
     * java.util.List)}, with the decoding rules of {@code settings}: an event time more than
     * {@code events.max-future} after its record's Kafka timestamp is refused as {@link DeadLetter#FUTURE},
     * and refused payloads are kept up to the cap.
     */
    public static KafkaSource<Parsed> parsedSource(Properties clientProps, String topic, String groupId,
            OffsetsInitializer start, OffsetsInitializer stop, InputSettings settings) {
        KafkaSourceBuilder<Parsed> b = KafkaSource.<Parsed>builder()
                .setProperties(consumerProperties(clientProps))
                .setTopics(requireTopic(topic))
                .setGroupId(requireGroup(groupId))
                .setStartingOffsets(Objects.requireNonNull(start, "start"))
                .setDeserializer(new ParsedDeserializer(settings));
        if (stop != null) {
            b.setBounded(stop);
        }
        return b.build();
    }

    /** {@code topic-partition@offset}, the origin a record's dead letter will carry. */
    public static String origin(String topic, int partition, long offset) {
        return topic + "-" + partition + "@" + offset;
    }

    /** The consumer properties a source uses: the given ones, reading committed records by default. */
    static Properties consumerProperties(Properties clientProps) {
        Properties props = withBootstrap(clientProps);
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return props;
    }

    /** The producer properties a sink uses: the given ones, plus a transaction timeout for exactly-once. */
    static Properties producerProperties(Properties clientProps, DeliveryGuarantee guarantee) {
        Properties props = withBootstrap(clientProps);
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
            // The connector's own default (one hour) exceeds the broker's default maximum (15 minutes).
            props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, DEFAULT_TRANSACTION_TIMEOUT_MS);
        }
        return props;
    }

    private static KafkaSourceBuilder<RawRecord> sourceBuilder(Properties clientProps, String topic,
            String groupId, OffsetsInitializer start) {
        Properties props = consumerProperties(clientProps);
        return KafkaSource.<RawRecord>builder()
                .setProperties(props)
                .setTopics(requireTopic(topic))
                .setGroupId(requireGroup(groupId))
                .setStartingOffsets(Objects.requireNonNull(start, "start"))
                .setDeserializer(new RawRecordDeserializer());
    }

    private static <T> KafkaSink<T> sink(Properties clientProps, KafkaRecordSerializationSchema<T> serializer,
            DeliveryGuarantee guarantee, String transactionalIdPrefix) {
        Objects.requireNonNull(guarantee, "guarantee");
        Properties props = producerProperties(clientProps, guarantee);
        var builder = KafkaSink.<T>builder()
                .setDeliveryGuarantee(guarantee)
                .setRecordSerializer(serializer);
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
            if (transactionalIdPrefix == null || transactionalIdPrefix.isBlank()) {
                throw new IllegalArgumentException(
                        "EXACTLY_ONCE needs a transactional id prefix, unique per job and stable across restarts");
            }
            builder.setTransactionalIdPrefix(transactionalIdPrefix);
        }
        return builder.setKafkaProducerConfig(props).build();
    }

    private static Properties withBootstrap(Properties clientProps) {
        Objects.requireNonNull(clientProps, "clientProps");
        Properties props = new Properties();
        // Defaults of a Properties built on another one first, then its own entries, values as they are.
        for (String name : clientProps.stringPropertyNames()) {
            props.setProperty(name, clientProps.getProperty(name));
        }
        props.putAll(clientProps);
        String servers = props.getProperty("bootstrap.servers");
        if (servers == null || servers.isBlank()) {
            throw new IllegalArgumentException("client properties must set bootstrap.servers");
        }
        return props;
    }

    private static String requireTopic(String topic) {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("a topic name is required");
        }
        return topic;
    }

    /** Wraps every record as it is; it cannot fail on a bad payload because it does not parse. */
    private static String requireGroup(String groupId) {
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("a consumer group id is required");
        }
        return groupId;
    }

    /**
     * Decodes records into observations or dead letters; never throws on bad payloads. The far-future
     * rule's reference is the record's timestamp; a record without one (timestamp -1) is not checked.
     */
    static final class ParsedDeserializer implements KafkaRecordDeserializationSchema<Parsed> {
        private static final long serialVersionUID = 1L;
        private final ObservationCodec codec;
        private final InputSettings settings;

        ParsedDeserializer(InputSettings settings) {
            this.codec = new ObservationCodec(settings.features, settings.timeUnit);
            this.settings = settings;
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Parsed> out) {
            ObservationCodec.Result r = codec.decode(record.value());
            String origin = origin(record.topic(), record.partition(), record.offset());
            String tooFar = r.isOk() && record.timestamp() >= 0
                    ? settings.future.check(r.observation().ts, record.timestamp(), "the record's Kafka timestamp")
                    : null;
            if (!r.isOk()) {
                out.collect(Parsed.of(refusal(origin, DeadLetter.MALFORMED, r.reason(), record.value())));
            } else if (tooFar != null) {
                out.collect(Parsed.of(refusal(origin, DeadLetter.FUTURE, tooFar, record.value())));
            } else {
                out.collect(Parsed.of(r.observation().from(origin, record.value())));
            }
        }

        private DeadLetter refusal(String origin, String kind, String reason, byte[] payload) {
            return DeadLetters.of(origin, kind, reason, payload, settings.maxPayloadBytes);
        }

        @Override
        public TypeInformation<Parsed> getProducedType() {
            return TypeInformation.of(Parsed.class);
        }
    }

    static final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
            out.collect(new RawRecord(origin(record.topic(), record.partition(), record.offset()),
                    record.value(), record.timestamp()));
        }

        @Override
        public TypeInformation<RawRecord> getProducedType() {
            return TypeInformation.of(RawRecord.class);
        }
    }

    /*
     * Records carry no explicit timestamp, so the producer stamps them when written: the event time is in
     * the payload, and brokers refuse record timestamps too far in the future by default.
     */

    /** Forecasts keyed by series key, each written by {@code encode}: as forecasts, or as flagged events. */
    static final class ForecastSerializer implements KafkaRecordSerializationSchema<Forecast> {
        private static final long serialVersionUID = 2L;
        private final String topic;
        private final SerializableFunction<Forecast, byte[]> encode;

        ForecastSerializer(String topic, SerializableFunction<Forecast, byte[]> encode) {
            this.topic = topic;
            this.encode = encode;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(Forecast f, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, f.key.getBytes(StandardCharsets.UTF_8), encode.apply(f));
        }
    }

    /** Dead letters cut to fit the limits: the producer never meets a record it must refuse. */
    static final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
        private static final long serialVersionUID = 1L;
        private final String topic;
        private final DeadLetterLimits limits;

        DeadLetterSerializer(String topic, DeadLetterLimits limits) {
            this.topic = topic;
            this.limits = limits;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, (byte[]) null,
                    DeadLetterCodec.encode(d, limits.maxPayloadBytes, limits.maxRecordBytes));
        }
    }
}
