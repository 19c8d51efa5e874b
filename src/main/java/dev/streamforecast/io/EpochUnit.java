package dev.streamforecast.io;

/**
 * The unit of event times given as integers ({@code events.time-unit}): decided by the configuration,
 * never guessed from a value's magnitude. ISO-8601 times carry their own meaning and are unaffected.
 */
public enum EpochUnit {
    /** Epoch milliseconds, as Kafka's record timestamps and Java's clocks count: the default. */
    MS("milliseconds", 1),
    /** Epoch seconds, as Unix tools and many exports count. */
    S("seconds", 1000);

    /** The setting's name, as refusals cite it. */
    public static final String SETTING = "events.time-unit";

    /** The unit spelled out: {@code milliseconds}, {@code seconds}. */
    public final String words;
    /** Milliseconds in one unit. */
    final long millis;

    EpochUnit(String words, long millis) {
        this.words = words;
        this.millis = millis;
    }

    /** The setting's value for this unit: {@code ms} or {@code s}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
