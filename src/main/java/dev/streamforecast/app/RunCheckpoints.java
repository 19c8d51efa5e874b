package dev.streamforecast.app;

import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.UserError;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.client.JobInitializationException;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle;
import org.apache.flink.runtime.state.StateObject;
import org.apache.flink.runtime.state.StreamStateHandle;
import org.apache.flink.runtime.state.filesystem.FileStateHandle;

/**
 * Where {@code run} keeps its checkpoints on this machine, the one it resumes from, and what
 * {@code --fresh} sets aside.
 *
 * <p>A job's checkpoints live in {@code <job.checkpoint-dir>/<job.name>}, one folder per Flink job id
 * as Flink writes them ({@code <job id>/chk-<n>/_metadata}). The newest completed one (a {@code
 * _metadata} written) is resumed from in claim mode: the new run owns it and deletes it once its own
 * first checkpoint subsumes it, so the folder holds one checkpoint, the newest. A stopped run's last
 * checkpoint is retained (Flink's {@code RETAIN_ON_CANCELLATION}), whether it was cancelled or the
 * process ended. The topic its offsets are of, and the Kafka cluster's id, are recorded beside it
 * ({@value #RECORD}): offsets of another cluster (a broker made anew, as {@code ./forecaster kafka}
 * makes one on each start) would skip or repeat its records.
 */
final class RunCheckpoints {
    /** The record of what the job's checkpoints were taken reading. */
    static final String RECORD = "forecaster-job.properties";
    /** The record's key for the id of the Kafka cluster the checkpoints' offsets are of. */
    static final String CLUSTER = "kafka.cluster-id";
    private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    /** A completed checkpoint: its number, folder and when it was completed. */
    record Checkpoint(long id, Path folder, Instant completed) {
        /** "checkpoint 12 of 2025-12-07 03:40:12 (4 min ago) in FOLDER". */
        String describe() {
            Duration age = Duration.between(completed, Instant.now());
            String ago = age.toSeconds() < 120 ? age.toSeconds() + " s" : age.toMinutes() < 120 ? age.toMinutes()
                    + " min" : age.toHours() < 48 ? age.toHours() + " h" : age.toDays() + " days";
            return "checkpoint " + id + " of " + TIME.format(LocalDateTime.ofInstant(completed, ZoneId.systemDefault()))
                    + " (" + ago + " ago) in " + folder;
        }
    }

    private final Path folder;
    private final String topic;

    private RunCheckpoints(Path folder, String topic) {
        this.folder = folder;
        this.topic = topic;
    }

    /** The checkpoints of the job {@code config} describes. */
    static RunCheckpoints of(AppConfig config) {
        for (String key : List.of(CheckpointingOptions.CHECKPOINTS_DIRECTORY.key(), "state.checkpoints.dir",
                StateRecoveryOptions.SAVEPOINT_PATH.key())) {
            if (config.flinkSettings().containsKey(key)) {
                throw new UserError("flink." + key + ": run keeps its checkpoints in job.checkpoint-dir and resumes "
                        + "from the newest there; give the folder there (--fresh starts over)");
            }
        }
        String dir = config.get(AppConfig.CHECKPOINT_DIR);
        Path root;
        if (dir.isBlank()) {
            root = defaultRoot();
        } else if (dir.startsWith("file:")) {
            root = Path.of(java.net.URI.create(dir));
        } else if (dir.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
            throw new UserError("job.checkpoint-dir " + dir + ": run keeps checkpoints on this machine's disk; "
                    + "give a folder (a file system such as s3:// is for the cluster job)");
        } else {
            root = Path.of(dir);
        }
        return new RunCheckpoints(root.toAbsolutePath().resolve(folderName(config.get(AppConfig.JOB_NAME))),
                config.get(AppConfig.INPUT_TOPIC));
    }

    /**
     * The user's state folder, as the XDG base directories name it ({@code $XDG_STATE_HOME}, else
     * {@code ~/.local/state}), then {@code forecaster/checkpoints}: state that outlives the process,
     * kept whatever folder the command runs from, through {@code mvn clean} and a new clone.
     */
    static Path defaultRoot() {
        String xdg = System.getenv("XDG_STATE_HOME");
        Path state = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "state");
        return state.resolve("forecaster").resolve("checkpoints");
    }

    /** A job name as a folder name: characters other than letters, digits, '.', '_' and '-' become '_'. */
    static String folderName(String jobName) {
        String name = jobName.replaceAll("[^A-Za-z0-9._-]", "_");
        return name.startsWith(".") ? "_" + name.substring(1) : name;
    }

    Path folder() {
        return folder;
    }

    /**
     * The newest completed checkpoint, checked: its metadata readable, every file it names there and
     * whole, its offsets of this job's input topic at the Kafka cluster {@code clusterId} (null: not
     * known, not checked); null when there is none.
     *
     * @throws UserError naming a checkpoint that cannot be restored and the way out
     */
    Checkpoint newest(String clusterId) throws IOException {
        Checkpoint newest = find();
        if (newest == null) {
            return null;
        }
        Path record = folder.resolve(RECORD);
        if (Files.isRegularFile(record)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(record)) {
                p.load(r);
            }
            String was = p.getProperty(AppConfig.INPUT_TOPIC.name);
            if (was != null && !was.equals(topic)) {
                throw new UserError(newest.describe() + " was taken reading topic '" + was + "', this run reads '"
                        + topic + "': its offsets and models are that topic's. Start over with --fresh (it sets the "
                        + "checkpoints aside), set kafka.input-topic=" + was + ", or give this job another job.name");
            }
            String cluster = p.getProperty(CLUSTER);
            if (cluster != null && clusterId != null && !cluster.equals(clusterId)) {
                throw new UserError(newest.describe() + " was taken reading Kafka cluster " + cluster + "; the "
                        + "broker answering now is cluster " + clusterId + " (a broker made anew, or another), where "
                        + "its offsets would skip or repeat records. Start over with --fresh (it sets the checkpoints "
                        + "aside, deleting nothing), or give this job another job.name");
            }
        }
        String damage = damage(newest);
        if (damage != null) {
            throw new UserError(newest.describe() + " cannot be restored: " + damage + ". Start over with --fresh "
                    + "(it sets the checkpoints aside, deleting nothing)");
        }
        return newest;
    }

    /** The completed checkpoint with the highest number (a restored run numbers on from the one it restored). */
    Checkpoint find() throws IOException {
        if (!Files.isDirectory(folder)) {
            return null;
        }
        List<Checkpoint> all = new ArrayList<>();
        try (DirectoryStream<Path> jobs = Files.newDirectoryStream(folder, Files::isDirectory)) {
            for (Path job : jobs) {
                try (DirectoryStream<Path> checkpoints = Files.newDirectoryStream(job, Files::isDirectory)) {
                    for (Path c : checkpoints) {
                        Matcher m = CHECKPOINT.matcher(c.getFileName().toString());
                        Path metadata = c.resolve("_metadata");
                        if (m.matches() && Files.isRegularFile(metadata)) {
                            all.add(new Checkpoint(Long.parseLong(m.group(1)), c,
                                    Files.getLastModifiedTime(metadata).toInstant()));
                        }
                    }
                }
            }
        }
        return all.stream().max(Comparator.comparingLong(Checkpoint::id).thenComparing(Checkpoint::completed))
                .orElse(null);
    }

    /** What makes {@code c} unrestorable before any job tries: unreadable metadata, a file missing or cut; or null. */
    private static String damage(Checkpoint c) {
        CheckpointMetadata metadata;
        try (InputStream in = Files.newInputStream(c.folder.resolve("_metadata"))) {
            metadata = Checkpoints.loadCheckpointMetadata(new DataInputStream(in),
                    RunCheckpoints.class.getClassLoader(), c.folder.toUri().toString());
        } catch (IOException | RuntimeException e) {
            return "its metadata cannot be read (" + oneLine(e) + ")";
        }
        for (OperatorState operator : metadata.getOperatorStates()) {
            for (OperatorSubtaskState subtask : operator.getStates()) {
                List<StateObject> handles = new ArrayList<>();
                subtask.getManagedKeyedState().forEach(handles::add);
                subtask.getRawKeyedState().forEach(handles::add);
                subtask.getManagedOperatorState().forEach(handles::add);
                subtask.getRawOperatorState().forEach(handles::add);
                for (StateObject h : handles) {
                    Stream<StreamStateHandle> files = h instanceof IncrementalRemoteKeyedStateHandle
                            ? ((IncrementalRemoteKeyedStateHandle) h).streamSubHandles()
                            : h instanceof StreamStateHandle ? Stream.of((StreamStateHandle) h) : Stream.empty();
                    String missing = files.map(RunCheckpoints::missing).filter(m -> m != null).findFirst().orElse(null);
                    if (missing != null) {
                        return missing;
                    }
                }
            }
        }
        return null;
    }

    /** How a state file a checkpoint names is missing or shorter than recorded, or null. */
    private static String missing(StreamStateHandle h) {
        StreamStateHandle file = h;
        if (h instanceof org.apache.flink.runtime.state.KeyGroupsStateHandle) {
            file = ((org.apache.flink.runtime.state.KeyGroupsStateHandle) h).getDelegateStateHandle();
        } else if (h instanceof org.apache.flink.runtime.state.OperatorStreamStateHandle) {
            file = ((org.apache.flink.runtime.state.OperatorStreamStateHandle) h).getDelegateStateHandle();
        }
        if (!(file instanceof FileStateHandle)) {
            return null;
        }
        FileStateHandle f = (FileStateHandle) file;
        Path p = Path.of(f.getFilePath().toUri());
        try {
            if (!Files.isRegularFile(p)) {
                return "its state file " + p + " is missing";
            }
            long size = Files.size(p);
            return size < f.getStateSize() ? "its state file " + p + " has " + size + " of its " + f.getStateSize()
                    + " bytes" : null;
        } catch (IOException e) {
            return "its state file " + p + " cannot be read (" + oneLine(e) + ")";
        }
    }

    /**
     * Moves the job's checkpoints to a sibling folder named for now ({@code <job>.set-aside-<time>}),
     * deleting nothing; returns it, or null when there was nothing to set aside.
     */
    Path setAside() throws IOException {
        if (!Files.isDirectory(folder)) {
            return null;
        }
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).format(LocalDateTime.now());
        Path aside = folder.resolveSibling(folder.getFileName() + ".set-aside-" + stamp);
        for (int i = 2; Files.exists(aside); i++) {
            aside = folder.resolveSibling(folder.getFileName() + ".set-aside-" + stamp + "-" + i);
        }
        Files.move(folder, aside);
        return aside;
    }

    /**
     * Flink's settings for this run: checkpoints written under the job's folder and retained when the
     * job is cancelled or the process ends; the run restored from {@code resume} (if not null), which it
     * then owns. Also records the input topic and the Kafka cluster's id ({@code clusterId}, if known)
     * beside them.
     */
    Configuration configure(Checkpoint resume, String clusterId) throws IOException {
        Files.createDirectories(folder);
        Properties p = new Properties();
        p.setProperty(AppConfig.INPUT_TOPIC.name, topic);
        if (clusterId != null) {
            p.setProperty(CLUSTER, clusterId);
        }
        try (Writer w = Files.newBufferedWriter(folder.resolve(RECORD))) {
            p.store(w, "what the checkpoints in this folder were taken reading");
        }
        removeEmptyJobFolders();
        Configuration c = new Configuration();
        c.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, folder.toUri().toString());
        c.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (resume != null) {
            c.set(StateRecoveryOptions.SAVEPOINT_PATH, resume.folder.toUri().toString());
            c.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
        }
        return c;
    }

    /** Job folders of earlier runs left with empty folders only (their checkpoints subsumed since). */
    private void removeEmptyJobFolders() throws IOException {
        try (DirectoryStream<Path> jobs = Files.newDirectoryStream(folder, Files::isDirectory)) {
            for (Path job : jobs) {
                List<Path> inside;
                try (Stream<Path> walk = Files.walk(job)) {
                    inside = walk.sorted(Comparator.reverseOrder()).toList();
                }
                if (inside.stream().allMatch(Files::isDirectory)) {
                    for (Path d : inside) {
                        Files.delete(d);
                    }
                }
            }
        }
    }

    /**
     * The cluster job's checkpoint folder when {@code job.checkpoint-dir} is set ({@code <dir>/<job.name>},
     * Flink adding a folder per job id), as Flink settings; empty when it is not (the cluster's own
     * {@code execution.checkpointing.dir} then applies). Resuming is the cluster's: savepoints, high
     * availability, the operator's upgrade mode.
     */
    static Configuration clusterStorage(AppConfig config) {
        Configuration c = new Configuration();
        String dir = config.get(AppConfig.CHECKPOINT_DIR);
        if (!dir.isBlank()) {
            c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.replaceAll("/+$", "") + "/"
                    + folderName(config.get(AppConfig.JOB_NAME)));
        }
        return c;
    }

    /**
     * Whether a run's failure was its restore's: a restored state refused by the forecaster (another
     * shape or scope, which it refuses without restarts) or a checkpoint Flink could not map onto the job.
     */
    static boolean restoreFailed(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SuppressRestartsException || t instanceof JobInitializationException) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message of {@code e}'s causes, on one line. */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
