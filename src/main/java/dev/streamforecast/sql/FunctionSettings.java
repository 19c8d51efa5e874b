package dev.streamforecast.sql;

import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.EpochUnit;
import dev.streamforecast.io.UserError;
import dev.streamforecast.stream.JobSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The settings of a {@code FORECAST} call: its {@code config} map, read by the same settings table as
 * the job's properties file, so a key means the same in both and a bad one is refused the same way.
 *
 * <p>Only the settings of the forecaster itself apply: the model, its training, its intervals, how a
 * key's events are read, ordered, held and released, and what a restore does with state of another shape. Where
 * events come from and where forecasts go is the SQL statement's business (the tables' connectors),
 * and so are checkpoints and parallelism (Flink's SQL settings); such keys are refused naming the
 * place they belong.
 */
final class FunctionSettings {
    /** Keys a call may set, as prefixes or whole names; every other listed key is refused. */
    private static final List<String> APPLY = List.of("model.", "train.", "forecast.",
            "events.max-out-of-orderness", "events.max-wait", "events.max-future", "events.time-unit",
            "anomaly.threshold");
    /** Listed keys that do not apply here, each with where its concern lives in SQL. */
    private static final Map<String, String> ELSEWHERE = Map.of(
            "kafka.", "the tables' WITH options (connector, topic, properties.*)",
            "job.", "Flink's SQL settings (SET 'parallelism.default', SET 'execution.checkpointing.interval')",
            "flink.", "Flink's SQL settings (SET 'key' = 'value')",
            "dead-letters.", "the refusal rows the function emits (filter them with WHERE refusal IS NOT NULL)",
            "events.idle-state-retention", "nothing yet: the function keeps every key's state (see docs/sql.md)",
            "anomaly.topic", "an INSERT of the rows WHERE anomalous into a table of its own",
            "model.warm-start", "nothing yet: a SQL call starts every key from its seed",
            "model.scope", "nothing: FORECAST keeps a model per key, since a process table function has keyed "
                    + "state only and a network shared by many keys lives in operator state; run or backtest it in "
                    + "the DataStream job (docs/shared-model.md)");

    private FunctionSettings() {}

    /**
     * The forecaster's settings from a call's {@code config} map (null for the defaults).
     *
     * @throws UserError naming the first unknown, misplaced or invalid key
     */
    static JobSettings of(Map<String, String> config) {
        AppConfig c = validated(config);
        return new JobSettings(c.model(), c.get(AppConfig.MAX_OUT_OF_ORDERNESS), Duration.ZERO, null)
                .withMaxWait(c.get(AppConfig.MAX_WAIT))
                .withOnShapeChange(JobSettings.ShapeChange.of(c.get(AppConfig.ON_SHAPE_CHANGE)))
                .withMaxFuture(c.maxFuture())
                .withAnomalyThreshold(c.get(AppConfig.ANOMALY_THRESHOLD));
    }

    /** How a call's integer times are read: {@code events.time-unit} of its {@code config} map. */
    static EpochUnit timeUnit(Map<String, String> config) {
        return validated(config).get(AppConfig.TIME_UNIT);
    }

    /** A call's {@code config} map as a configuration, every key checked. */
    private static AppConfig validated(Map<String, String> config) {
        Map<String, String> m = new TreeMap<>();
        if (config != null) {
            for (Map.Entry<String, String> e : config.entrySet()) {
                if (e.getKey() == null) {
                    throw new UserError("FORECAST config: a key is NULL");
                }
                m.put(e.getKey(), e.getValue());
            }
        }
        for (String key : m.keySet()) {
            if (m.get(key) == null) {
                throw new UserError("FORECAST config: the value of '" + key + "' is NULL");
            }
            for (Map.Entry<String, String> e : ELSEWHERE.entrySet()) {
                if (key.startsWith(e.getKey())) {
                    throw new UserError("FORECAST config: '" + key + "' does not apply to the SQL function; "
                            + "in SQL this is set by " + e.getValue());
                }
            }
        }
        AppConfig c;
        try {
            c = AppConfig.of(m);
        } catch (UserError e) {
            throw new UserError("FORECAST config: " + e.getMessage(), e);
        }
        for (String key : m.keySet()) {
            if (APPLY.stream().noneMatch(key::startsWith)) {
                throw new UserError("FORECAST config: '" + key + "' does not apply to the SQL function");
            }
        }
        return c;
    }
}
