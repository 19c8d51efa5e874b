package dev.streamforecast.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Events a benchmark's job has processed, counted by a sink as they arrive, so the benchmark can watch
 * the run from outside: when to checkpoint, and the steady rate between two counts. The job runs on a
 * mini cluster in the benchmark's own JVM; a counter is found by the id of its run.
 */
final class EventCounter {
    private static final Map<String, LongAdder> OPEN = new ConcurrentHashMap<>();

    private EventCounter() {}

    /** A new counter for run {@code id}. */
    static LongAdder open(String id) {
        LongAdder counter = new LongAdder();
        OPEN.put(id, counter);
        return counter;
    }

    static LongAdder of(String id) {
        LongAdder counter = OPEN.get(id);
        if (counter == null) {
            throw new IllegalStateException("the benchmark's job runs only in the JVM that started it");
        }
        return counter;
    }

    static void close(String id) {
        OPEN.remove(id);
    }

    /** A sink that counts every record reaching it into run {@code id}'s counter, and keeps nothing. */
    static final class CountingSink<T> implements Sink<T> {
        private static final long serialVersionUID = 1L;
        private final String id;

        CountingSink(String id) {
            this.id = id;
        }

        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            LongAdder counter = of(id);
            return new SinkWriter<>() {
                @Override
                public void write(T record, Context c) {
                    counter.increment();
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
