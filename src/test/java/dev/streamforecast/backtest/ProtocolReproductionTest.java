package dev.streamforecast.backtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The published horizon-1 protocol on the shared real series: persistence reproduces the published
 * figures, and the online autoregression beats it everywhere.
 */
class ProtocolReproductionTest {
    static final Path DATA = Path.of("../shared/data");

    static BaselineTable.Case ett() throws IOException {
        Path file = DATA.resolve("ETTh1.csv");
        Assumptions.assumeTrue(Files.exists(file), "shared data not present: " + file.toAbsolutePath());
        return new BaselineTable.Case(Dataset.readWide(file, BaselineTable.ETT_ROWS), Protocol.ETT);
    }

    @Test
    void persistenceOnEtth1ReproducesThePublishedFigures() throws IOException {
        BaselineTable.Case c = ett();
        assertEquals(7, c.data().series().size());
        Metrics m = BaselineTable.pooled(c, Persistence::new);
        assertEquals(7 * 10_800, m.count());
        assertEquals(0.363, m.mse(), 0.0005);
        assertEquals(0.355, m.mae(), 0.0005);
    }

    @Test
    void onlineAr24OnEtth1ReachesMse0235() throws IOException {
        Metrics m = BaselineTable.pooled(ett(), AutoRegressive::new);
        // Measured 0.2352 / 0.2968; the band is tight so a change to the model shows up here.
        assertEquals(0.235, m.mse(), 0.001);
        assertEquals(0.297, m.mae(), 0.001);
    }

    static Stream<String> nab() {
        return Stream.of("nab_machine_temperature_system_failure", "nab_nyc_taxi",
                "nab_ambient_temperature_system_failure", "nab_cpu_utilization_asg_misconfiguration",
                "nab_ec2_request_latency_system_failure");
    }

    @ParameterizedTest
    @MethodSource("nab")
    void onlineAr24BeatsPersistenceByAtLeastTenPercentOnEachNabSeries(String name) throws IOException {
        Path file = DATA.resolve(name + ".csv");
        Assumptions.assumeTrue(Files.exists(file), "shared data not present: " + file.toAbsolutePath());
        BaselineTable.Case c = new BaselineTable.Case(Dataset.readWide(file, -1), Protocol.NAB);
        Metrics persistence = BaselineTable.pooled(c, Persistence::new);
        Metrics ar = BaselineTable.pooled(c, AutoRegressive::new);
        // Measured 12% (machine temperature) to 85% (CPU utilisation) below persistence.
        assertTrue(ar.mse() < 0.9 * persistence.mse(), name + ": AR " + ar + " vs persistence " + persistence);
        assertTrue(ar.mae() < persistence.mae(), name + ": AR " + ar + " vs persistence " + persistence);
    }
}
