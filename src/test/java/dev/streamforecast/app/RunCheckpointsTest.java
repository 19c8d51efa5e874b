package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where run keeps its checkpoints, which it resumes from, what --fresh sets aside, and Flink's settings for it. */
class RunCheckpointsTest {
    @TempDir
    Path dir;

    private RunCheckpoints checkpoints(Map<String, String> more) {
        Map<String, String> m = new java.util.HashMap<>(more);
        m.putIfAbsent("job.checkpoint-dir", dir.toString());
        return RunCheckpoints.of(AppConfig.of(m));
    }

    private Path checkpoint(String job, String name, boolean completed) throws Exception {
        Path c = Files.createDirectories(dir.resolve("forecaster").resolve(job).resolve(name));
        if (completed) {
            Files.write(c.resolve("_metadata"), new byte[] {1});
        }
        return c;
    }

    @Test
    void eachJobNameHasAFolderOfItsOwnUnderTheUsersStateFolderByDefault() {
        assertEquals(dir.resolve("forecaster"), checkpoints(Map.of()).folder());
        assertEquals(dir.resolve("sensors_eu-1"), checkpoints(Map.of("job.name", "sensors/eu-1")).folder());
        assertEquals("_hidden", RunCheckpoints.folderName(".hidden"));
        String xdg = System.getenv("XDG_STATE_HOME");
        Path state = xdg == null || xdg.isBlank() ? Path.of(System.getProperty("user.home"), ".local", "state")
                : Path.of(xdg);
        assertEquals(state.resolve("forecaster/checkpoints/forecaster"),
                checkpoints(Map.of("job.checkpoint-dir", "")).folder());
    }

    @Test
    void theNewestCompletedCheckpointIsFoundAcrossTheRunsThatWroteThem() throws Exception {
        RunCheckpoints c = checkpoints(Map.of());
        assertNull(c.find());
        checkpoint("a1", "chk-7", true);
        checkpoint("b2", "chk-12", true);
        checkpoint("b2", "chk-13", false); // under way when the process ended: no metadata
        checkpoint("b2", "shared", false);
        assertEquals(dir.resolve("forecaster/b2/chk-12"), c.find().folder());
        assertEquals(12, c.find().id());
        assertTrue(c.find().describe().startsWith("checkpoint 12 of "), c.find().describe());
    }

    @Test
    void freshSetsTheCheckpointsAsideDeletingNothing() throws Exception {
        RunCheckpoints c = checkpoints(Map.of());
        assertNull(c.setAside());
        Path old = checkpoint("a1", "chk-7", true);
        Path aside = c.setAside();
        assertTrue(aside.getFileName().toString().startsWith("forecaster.set-aside-"), aside.toString());
        assertTrue(Files.isRegularFile(aside.resolve(dir.resolve("forecaster").relativize(old)).resolve("_metadata")));
        assertFalse(Files.exists(c.folder()));
        assertNull(c.find());
    }

    @Test
    void flinkKeepsTheRunsCheckpointsInItsFolderRetainedAndResumesClaimingTheNewest() throws Exception {
        RunCheckpoints c = checkpoints(Map.of("kafka.input-topic", "sensors"));
        Path newest = checkpoint("a1", "chk-7", true);
        Files.createDirectories(c.folder().resolve("emptied/shared"));
        Configuration flink = c.configure(c.find(), "cluster-a");
        assertEquals(c.folder().toUri().toString(), flink.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
        assertEquals(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION,
                flink.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION));
        assertEquals(newest.toUri().toString(), flink.get(StateRecoveryOptions.SAVEPOINT_PATH));
        assertEquals(RecoveryClaimMode.CLAIM, flink.get(StateRecoveryOptions.RESTORE_MODE));
        assertTrue(Files.readString(c.folder().resolve(RunCheckpoints.RECORD)).contains("kafka.input-topic=sensors"));
        assertFalse(Files.exists(c.folder().resolve("emptied")), "a folder left with empty folders only is removed");
        assertNull(c.configure(null, null).get(StateRecoveryOptions.SAVEPOINT_PATH));
    }

    @Test
    void offsetsOfAnotherKafkaClusterAreRefusedWithTheWayOut() throws Exception {
        RunCheckpoints c = checkpoints(Map.of());
        checkpoint("a1", "chk-7", true);
        c.configure(c.find(), "cluster-a");
        String other = assertThrows(UserError.class, () -> c.newest("cluster-b")).getMessage();
        assertTrue(other.matches("checkpoint 7 of .* was taken reading Kafka cluster cluster-a; the broker answering "
                + "now is cluster cluster-b \\(a broker made anew, or another\\), where its offsets would skip or "
                + "repeat records\\. Start over with --fresh .*"), other);
        // the same cluster, or one that did not say, passes on to the checkpoint's own checks
        for (String same : new String[] {"cluster-a", null}) {
            String damage = assertThrows(UserError.class, () -> c.newest(same)).getMessage();
            assertTrue(damage.contains("cannot be restored: its metadata cannot be read"), damage);
        }
    }

    @Test
    void runRefusesAnotherPlaceForItsCheckpointsNamingTheSettingToUse() {
        assertTrue(assertThrows(UserError.class, () -> checkpoints(Map.of("job.checkpoint-dir", "s3://bucket/x")))
                .getMessage().startsWith("job.checkpoint-dir s3://bucket/x: run keeps checkpoints on this machine's "
                        + "disk"));
        assertTrue(assertThrows(UserError.class, () -> checkpoints(Map.of("flink.execution.checkpointing.dir",
                "file:///x"))).getMessage().startsWith("flink.execution.checkpointing.dir: run keeps its checkpoints "
                        + "in job.checkpoint-dir"));
        assertEquals(dir.resolve("forecaster"), checkpoints(Map.of("job.checkpoint-dir", dir.toUri().toString()))
                .folder());
    }

    @Test
    void theClusterJobWritesToTheFolderWhenOneIsSetAndElseWhereTheClusterSays() {
        assertFalse(RunCheckpoints.clusterStorage(AppConfig.defaultsOnly())
                .contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
        assertEquals("s3://bucket/checkpoints/sensors", RunCheckpoints.clusterStorage(AppConfig.of(Map.of(
                "job.checkpoint-dir", "s3://bucket/checkpoints/", "job.name", "sensors")))
                .get(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
    }
}
