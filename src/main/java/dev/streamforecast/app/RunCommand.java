package dev.streamforecast.app;

import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.KafkaProbe;
import dev.streamforecast.io.UserError;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code run}: the live job on a local Flink mini cluster against an external Kafka. Its checkpoints go
 * to local disk ({@link RunCheckpoints}), stay when it stops, and the next run resumes from the newest.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the forecasting job locally (embedded Flink) against the Kafka named in the config; "
                + "resumes from the newest checkpoint of an earlier run.")
public final class RunCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "Configuration file (properties); see configs/.")
    Path config;

    @Option(names = "--set", description = "Override one setting, e.g. --set train.k1=16 (repeatable).")
    List<String> overrides = List.of();

    @Option(names = "--fresh", description = "Start every model afresh: the checkpoints of earlier runs are set "
            + "aside (moved, not deleted), and Kafka is read from kafka.starting-offsets.")
    boolean fresh;

    /** Set once the process is stopping (SIGTERM, Ctrl-C): the job's end is then expected, not a failure. */
    private volatile boolean stopping;

    @Override
    public Integer call() throws Exception {
        AppConfig c = load(config, overrides);
        // the files the settings name are checked before anything is asked of Kafka
        LiveJob.settings(c);
        RunCheckpoints checkpoints = RunCheckpoints.of(c);
        System.err.println("run: using " + (config == null ? "the built-in defaults (no --config; configs/ has examples)"
                : config) + (overrides.isEmpty() ? "" : " with --set " + String.join(" ", overrides)));
        String input = c.get(AppConfig.INPUT_TOPIC);
        String output = c.get(AppConfig.OUTPUT_TOPIC);
        String deadLetters = c.get(AppConfig.DEAD_LETTER_TOPIC);
        System.err.println("run: Kafka at " + c.get(AppConfig.BOOTSTRAP_SERVERS) + ": reading '" + input
                + "', writing forecasts to '" + output + "' and refused input to '" + deadLetters + "'");
        KafkaProbe.Answer kafka = KafkaProbe.check(c.kafkaClientProperties(), List.of(input),
                List.of(output, deadLetters), KafkaProbe.TIMEOUT);
        for (String note : kafka.notes()) {
            System.err.println("run: " + note);
        }
        RunCheckpoints.Checkpoint resume = start(checkpoints, c, kafka.clusterId());
        Configuration flink = LiveJob.flinkConfiguration(c);
        Configuration storage = checkpoints.configure(resume, kafka.clusterId());
        flink.addAll(storage);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        LiveJob.define(env, c, null);
        // after the job's flink.* settings: run's checkpoints are kept and resumed from, whatever those say
        env.configure(storage);
        System.err.println("run: model " + c.model().name() + " (" + c.model().id() + "), "
                + c.get(AppConfig.DELIVERY_GUARANTEE) + ", checkpoint every " + c.get("job.checkpoint-interval")
                + " to " + checkpoints.folder() + "; stop with Ctrl-C, and the next run resumes from there");
        Thread onStop = new Thread(() -> stopped(checkpoints), "run-stopped");
        Runtime.getRuntime().addShutdownHook(onStop);
        try {
            env.execute(c.get(AppConfig.JOB_NAME));
        } catch (Exception e) {
            if (stopping) {
                return 0;
            }
            if (resume != null && RunCheckpoints.restoreFailed(e)) {
                throw new UserError(resume.describe() + " cannot be restored: " + RunCheckpoints.oneLine(e)
                        + "; or start over with --fresh (it sets the checkpoints aside, deleting nothing)", e);
            }
            throw e;
        } finally {
            try {
                // the job ended by itself: what it said is the command's last word
                Runtime.getRuntime().removeShutdownHook(onStop);
            } catch (IllegalStateException stoppingMeanwhile) {
                // the hook says its line
            }
        }
        return 0;
    }

    /** Sets earlier checkpoints aside for {@code --fresh}, or finds the one to resume from; says which. */
    private RunCheckpoints.Checkpoint start(RunCheckpoints checkpoints, AppConfig c, String clusterId)
            throws Exception {
        String reading = "Kafka is read from " + (c.startingOffsets().equals("committed")
                ? "the group's committed offsets (the earliest where it has none)"
                : "the topic's " + c.startingOffsets() + " offsets") + " (kafka.starting-offsets)";
        if (fresh) {
            Path aside = checkpoints.setAside();
            System.err.println("run: --fresh: " + (aside == null ? "no checkpoints in " + checkpoints.folder()
                    : "the checkpoints of earlier runs are set aside in " + aside) + "; every model starts afresh and "
                    + reading);
            return null;
        }
        RunCheckpoints.Checkpoint resume = checkpoints.newest(clusterId);
        System.err.println(resume == null
                ? "run: no checkpoint in " + checkpoints.folder() + ": every model starts afresh and " + reading
                : "run: resuming from " + resume.describe() + ": every key's model and the input's offsets as they "
                        + "were then (--fresh starts over)");
        return resume;
    }

    /** Says, as the process stops, which checkpoint the next run will resume from. */
    private void stopped(RunCheckpoints checkpoints) {
        stopping = true;
        try {
            RunCheckpoints.Checkpoint last = checkpoints.find();
            System.err.println("run: stopped; " + (last == null ? "no checkpoint was completed, so the next run "
                    + "starts afresh" : "the next run resumes from " + last.describe()));
        } catch (java.io.IOException e) {
            System.err.println("run: stopped; its checkpoints are in " + checkpoints.folder());
        }
    }

    /** The config file (or the defaults) with {@code key=value} overrides applied. */
    public static AppConfig load(Path file, List<String> overrides) throws Exception {
        AppConfig c = file == null ? AppConfig.defaultsOnly() : AppConfig.load(file);
        return c.with(parseOverrides(overrides));
    }

    public static Map<String, String> parseOverrides(List<String> overrides) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new UserError("--set expects key=value, e.g. --set train.k1=16, got '" + o + "'");
            }
            m.put(o.substring(0, eq).trim(), o.substring(eq + 1).trim());
        }
        return m;
    }
}
