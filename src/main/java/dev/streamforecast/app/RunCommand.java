package dev.streamforecast.app;

import dev.streamforecast.io.AppConfig;
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
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                LiveJob.flinkConfiguration(c));
        LiveJob.define(env, c, null);
        System.err.println("forecaster: reading " + c.get("kafka.input-topic") + " at "
                + c.get("kafka.bootstrap-servers") + ", writing " + c.get("kafka.output-topic")
                + " (model " + c.model().id() + ")");
        env.execute(c.get("job.name"));
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
                throw new IllegalArgumentException("--set expects key=value, got '" + o + "'");
            }
            m.put(o.substring(0, eq).trim(), o.substring(eq + 1).trim());
        }
        return m;
    }
}
