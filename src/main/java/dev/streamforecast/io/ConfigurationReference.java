package dev.streamforecast.io;

import dev.streamforecast.model.Setting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The configuration reference, docs/configuration.md, written from the settings tables. */
public final class ConfigurationReference {
    /** The command that writes the reference; the test that keeps it in sync names it. */
    public static final String COMMAND = "java -jar target/forecaster.jar config --docs > docs/configuration.md";

    private ConfigurationReference() {}

    /** The whole page as Markdown. */
    public static String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# Configuration\n\n");
        b.append("<!-- Written by `").append(COMMAND).append("` from the settings tables in\n")
                .append("     io/AppConfig.java and model/ModelConfig.java: change those, then run it again. -->\n\n");
        b.append("""
                One properties file serves `run`, `backtest`, `accuracy` and the cluster job (`--config FILE`;
                without it, the defaults below). `--set key=value` overrides one key on the command line, and
                `forecaster config [--config FILE] [--set key=value]` prints the configuration a command would
                run with. Unknown keys are refused, naming the nearest known one; a bad value is refused naming
                its key and what it accepts. `configs/` holds documented examples.

                Two prefixes pass settings on: `kafka.properties.*` to the Kafka clients without the prefix
                (security, timeouts, `transaction.timeout.ms`, ...), and `flink.*` to Flink's configuration (e.g.
                `flink.state.backend.type=rocksdb`), checked against the options the Flink on the class path
                defines: an unknown key is refused naming the nearest one Flink defines, a value that does not parse
                naming what the option accepts, and a state backend, checkpoint storage or restart strategy that
                Flink's own loaders cannot resolve with Flink's reason. A key Flink does not define (a file system
                plugin's, say) passes only when spelled deliberately: `flink.unchecked.<key>` hands `<key>` to Flink
                unchecked. A SQL script's `SET 'key' = 'value'` is checked the same way when it runs, in the context
                of the `SET`s before it (`SET 'unchecked.<key>' = ...` is its escape).

                A backtest runs at its own `--parallelism`, without checkpoints, and keeps every key to the end of
                the replay: it ignores `job.*` and `events.idle-state-retention`, and a file replay reads no `kafka.*`.
                """);
        for (Map.Entry<String, List<Setting<?>>> group : groups().entrySet()) {
            b.append("\n## `").append(group.getKey()).append(".*`\n\n");
            b.append("| key | default | accepts | meaning |\n|---|---|---|---|\n");
            for (Setting<?> s : group.getValue()) {
                b.append("| `").append(s.name).append("` | ")
                        .append(s.defaultText.isEmpty() ? "(none)" : "`" + s.defaultText + "`").append(" | ")
                        .append(cell(s.accepts)).append(" | ").append(cell(s.doc)).append(" |\n");
            }
        }
        return b.toString();
    }

    /** Settings by the first part of their name, in order of first appearance. */
    private static Map<String, List<Setting<?>>> groups() {
        Map<String, List<Setting<?>>> groups = new LinkedHashMap<>();
        for (Setting<?> s : AppConfig.settings()) {
            groups.computeIfAbsent(s.name.substring(0, s.name.indexOf('.')), k -> new ArrayList<>()).add(s);
        }
        return groups;
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
