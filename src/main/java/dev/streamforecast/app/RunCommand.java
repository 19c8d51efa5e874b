package dev.streamforecast.app;

import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.KafkaProbe;
import dev.streamforecast.io.UserError;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code run}: the live job on a local Flink mini cluster against an external Kafka. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the forecasting job locally (embedded Flink) against the Kafka named in the config.")
public final class RunCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "Configuration file (properties); see configs/.")
    Path config;

    @Option(names = "--set", description = "Override one setting, e.g. --set train.k1=16 (repeatable).")
    List<String> overrides = List.of();

    @Override
    public Integer call() throws Exception {
        AppConfig c = load(config, overrides);
        // the files the settings name are checked before anything is asked of Kafka
        LiveJob.settings(c);
        System.err.println("run: using " + (config == null ? "the built-in defaults (no --config; configs/ has examples)"
                : config) + (overrides.isEmpty() ? "" : " with --set " + String.join(" ", overrides)));
        String input = c.get(AppConfig.INPUT_TOPIC);
        String output = c.get(AppConfig.OUTPUT_TOPIC);
        String deadLetters = c.get(AppConfig.DEAD_LETTER_TOPIC);
        System.err.println("run: Kafka at " + c.get(AppConfig.BOOTSTRAP_SERVERS) + ": reading '" + input
                + "', writing forecasts to '" + output + "' and refused input to '" + deadLetters + "'");
        for (String note : KafkaProbe.check(c.kafkaClientProperties(), List.of(input), List.of(output, deadLetters),
                KafkaProbe.TIMEOUT)) {
            System.err.println("run: " + note);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                LiveJob.flinkConfiguration(c));
        LiveJob.define(env, c, null);
        System.err.println("run: model " + c.model().name() + " (" + c.model().id() + "), "
                + c.get(AppConfig.DELIVERY_GUARANTEE) + ", checkpoint every " + c.get("job.checkpoint-interval")
                + "; stop with Ctrl-C");
        env.execute(c.get(AppConfig.JOB_NAME));
        return 0;
    }

    /** The config file (or the defaults) with {@code key=value} overrides applied. */
    static AppConfig load(Path file, List<String> overrides) throws Exception {
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
