package dev.streamforecast.event;

/**
 * One input record as the source decoded it: an observation, or the dead letter saying why not.
 * Exactly one of the two is set. Decoding in the source lets each Kafka partition carry its own
 * event-time watermark.
 */
public class Parsed {
    public Observation observation;
    public DeadLetter deadLetter;

    public Parsed() {}

    public static Parsed of(Observation o) {
        Parsed p = new Parsed();
        p.observation = o;
        return p;
    }

    public static Parsed of(DeadLetter d) {
        Parsed p = new Parsed();
        p.deadLetter = d;
        return p;
    }
}
