package dev.streamforecast.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Observation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The forecaster's refusals, built in one place: each is a dead letter keeping the event's original
 * bytes and where it came from, with a reason a person can act on, and is counted in a metric.
 */
final class Refusals {
    private static final JsonFactory JSON = new JsonFactory();

    private final long bound;
    private final Counter late;
    private final Counter duplicates;
    private final Counter refused;

    Refusals(long boundMillis, MetricGroup metrics) {
        this.bound = boundMillis;
        this.late = metrics.counter("lateEvents");
        this.duplicates = metrics.counter("duplicateEvents");
        this.refused = metrics.counter("refusedEvents");
    }

    /** {@code obs} came after its key had used an event later than it, at {@code lastUsed}. */
    DeadLetter late(Observation obs, long lastUsed) {
        late.inc();
        return letter(obs, DeadLetter.LATE, "event time " + obs.ts + " is before the key's last used event "
                + lastUsed + "; events are reordered only while their key's newest event time is less than "
                + "events.max-out-of-orderness (" + bound + " ms) past them");
    }

    /** The key already used, or holds, an event at {@code obs.ts}. */
    DeadLetter duplicate(Observation obs) {
        duplicates.inc();
        return letter(obs, DeadLetter.DUPLICATE, "the key already has an event at event time " + obs.ts);
    }

    /** The event cannot be used by the model, for {@code reason}. */
    DeadLetter refused(Observation obs, String reason) {
        refused.inc();
        return letter(obs, DeadLetter.REFUSED, reason);
    }

    private static DeadLetter letter(Observation obs, String kind, String reason) {
        byte[] payload = obs.payload != null ? obs.payload : json(obs);
        return new DeadLetter(obs.origin, kind, reason, payload);
    }

    /** An event made in code, as the JSON it would have arrived as. */
    static byte[] json(Observation obs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("key", obs.key);
            g.writeNumberField("ts", obs.ts);
            g.writeNumberField("value", obs.value);
            if (obs.features != null && obs.features.length > 0) {
                g.writeArrayFieldStart("features");
                for (double f : obs.features) {
                    g.writeNumber(f);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
