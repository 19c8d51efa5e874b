package dev.streamforecast.app;

import dev.streamforecast.backtest.Backtest;
import dev.streamforecast.backtest.BaselineTable;
import dev.streamforecast.backtest.Evaluation;
import dev.streamforecast.backtest.Metrics;
import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.AppConfig;
import dev.streamforecast.io.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code accuracy}: the published online-forecasting protocol on every standard dataset, through the
 * real backtest (Flink, the live operator), with the baselines side by side, as a Markdown table.
 */
@Command(name = "accuracy", mixinStandardHelpOptions = true,
        description = "Backtest the configured model on ETTh1 and the NAB series under the published "
                + "protocol and print MSE/MAE against persistence, seasonal naive, Holt and online AR(24).")
public final class AccuracyCommand implements Callable<Integer> {
    @Option(names = "--data", description = "Folder with ETTh1.csv and the nab_*.csv files, which docs/data.md says "
            + "where to get (default: ${DEFAULT-VALUE}).")
    Path data = Path.of("data");

    @Option(names = {"-c", "--config"}, description = "Configuration file (properties); default: built-in defaults.")
    Path config;

    @Option(names = "--set", description = "Override one setting, e.g. --set model.linear-order=24 (repeatable).")
    List<String> overrides = List.of();

    @Option(names = {"-p", "--parallelism"}, description = "Parallelism of each replay (default: ${DEFAULT-VALUE}).")
    int parallelism = 2;

    @Override
    public Integer call() throws Exception {
        AppConfig c = RunCommand.load(config, overrides);
        Checks.range(parallelism, 1, 10_000, "--parallelism");
        List<String> missing = new ArrayList<>();
        for (String file : BaselineTable.FILES) {
            if (!Files.isRegularFile(data.resolve(file))) {
                missing.add(file);
            }
        }
        if (missing.size() == BaselineTable.FILES.size()) {
            throw new UserError("none of the data files is in " + data.toAbsolutePath().normalize() + " (ETTh1.csv, "
                    + "nab_*.csv); docs/data.md says where to get them:\nETTh1 from the ETDataset repository on GitHub "
                    + "(CC BY-ND 4.0), the NAB series from numenta/NAB (AGPL-3.0); then give their folder as --data DIR");
        }
        if (!missing.isEmpty()) {
            System.err.println("accuracy: not in " + data + ", so left out: " + String.join(", ", missing)
                    + " (docs/data.md says where to get them)");
        }
        List<BaselineTable.Case> cases = BaselineTable.standardCases(data);
        System.out.println("Model " + c.model().name() + " (" + c.model().id() + "): " + c.model().summary() + ".");
        System.out.println();
        System.out.println("| dataset | keys x scored | model MSE / MAE | persistence | seasonal naive | holt | ar(24) rls | model vs ar MSE |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        boolean allBeatAr = true;
        for (BaselineTable.Case k : cases) {
            Path file = data.resolve(k.name() + ".csv");
            List<DeadLetter> rejected = new ArrayList<>();
            List<Observation> history = BacktestCommand.read(file, "csv-wide", c, rejected);
            if (!rejected.isEmpty()) {
                throw new UserError(file + " has unreadable rows, e.g. " + rejected.get(0).origin + ": "
                        + rejected.get(0).reason + "; docs/data.md names the files expected");
            }
            Backtest.Result r = Backtest.replay(history, LiveJob.settings(c).withIdleStateRetention(Duration.ZERO),
                    parallelism, LiveJob.flinkConfiguration(c), null);
            int season = k.data().dailySeason();
            Evaluation e = Evaluation.of(r.forecasts, k.protocol(), Evaluation.baselines(season));
            Metrics model = e.overall(Evaluation.MODEL);
            Metrics ar = e.overall("ar(24) rls");
            allBeatAr &= model.mse() < ar.mse();
            System.out.printf(Locale.ROOT, "| %s | %d x %,d | **%s / %s** | %s | %s | %s | %s | %+.1f%% |%n",
                    k.name(), k.data().series().size(), model.count() / k.data().series().size(),
                    f(model.mse()), f(model.mae()), pair(e.overall("persistence")),
                    pair(e.overall("seasonal naive (" + season + ")")), pair(e.overall("holt")), pair(ar),
                    100 * (model.mse() / ar.mse() - 1));
            System.err.printf(Locale.ROOT, "accuracy: %s replayed in %.1f s%n", k.name(), r.seconds);
        }
        System.out.println();
        System.out.println(allBeatAr ? "The model's MSE is below online AR(24)'s on every dataset."
                : "The model's MSE is NOT below online AR(24)'s on every dataset.");
        return 0;
    }

    private static String pair(Metrics m) {
        return f(m.mse()) + " / " + f(m.mae());
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, v < 0.01 ? "%.5f" : "%.4f", v);
    }
}
