package dev.streamforecast.event;

import java.util.Arrays;
import java.util.Objects;

/**
 * One input event: a value of one series at one event time, with optional covariates.
 *
 * <p>A Flink POJO (public fields, no-arg constructor) so it crosses operator boundaries without Kryo.
 * {@code features} holds the covariates in the order the model configuration names them; it is empty,
 * never null, when the model uses none.
 */
public class Observation {
    public String key;
    /** Event time, epoch milliseconds UTC. */
    public long ts;
    public double value;
    public double[] features = new double[0];
    /**
     * Where the event came from (a Kafka topic-partition@offset, a file and line), or null when it was
     * made in code; carried so that a refusal further on can say where the event came from.
     */
    public String origin;
    /**
     * The record exactly as received, for a dead letter if the event is refused further on; null when
     * the event was made in code. Not part of the event's identity ({@link #equals}).
     */
    public byte[] payload;

    public Observation() {}

    public Observation(String key, long ts, double value) {
        this(key, ts, value, new double[0]);
    }

    public Observation(String key, long ts, double value, double[] features) {
        this.key = key;
        this.ts = ts;
        this.value = value;
        this.features = features;
    }

    /** This event with where it came from and the bytes it was decoded from. */
    public Observation from(String origin, byte[] payload) {
        this.origin = origin;
        this.payload = payload;
        return this;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Observation)) {
            return false;
        }
        Observation other = (Observation) o;
        return ts == other.ts
                && Double.compare(value, other.value) == 0
                && Objects.equals(key, other.key)
                && Arrays.equals(features, other.features);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, ts, value) * 31 + Arrays.hashCode(features);
    }

    @Override
    public String toString() {
        return "Observation{" + key + ", " + ts + ", " + value + ", " + Arrays.toString(features) + "}";
    }
}
