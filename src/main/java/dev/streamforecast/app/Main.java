package dev.streamforecast.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The command line of {@code forecaster.jar}: one subcommand per way of running the forecaster. */
@Command(name = "forecaster", mixinStandardHelpOptions = true, version = "forecaster 0.1.0",
        description = "Online per-key LSTM forecasting inside Apache Flink.",
        subcommands = {dev.streamforecast.app.local.DemoCommand.class, RunCommand.class, BacktestCommand.class, AccuracyCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @Option(names = Logging.VERBOSE, scope = ScopeType.INHERIT,
            description = "Flink's and Kafka's logs on the console instead of a file.")
    boolean verbose;

    public static void main(String[] args) {
        Logging.configure(args, Main.class);
        // enum options in any case, as users type them
        System.exit(new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
