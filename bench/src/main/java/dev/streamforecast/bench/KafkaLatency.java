package dev.streamforecast.bench;

import dev.streamforecast.app.LiveJob;
import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.ForecastCodec;
import dev.streamforecast.io.ObservationCodec;
import dev.streamforecast.model.ModelConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Event-to-forecast latency of the live job through a real Kafka broker, at half the rate the same
 * pipeline sustains.
 *
 * <p>Everything runs in this JVM: an embedded broker, the live job ({@link LiveJob#define}, configured
 * by {@code configs/low-latency.properties}) on a local mini cluster, a producer writing events and a
 * consumer reading forecasts. The sustained rate comes first: a pre-filled input topic is read from the
 * earliest offset to its end, and the rate is taken over the steady middle of the run from the times the
 * forecasts arrive. Then a producer writes on a schedule at a given rate, noting {@link System#nanoTime}
 * as it hands each event to the Kafka client, and the consumer notes when each forecast arrives; an
 * event's latency is the difference. A forecast carries its event's key and time, which name the event.
 *
 * <p>Keys come in random order, as from independent sources. A fixed round-robin order would bring
 * every key to its k1-th event in the same round, so that all of them train (a ~100 us update each) at
 * once every k1 rounds.
 */
public final class KafkaLatency {
    /** The bundled copy of {@code configs/low-latency.properties}. */
    public static final String LOW_LATENCY_CONFIG = "/configs/low-latency.properties";
    /** Event time of the first events: 2024-01-01T00:00:00Z. */
    public static final long BASE_TS = 1_704_067_200_000L;
    private static final long SEED = 42;
    private static final int PARTITIONS = 2;
    /** The paced producer's shortest sleep: a millisecond. */
    private static final long TICK_NANOS = 1_000_000L;
    /** Latencies above this count as missing the target. */
    private static final long TARGET_NANOS = 100_000_000L;

    private KafkaLatency() {}

    /**
     * The {@code bench} part, on an embedded broker and 10,000 keys of {@code model} (1,000 when
     * {@code quick}): the sustained rate with the low-latency configuration, then latency at half that
     * rate: the low-latency configuration as it is (at-least-once; its checkpoints are minutes apart, so
     * none falls in the measured window), the same with a checkpoint every 10 s (not when {@code quick}),
     * and exactly-once with a checkpoint every 10 s (2 s when {@code quick}).
     */
    public static void run(ModelConfig model, boolean quick, Figures figures) throws Exception {
        int keys = quick ? 1_000 : 10_000;
        int events = (quick ? 50 : 60) * keys;
        Duration warmUp = Duration.ofSeconds(quick ? 2 : 20);
        Duration window = Duration.ofSeconds(quick ? 4 : 30);
        Duration interval = Duration.ofSeconds(quick ? 2 : 10);
        Path checkpoints = Files.createTempDirectory("latency-checkpoints-");
        System.err.println("bench: latency: starting an embedded Kafka broker");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            // a local directory for checkpoints: the job manager's memory takes at most a few megabytes
            AppConfig config = lowLatencyConfig().with(model.toMap()).with(Map.of(
                    "flink.execution.checkpointing.storage", "filesystem",
                    "flink.execution.checkpointing.dir", checkpoints.toUri().toString()));
            figures.add("kafka_latency_keys", keys, "keys");

            System.err.printf(Locale.ROOT, "bench: latency: sustained rate, %d events of %d keys written first, "
                    + "then read from the earliest offset to the end%n", events, keys);
            Throughput sustained = sustainedRate(kafka, config, "sustained", keys, events);
            figures.add("kafka_sustained_events_per_s", sustained.eventsPerSecond(), "events/s");
            figures.add("kafka_sustained_cpu_other_cores", sustained.otherCores(), "cores");

            double rate = sustained.eventsPerSecond() / 2;
            report(figures, "kafka_latency", measure(kafka, config, "at-least-once", keys, rate, warmUp, window,
                    "at-least-once, configs/low-latency.properties"));
            String every = "a checkpoint every " + interval.toSeconds() + " s";
            AppConfig checkpointed = config.with(Map.of("job.checkpoint-interval", interval.toMillis() + "ms"));
            figures.add("kafka_latency_ckpt_interval_ms", interval.toMillis(), "ms");
            if (!quick) {
                report(figures, "kafka_latency_ckpt", measure(kafka, checkpointed, "checkpointed", keys, rate,
                        warmUp, window, "at-least-once, " + every));
            }
            AppConfig exactlyOnce = checkpointed.with(Map.of("kafka.delivery-guarantee", "exactly-once"));
            report(figures, "kafka_latency_eo", measure(kafka, exactlyOnce, "exactly-once", keys, rate, warmUp,
                    window, "exactly-once, " + every));
        } finally {
            FileUtils.deleteDirectory(checkpoints.toFile());
        }
    }

    private static Result measure(EmbeddedKafka kafka, AppConfig config, String name, int keys, double rate,
            Duration warmUp, Duration window, String what) throws Exception {
        System.err.printf(Locale.ROOT, "bench: latency: %s, %.0f events/s, warm-up %d s, measured %d s%n", what,
                rate, warmUp.toSeconds(), window.toSeconds());
        return measure(kafka, config, name, keys, rate, warmUp, window);
    }

    private static void report(Figures figures, String prefix, Result r) {
        figures.add(prefix + "_rate_events_per_s", r.rate, "events/s");
        figures.add(prefix + "_p50_ms", r.percentileMillis(0.50), "ms");
        figures.add(prefix + "_p99_ms", r.percentileMillis(0.99), "ms");
        figures.add(prefix + "_p999_ms", r.percentileMillis(0.999), "ms");
        figures.add(prefix + "_max_ms", r.maxMillis(), "ms");
        figures.add(prefix + "_over_100ms", r.shareAbove(TARGET_NANOS), "ratio");
        figures.add(prefix + "_cpu_other_cores", r.otherCores, "cores");
        System.err.printf(Locale.ROOT, "bench: latency: %s: this process used %.2f cores, the largest lag of a "
                + "send behind its schedule was %.1f ms%n", prefix, r.ownCores, r.maxScheduleLagMillis);
        if (r.answered != r.sent || r.duplicates > 0 || r.mismatched > 0) {
            System.err.printf(Locale.ROOT, "bench: latency: %s: %d events sent, %d answered, %d duplicate and "
                    + "%d mismatched forecasts%n", prefix, r.sent, r.answered, r.duplicates, r.mismatched);
        }
    }

    /** The low-latency configuration users get as {@code configs/low-latency.properties}. */
    public static AppConfig lowLatencyConfig() throws IOException {
        InputStream in = KafkaLatency.class.getResourceAsStream(LOW_LATENCY_CONFIG);
        if (in == null) {
            throw new IllegalStateException(LOW_LATENCY_CONFIG + " is not on the class path");
        }
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return AppConfig.load(r, "configs/low-latency.properties");
        }
    }

    /**
     * Events per second the live job sustains: {@code events} for {@code keys} keys written to a fresh
     * topic first, the job run over them from the earliest offset to the end, and the rate taken between
     * the 25th and the 95th percentile of the forecasts' arrival times, past start-up and the creation of
     * every key's state and before the last partition runs dry.
     *
     * @param name names the run's topics, consumer group and transactional ids
     */
    public static Throughput sustainedRate(EmbeddedKafka kafka, AppConfig config, String name, int keys,
            int events) throws Exception {
        AppConfig c = forRun(kafka, config, name);
        // event time as if written at 10,000 events/s; it matters only to a positive out-of-orderness
        Workload workload = new Workload(keys, events, 10_000);
        try (KafkaProducer<byte[], byte[]> producer = producer(c)) {
            for (int seq = 0; seq < events; seq++) {
                producer.send(workload.record(c.get("kafka.input-topic"), seq));
            }
            producer.flush();
        }
        try (ForecastReader reader = new ForecastReader(c, workload, events)) {
            CpuTime before = CpuTime.now();
            JobClient job = start(c, OffsetsInitializer.latest());
            try {
                reader.await(events, Duration.ofMinutes(10), job);
            } finally {
                // every forecast is in: no need to wait for the final checkpoint of a bounded job
                stop(job);
            }
            CpuTime after = CpuTime.now();
            long[] arrivals = reader.arrivals();
            Arrays.sort(arrivals);
            int lo = events / 4;
            int hi = (int) (events * 0.95) - 1;
            return new Throughput((hi - lo) / ((arrivals[hi] - arrivals[lo]) / 1e9), after.ownCoresSince(before),
                    after.otherCoresSince(before));
        }
    }

    /**
     * Latency at {@code rate} events/s: the job starts on fresh topics, one event of every key goes in and
     * its forecast comes out (the job is running and every key has its state; with a positive
     * out-of-orderness these forecasts wait for later events, so the run goes on at once), then events
     * are written on a schedule for {@code warmUp} plus {@code window} (and, with a positive
     * out-of-orderness, that long and a second more, so the watermark passes the window); latencies are
     * those of the window's events, once every event's forecast has arrived.
     *
     * @param name names the run's topics, consumer group and transactional ids
     */
    public static Result measure(EmbeddedKafka kafka, AppConfig config, String name, int keys, double rate,
            Duration warmUp, Duration window) throws Exception {
        AppConfig c = forRun(kafka, config, name);
        String topic = c.get("kafka.input-topic");
        long warm = Math.round(rate * warmUp.toNanos() / 1e9);
        long measured = Math.round(rate * window.toNanos() / 1e9);
        int total = Math.toIntExact(keys + warm + measured);
        Duration bound = c.duration("events.max-out-of-orderness");
        long tail = bound.isZero() ? 0 : Math.round(rate * (bound.toNanos() / 1e9 + 1));
        Workload workload = new Workload(keys, Math.toIntExact(total + tail), rate);
        long[] sends = new long[Math.toIntExact(total + tail)];
        // exactly-once forecasts become visible only as checkpoints complete
        Duration patience = Duration.ofSeconds(60).plus(c.deliveryGuarantee().equals("exactly-once")
                ? c.duration("job.checkpoint-interval").multipliedBy(3) : Duration.ZERO);
        try (ForecastReader reader = new ForecastReader(c, workload, total);
                KafkaProducer<byte[], byte[]> producer = producer(c)) {
            JobClient job = start(c, null);
            try {
                for (int seq = 0; seq < keys; seq++) {
                    ProducerRecord<byte[], byte[]> r = workload.record(topic, seq);
                    sends[seq] = System.nanoTime();
                    producer.send(r);
                }
                producer.flush();
                // with a positive out-of-orderness these wait for later events to move the watermark, and
                // the warm-up alone covers the start-up
                if (bound.isZero()) {
                    reader.await(keys, patience, job);
                }
                CpuTime before = CpuTime.now();
                int from = Math.toIntExact(keys + warm);
                long lag = pace(producer, workload, topic, keys, sends.length, from, rate, sends);
                CpuTime after = CpuTime.now();
                producer.flush();
                reader.await(total, patience, job);
                return new Result(reader, sends, from, total, lag, after.ownCoresSince(before),
                        after.otherCoresSince(before));
            } finally {
                stop(job);
            }
        }
    }

    /**
     * Cancels the job unless it has ended, and waits until it has; never throws over a pending failure.
     * A bounded job may end by itself at any moment, and a local cluster shuts down with its job, after
     * which the client answers no more questions: so the job's result is asked for, not its status.
     */
    static void stop(JobClient job) throws InterruptedException {
        CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
        if (!result.isDone()) {
            try {
                job.cancel().get();
            } catch (ExecutionException | IllegalStateException ended) {
                // it ended meanwhile
            }
        }
        try {
            result.get();
        } catch (ExecutionException cancelledOrFailed) {
            // a failure has already surfaced as a missing forecast
        }
    }

    /**
     * Writes events {@code from} to {@code to - 1}, event {@code from + i} due at {@code i / rate} seconds
     * after the start; a late schedule is caught up at once rather than shifted, so the rate holds. It
     * sleeps {@link #TICK_NANOS} or more between rounds and sends what has fallen due, so that pacing
     * costs little CPU; latencies count from each actual send. Returns the largest lag of a send behind
     * its due time from event {@code measuredFrom} on, in nanoseconds.
     */
    private static long pace(KafkaProducer<byte[], byte[]> producer, Workload workload, String topic, int from,
            int to, int measuredFrom, double rate, long[] sends) {
        double period = 1e9 / rate;
        long start = System.nanoTime();
        long maxLag = 0;
        int seq = from;
        while (seq < to) {
            long due = Math.min(to, from + (long) ((System.nanoTime() - start) / period) + 1);
            for (; seq < due; seq++) {
                ProducerRecord<byte[], byte[]> r = workload.record(topic, seq);
                long now = System.nanoTime();
                sends[seq] = now;
                producer.send(r);
                if (seq >= measuredFrom) {
                    maxLag = Math.max(maxLag, now - start - (long) ((seq - from) * period));
                }
            }
            long wait = Math.max(TICK_NANOS, start + (long) ((seq - from) * period) - System.nanoTime());
            LockSupport.parkNanos(wait);
        }
        return maxLag;
    }

    /** The configuration of one run: this broker, the run's own topics (created here), group and ids. */
    private static AppConfig forRun(EmbeddedKafka kafka, AppConfig config, String name) {
        AppConfig c = config.with(Map.of(
                "kafka.bootstrap-servers", kafka.bootstrapServers(),
                "kafka.input-topic", name + "-events",
                "kafka.output-topic", name + "-forecasts",
                "kafka.dead-letter-topic", name + "-dead-letters",
                "kafka.group-id", name,
                "kafka.transactional-id-prefix", name,
                "kafka.starting-offsets", "earliest",
                "job.name", name));
        kafka.createTopic(c.get("kafka.input-topic"), PARTITIONS);
        kafka.createTopic(c.get("kafka.output-topic"), PARTITIONS);
        kafka.createTopic(c.get("kafka.dead-letter-topic"), 1);
        return c;
    }

    private static JobClient start(AppConfig config, OffsetsInitializer stop) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                LiveJob.flinkConfiguration(config));
        LiveJob.define(env, config, stop);
        return env.executeAsync(config.get("job.name"));
    }

    /**
     * A producer of events with the configuration's client properties, like any client of the same
     * cluster ({@code linger.ms} is the one that matters to it).
     */
    private static KafkaProducer<byte[], byte[]> producer(AppConfig config) {
        return new KafkaProducer<>(config.kafkaClientProperties(), new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /**
     * Events per second a run sustained, and the CPU this process and other processes used meanwhile, in
     * cores' worth (NaN where unknown).
     */
    public record Throughput(double eventsPerSecond, double ownCores, double otherCores) {}

    /** What one paced run measured. */
    public static final class Result {
        /** Events written (up to the window's end), and how many distinct ones came back with a forecast. */
        public final long sent;
        public final long answered;
        /** Forecasts beyond the first of an event. */
        public final long duplicates;
        /** Forecasts naming no event written (no event of that key at that time). */
        public final long mismatched;
        /** Events per second the producer achieved over the measured window. */
        public final double rate;
        /** The largest lag of a send of the measured window behind its schedule, in milliseconds. */
        public final double maxScheduleLagMillis;
        /** Cores' worth of CPU this process and other processes used while events were written (NaN if unknown). */
        public final double ownCores;
        public final double otherCores;
        /** Latencies of the measured window's events, ascending, in nanoseconds. */
        private final long[] latencies;

        Result(ForecastReader reader, long[] sends, int from, int to, long maxLagNanos, double ownCores,
                double otherCores) throws InterruptedException {
            long[] arrivals = reader.arrivals();
            long answered = 0;
            for (long a : arrivals) {
                if (a != 0) {
                    answered++;
                }
            }
            long[] latencies = new long[to - from];
            int n = 0;
            for (int seq = from; seq < to; seq++) {
                if (arrivals[seq] != 0) {
                    latencies[n++] = arrivals[seq] - sends[seq];
                }
            }
            this.latencies = Arrays.copyOf(latencies, n);
            Arrays.sort(this.latencies);
            this.sent = to;
            this.answered = answered;
            this.duplicates = reader.duplicates();
            this.mismatched = reader.unknown();
            this.rate = (to - from - 1) / ((sends[to - 1] - sends[from]) / 1e9);
            this.maxScheduleLagMillis = maxLagNanos / 1e6;
            this.ownCores = ownCores;
            this.otherCores = otherCores;
        }

        /** The measured window's latencies, ascending, in nanoseconds (a copy). */
        public long[] latenciesNanos() {
            return latencies.clone();
        }

        /** The latency at quantile {@code q} (nearest rank) of the measured window, in milliseconds. */
        public double percentileMillis(double q) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(q * latencies.length);
            return latencies[Math.max(0, Math.min(latencies.length - 1, rank - 1))] / 1e6;
        }

        /** The share of the measured window's events whose latency exceeds {@code nanos}. */
        public double shareAbove(long nanos) {
            long above = Arrays.stream(latencies).filter(l -> l > nanos).count();
            return latencies.length == 0 ? Double.NaN : above / (double) latencies.length;
        }

        public double maxMillis() {
            return latencies.length == 0 ? Double.NaN : latencies[latencies.length - 1] / 1e6;
        }
    }

    /**
     * Events for many keys, {@code k0}, {@code k1}, ...: first one of every key, then keys drawn at random,
     * each key's values a slow sine with a little structure. Event time runs with the schedule, event
     * {@code n} at {@code n / rate} seconds, moved a millisecond on where a key already has an event at
     * that time, so a watermark advances as it would on live data. Deterministic for a seed.
     */
    static final class Workload {
        private final ObservationCodec codec = new ObservationCodec(List.of());
        private final String[] names;
        private final byte[][] keyBytes;
        private final int[] counts;
        private final int[] keyOf;
        private final long[] ts;
        /** Per key, its events' sequence numbers in order (so in event-time order). */
        private final int[][] eventsOfKey;

        Workload(int keys, int events, double rate) {
            names = new String[keys];
            keyBytes = new byte[keys][];
            for (int k = 0; k < keys; k++) {
                names[k] = "k" + k;
                keyBytes[k] = names[k].getBytes(StandardCharsets.UTF_8);
            }
            counts = new int[keys];
            keyOf = new int[events];
            ts = new long[events];
            long[] last = new long[keys];
            Arrays.fill(last, Long.MIN_VALUE);
            SplittableRandom random = new SplittableRandom(SEED);
            for (int seq = 0; seq < events; seq++) {
                int k = seq < keys ? seq : random.nextInt(keys);
                long due = BASE_TS + (seq < keys ? 0 : 1 + (long) ((seq - keys) * 1000 / rate));
                keyOf[seq] = k;
                ts[seq] = Math.max(due, last[k] + 1);
                last[k] = ts[seq];
                counts[k]++;
            }
            eventsOfKey = new int[keys][];
            for (int k = 0; k < keys; k++) {
                eventsOfKey[k] = new int[counts[k]];
            }
            Arrays.fill(counts, 0);
            for (int seq = 0; seq < events; seq++) {
                eventsOfKey[keyOf[seq]][counts[keyOf[seq]]++] = seq;
            }
            Arrays.fill(counts, 0);
        }

        /** Event {@code seq} as the record to write; events must be asked for in order. */
        ProducerRecord<byte[], byte[]> record(String topic, int seq) {
            int k = keyOf[seq];
            int n = counts[k]++;
            double value = Math.sin(0.05 * n + k) + 0.01 * (n % 7);
            byte[] payload = codec.encode(new Observation(names[k], ts[seq], value));
            return new ProducerRecord<>(topic, keyBytes[k], payload);
        }

        /** The sequence number of the event a forecast answers, or -1 if no event has its key and time. */
        int sequenceOf(String key, long time) {
            int k;
            try {
                k = key.startsWith("k") ? Integer.parseInt(key.substring(1)) : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
            if (k < 0 || k >= eventsOfKey.length) {
                return -1;
            }
            int[] seqs = eventsOfKey[k];
            int lo = 0;
            int hi = seqs.length - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                long t = ts[seqs[mid]];
                if (t < time) {
                    lo = mid + 1;
                } else if (t > time) {
                    hi = mid - 1;
                } else {
                    return seqs[mid];
                }
            }
            return -1;
        }
    }

    /**
     * A consumer thread reading the forecasts topic from the beginning ({@code read_committed}, as users
     * read it, and otherwise with the configuration's client properties, like the job's source) and
     * noting, per event, when its first forecast arrived.
     */
    static final class ForecastReader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Thread thread;
        private final Workload workload;
        private final long[] arrivals;
        private volatile boolean stop;
        private long distinct;
        private long duplicates;
        private long unknown;
        private Throwable failure;

        /** Reads the forecasts of {@code workload}'s events; those past the first {@code events} are ignored. */
        ForecastReader(AppConfig config, Workload workload, int events) {
            this.workload = workload;
            arrivals = new long[events];
            String topic = config.get("kafka.output-topic");
            Properties p = config.kafkaClientProperties();
            p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            thread = new Thread(this::read, "forecast-reader-" + topic);
            thread.setDaemon(true);
            thread.start();
        }

        private void read() {
            try {
                while (!stop) {
                    var records = consumer.poll(Duration.ofMillis(100));
                    long now = System.nanoTime();
                    long fresh = 0;
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        Forecast f = ForecastCodec.decode(r.value());
                        int seq = workload.sequenceOf(f.key, f.ts);
                        if (seq < 0) {
                            synchronized (this) {
                                unknown++;
                            }
                        } else if (seq >= arrivals.length) {
                            // written only to move the watermark past the measured events
                        } else if (arrivals[seq] != 0) {
                            synchronized (this) {
                                duplicates++;
                            }
                        } else {
                            arrivals[seq] = now;
                            fresh++;
                        }
                    }
                    if (fresh > 0) {
                        synchronized (this) {
                            distinct += fresh;
                            notifyAll();
                        }
                    }
                }
            } catch (RuntimeException | Error e) {
                synchronized (this) {
                    failure = e;
                    notifyAll();
                }
            } finally {
                consumer.close();
            }
        }

        /** Waits until {@code count} events have their forecast; fails if the job ends or time runs out. */
        void await(long count, Duration timeout, JobClient job) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                synchronized (this) {
                    if (failure != null) {
                        throw new IllegalStateException("reading forecasts failed: " + failure, failure);
                    }
                    if (distinct >= count) {
                        return;
                    }
                    wait(200);
                    if (distinct >= count) {
                        return;
                    }
                }
                // a finished (bounded) job may still have forecasts on their way; a failed one has not
                CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
                if (result.isDone()) {
                    result.get(); // rethrows the job's failure or cancellation
                }
                if (System.nanoTime() > deadline) {
                    synchronized (this) {
                        throw new IllegalStateException("only " + distinct + " of " + count
                                + " events had their forecast after " + timeout.toSeconds() + " s");
                    }
                }
            }
        }

        /** Stops the thread; the accessors below are valid after this. */
        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join();
        }

        long[] arrivals() throws InterruptedException {
            close();
            return arrivals;
        }

        synchronized long duplicates() {
            return duplicates;
        }

        synchronized long unknown() {
            return unknown;
        }
    }
}
