package dev.streamforecast.app;

import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.ConfigurationReference;
import dev.streamforecast.model.ModelConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code config}: the configuration a command would run with, or the reference of every setting. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Check a configuration and print every setting it gives (as a properties file), "
                + "or, with --docs, the reference of every setting (docs/configuration.md).")
public final class ConfigCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "Configuration file (properties); default: built-in defaults.")
    Path config;

    @Option(names = "--set", description = "Override one setting, e.g. --set train.k1=16 (repeatable).")
    List<String> overrides = List.of();

    @Option(names = "--docs", description = "Print the reference of every setting, as Markdown.")
    boolean docs;

    @Override
    public Integer call() throws Exception {
        if (docs) {
            System.out.print(ConfigurationReference.markdown());
            return 0;
        }
        AppConfig c = RunCommand.load(config, overrides);
        ModelConfig model = c.model();
        System.out.println("# " + (config == null ? "built-in defaults" : config.toString())
                + (overrides.isEmpty() ? "" : " with " + String.join(" ", overrides)));
        System.out.println("# model " + model.name() + ", fingerprint " + model.id());
        for (Map.Entry<String, String> e : c.asPrintableMap().entrySet()) {
            System.out.println(e.getKey() + "=" + e.getValue());
        }
        return 0;
    }
}
