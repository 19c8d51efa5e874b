package dev.streamforecast.app;

import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.KafkaProbe;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine.Option;

/** {@code --config FILE} and {@code --set key=value}, for a command that reads the configuration's Kafka settings. */
public final class ConfigOptions {
    @Option(names = {"-c", "--config"}, description = "Configuration file (properties) whose kafka.* settings apply; "
            + "default: built-in defaults.")
    Path config;

    @Option(names = "--set", description = "Override one setting, e.g. --set kafka.bootstrap-servers=host:9092 "
            + "(repeatable).")
    List<String> overrides = List.of();

    /** The configuration file (or the defaults) with the overrides applied, checked. */
    public AppConfig load() throws Exception {
        return RunCommand.load(config, overrides);
    }

    /** The Kafka client properties of {@code c}, once the cluster has answered and has {@code topic}. */
    static Properties client(AppConfig c, String topic) {
        KafkaProbe.check(c.kafkaClientProperties(), List.of(topic), List.of(), KafkaProbe.TIMEOUT);
        return c.kafkaClientProperties();
    }
}
