package dev.streamforecast.testutil;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamforecast.app.LiveJob;
import dev.streamforecast.app.local.EmbeddedKafka;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.io.AppConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The live job run once over its input topic as it stands, never stopped or failed: the forecasts a
 * stopped, failed or resumed run must equal, with exactly-once output.
 */
public final class Uninterrupted {
    private Uninterrupted() {}

    /**
     * The forecasts, by key, of the job under {@code settings} run in this JVM to the input's end
     * offsets, writing to {@code output} (with transactional ids of its own).
     */
    public static Map<String, List<Forecast>> forecasts(EmbeddedKafka kafka, Map<String, String> settings,
            String output) throws Exception {
        Map<String, String> m = new LinkedHashMap<>(settings);
        m.put("kafka.output-topic", output);
        m.put("kafka.transactional-id-prefix", "tx-" + output);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        LiveJob.define(env, AppConfig.of(m), OffsetsInitializer.latest());
        env.execute("uninterrupted");
        return KafkaTopics.forecastsByKey(kafka.clientProperties(), output);
    }

    /** Every key's forecasts are the uninterrupted run's, {@code perKey} of them, each exactly once. */
    public static void assertSameForecasts(Map<String, List<Forecast>> expected, Map<String, List<Forecast>> actual,
            int perKey) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String key : expected.keySet()) {
            List<Forecast> want = expected.get(key);
            List<Forecast> got = actual.get(key);
            assertEquals(perKey, want.size());
            for (int i = 0; i < Math.min(want.size(), got.size()); i++) {
                assertEquals(want.get(i), got.get(i), key + " forecast " + i + " of " + got.size());
            }
            assertEquals(want.size(), got.size(), "forecasts of " + key + ", exactly once");
        }
    }
}
