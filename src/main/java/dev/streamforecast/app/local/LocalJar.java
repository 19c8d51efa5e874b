package dev.streamforecast.app.local;

import dev.streamforecast.io.UserError;
import java.io.File;
import java.nio.file.Path;

/**
 * The jars beside {@code forecaster.jar} that hold what only some commands use. Each starts the same
 * program with {@code forecaster.jar} on its class path; {@code ./forecaster} builds it the first time a
 * command needs it and starts that command with it.
 */
enum LocalJar {
    /** The embedded Kafka broker (KRaft) and Scala, for {@code demo}, {@code kafka} and {@code sql --demo}. */
    BROKER("forecaster-broker.jar", "the embedded Kafka broker", "org.apache.kafka.common.test.KafkaClusterTestKit"),
    /** The Table API, the SQL planner and the JSON format, for {@code sql}. */
    SQL("forecaster-sql.jar", "the SQL planner", "org.apache.flink.table.planner.loader.DelegatePlannerFactory");

    private final String file;
    private final String holds;
    private final String probe;

    LocalJar(String file, String holds, String probe) {
        this.file = file;
        this.holds = holds;
        this.probe = probe;
    }

    /**
     * Fails with what to run instead when this jar's classes are not on the class path (the command was
     * started from {@code forecaster.jar} alone).
     */
    void require(String command) {
        try {
            Class.forName(probe, false, LocalJar.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            String jar = where();
            throw new UserError("needs " + holds + ", which " + jar + " holds: run ./forecaster " + command
                    + " (it builds that jar on first use) or java -jar " + jar + " " + command);
        }
    }

    /** This jar's path beside the one this class came from, relative to the working directory when under it. */
    private String where() {
        try {
            Path here = Path.of("").toAbsolutePath();
            Path jar = new File(LocalJar.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toPath().toAbsolutePath().resolveSibling(file);
            return (jar.startsWith(here) ? here.relativize(jar) : jar).toString();
        } catch (Exception e) {
            return "target/" + file;
        }
    }
}
