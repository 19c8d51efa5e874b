package dev.streamforecast.app;

import dev.streamforecast.io.UserError;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The command line of {@code forecaster.jar}: one subcommand per way of running the forecaster.
 *
 * <p>A mistake the user can fix (a bad option, a missing file, a bad setting: a picocli usage error or a
 * {@link UserError} anywhere in the cause chain) prints one or two lines and exits with 2; anything else
 * is a defect, printed with its stack trace and a request to report it, exit 1. Running out of memory
 * is one line naming the way out, exit 3 ({@link OutOfMemory}).
 */
@Command(name = "forecaster", mixinStandardHelpOptions = true, version = "forecaster 0.1.0",
        description = "Online per-key LSTM forecasting inside Apache Flink.",
        subcommands = {dev.streamforecast.app.local.DemoCommand.class, RunCommand.class,
            dev.streamforecast.app.local.SqlCommand.class, BacktestCommand.class, AccuracyCommand.class,
            ConfigCommand.class, dev.streamforecast.app.local.KafkaCommand.class, ProduceCommand.class,
            ConsumeCommand.class,
            BenchHint.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code of a user's mistake. */
    public static final int USAGE = CommandLine.ExitCode.USAGE;
    /** Exit code of a defect. */
    public static final int INTERNAL = CommandLine.ExitCode.SOFTWARE;

    @Option(names = Logging.VERBOSE, scope = ScopeType.INHERIT,
            description = "Flink's and Kafka's logs on the console instead of a file.")
    boolean verbose;

    public static void main(String[] args) {
        Logging.configure(args, Main.class);
        OutOfMemory.install(Logging.command(args));
        int code;
        try {
            code = commandLine().execute(args);
        } catch (OutOfMemoryError e) {
            code = OutOfMemory.end(Logging.command(args), e.getMessage(), new PrintWriter(System.err, true));
        }
        System.exit(code);
    }

    /** The command line with its error handling, as {@link #main} runs it. */
    public static CommandLine commandLine() {
        // enum options as users type them: bench --only latency
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(Main::usageError)
                .setExecutionExceptionHandler(Main::executionError);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        List<String> suggestions = e instanceof CommandLine.UnmatchedArgumentException
                ? ((CommandLine.UnmatchedArgumentException) e).getSuggestions() : List.of();
        err.println(cmd.getCommandName() + ": " + e.getMessage());
        err.println((suggestions.isEmpty() ? "" : "Did you mean " + String.join(" or ", suggestions) + "? ")
                + "Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
        err.flush();
        return USAGE;
    }

    private static int executionError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        OutOfMemoryError oom = OutOfMemory.find(e);
        if (oom != null) {
            return OutOfMemory.end(cmd.getCommandName(), oom.getMessage(), cmd.getErr());
        }
        PrintWriter err = cmd.getErr();
        String mistake = userMistake(e);
        if (mistake != null) {
            err.println(cmd.getCommandName() + ": " + mistake);
            err.flush();
            return USAGE;
        }
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        err.println(cmd.getCommandName() + ": internal error, please report it with what follows: " + e);
        err.print(trace);
        err.flush();
        return INTERNAL;
    }

    /**
     * The message of the user's mistake behind {@code e}, or null for a defect: a {@link UserError}
     * anywhere in the cause chain (a job's failure wraps what its operator threw), or a file the
     * operating system refused.
     */
    static String userMistake(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UserError) {
                return t.getMessage();
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoSuchFileException) {
                return "no such file or folder: " + ((FileSystemException) t).getFile();
            }
            if (t instanceof AccessDeniedException) {
                return "permission denied: " + ((FileSystemException) t).getFile();
            }
            if (t instanceof FileSystemException && ((FileSystemException) t).getReason() != null) {
                FileSystemException f = (FileSystemException) t;
                return f.getFile() + ": " + f.getReason();
            }
        }
        return null;
    }
}
