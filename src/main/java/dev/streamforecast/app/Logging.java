package dev.streamforecast.app;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where the logs of Flink, Kafka and the forecaster go when a command runs from the command line: a
 * file per command ({@code logs/forecaster-demo.log} beside the jar, or under the temporary directory
 * when that is not writable), or the console with {@code --verbose}. A successful run's console then
 * holds only what the command prints; Flink's warnings with their stack traces (a checkpoint declined
 * while the job finishes, a coordinator suspending) are in the file.
 *
 * <p>{@code log4j2.properties} reads the two system properties set here, so {@link #configure} must run
 * before anything logs: first thing in {@code main}.
 */
public final class Logging {
    /** The option that sends the logs to the console. */
    public static final String VERBOSE = "--verbose";
    static final String FILE_PROPERTY = "forecaster.log.file";
    static final String APPENDER_PROPERTY = "forecaster.log.appender";

    private static Path file;

    private Logging() {}

    /**
     * Chooses the destination for this command line: the console when it holds {@link #VERBOSE},
     * otherwise a file named after its subcommand, in a {@code logs} directory beside the jar that
     * holds {@code anchor}.
     */
    public static void configure(String[] args, Class<?> anchor) {
        configure(command(args), args, anchor);
    }

    /** The subcommand a command line runs ({@code demo}, {@code backtest}...), or {@code forecaster}. */
    static String command(String[] args) {
        return Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst()
                .filter(a -> a.matches("[a-z][a-z-]*")).orElse("forecaster");
    }

    /** As {@link #configure(String[], Class)}, for a program that is one command. */
    public static void configure(String command, String[] args, Class<?> anchor) {
        if (Arrays.asList(args).contains(VERBOSE)) {
            System.setProperty(APPENDER_PROPERTY, "Console");
            return;
        }
        file = directory(anchor).resolve("forecaster-" + command + ".log");
        System.setProperty(FILE_PROPERTY, file.toString());
        System.setProperty(APPENDER_PROPERTY, "File");
    }

    /**
     * The file this run logs to, for a command to tell its user; {@code null} when the logs go to the
     * console or {@link #configure} did not run (tests).
     */
    public static Path file() {
        return file;
    }

    /** A short sentence naming where the logs are, for a command's first progress line. */
    public static String where() {
        if (file == null) {
            return "logs on the console";
        }
        Path shown = file;
        Path here = Path.of("").toAbsolutePath();
        if (file.startsWith(here)) {
            shown = here.relativize(file);
        }
        return "Flink's and Kafka's logs in " + shown + " (" + VERBOSE + " shows them here)";
    }

    private static Path directory(Class<?> anchor) {
        try {
            File code = new File(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (code.isFile()) {
                Path dir = code.toPath().toAbsolutePath().getParent().resolve("logs");
                Files.createDirectories(dir);
                if (Files.isWritable(dir)) {
                    return dir;
                }
            }
        } catch (Exception e) {
            // not run from a jar, or its directory is read-only: the temporary directory will do
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "forecaster-logs").toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            // log4j reports it on the console when it cannot open the file
        }
        return dir;
    }
}
