package dev.streamforecast.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnomalyLabelsTest {
    @TempDir
    Path dir;

    private Map<String, List<long[]>> read(String json) throws IOException {
        return AnomalyLabels.read(Files.writeString(dir.resolve("labels.json"), json));
    }

    private String refusal(String json) {
        return assertThrows(UserError.class, () -> read(json)).getMessage();
    }

    @Test
    void readsNabsWindowsByFileNameOrKeyInTheFilesOrder() throws IOException {
        Map<String, List<long[]>> labels = read("{\"nab_nyc_taxi.csv\": [[\"2014-10-30 15:30:00.000000\", "
                + "\"2014-11-03 22:30:00.000000\"], [\"2014-11-25T12:00:00Z\", 1417262400000]], \"sensor-7\": []}");
        assertEquals(List.of("nab_nyc_taxi.csv", "sensor-7"), List.copyOf(labels.keySet()));
        assertArrayEquals(new long[] {Instant.parse("2014-10-30T15:30:00Z").toEpochMilli(),
            Instant.parse("2014-11-03T22:30:00Z").toEpochMilli()}, labels.get("nab_nyc_taxi.csv").get(0));
        assertArrayEquals(new long[] {Instant.parse("2014-11-25T12:00:00Z").toEpochMilli(), 1417262400000L},
                labels.get("nab_nyc_taxi.csv").get(1));
        assertEquals(List.of(), labels.get("sensor-7"), "no anomaly: every detection is a false positive");
    }

    @Test
    void theCommittedDevelopmentLabelsAreRead() throws IOException {
        Path nab = Path.of("../shared/data/nab_windows.json");
        if (Files.exists(nab)) {
            Map<String, List<long[]>> labels = AnomalyLabels.read(nab);
            assertEquals(16, labels.size());
            assertEquals(21, labels.values().stream().mapToInt(List::size).sum());
        }
    }

    @Test
    void whatIsNotNabsFormIsRefusedNamingTheEntry() {
        assertTrue(refusal("{\"a\": 3}").contains("'a': expected a list of [start, end] windows"));
        assertTrue(refusal("{\"a\": [[\"2014-01-01\"]]}").contains("expected a window [start, end]"));
        assertTrue(refusal("{\"a\": [[\"2014-01-02\", \"2014-01-01\"]]}").contains("ends before it starts"));
        assertTrue(refusal("{\"a\": [[\"yesterday\", \"2014-01-01\"]]}").contains("'a'"));
        assertTrue(refusal("{\"a\": [[1396310400, 1396314000]]}").contains("looks like epoch seconds"));
        assertTrue(refusal("not json").contains("is not JSON"));
        assertTrue(assertThrows(UserError.class, () -> AnomalyLabels.read(dir.resolve("none.json"))).getMessage()
                .contains("no file"));
    }
}
