package dev.streamforecast.testutil;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A command line as a user types it, run by bash in a working directory, its standard output and error
 * collected line by line; a test waits for a line it expects (signalled as it arrives) or for the end.
 */
public final class ShellCommand implements AutoCloseable {
    private final String line;
    private final Process process;
    private final List<String> out = new ArrayList<>();
    private final List<String> err = new ArrayList<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private final Thread[] pumps;

    private record Waiter(Predicate<String> matches, CompletableFuture<String> found) {}

    private ShellCommand(String line, Process process) {
        this.line = line;
        this.process = process;
        pumps = new Thread[] {pump(process.getInputStream(), out, "out"), pump(process.getErrorStream(), err, "err")};
    }

    /** Starts {@code line} with {@code bash -c} in {@code dir}, its standard input closed. */
    public static ShellCommand start(String line, Path dir) throws IOException {
        return start(line, dir, java.util.Map.of());
    }

    /** Starts {@code line} as {@link #start(String, Path)} does, with {@code env} added to its environment. */
    public static ShellCommand start(String line, Path dir, java.util.Map<String, String> env) throws IOException {
        ProcessBuilder b = new ProcessBuilder("bash", "-c", line).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        b.environment().putAll(env);
        return new ShellCommand(line, b.start());
    }

    private Thread pump(InputStream stream, List<String> lines, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    synchronized (this) {
                        lines.add(l);
                        for (Waiter w : waiters) {
                            if (w.matches.test(l)) {
                                w.found.complete(l);
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "shell-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The first line on either stream that matches, waiting at most {@code timeout} for it. */
    public String awaitLine(Predicate<String> matches, Duration timeout) throws Exception {
        Waiter w = new Waiter(matches, new CompletableFuture<>());
        synchronized (this) {
            for (String l : all()) {
                if (matches.test(l)) {
                    return l;
                }
            }
            waiters.add(w);
        }
        try {
            return w.found.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no such line from `" + line + "` within " + timeout.toSeconds() + " s; it said:\n"
                    + String.join("\n", all()), e);
        }
    }

    /** Waits for the command to end by itself, and returns its exit code once its output is read. */
    public int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("`" + line + "` still runs after " + timeout.toSeconds() + " s; it said:\n"
                    + String.join("\n", all()));
        }
        for (Thread t : pumps) {
            t.join(timeout.toMillis());
        }
        return process.exitValue();
    }

    /**
     * Stops the command as Ctrl-C's sibling SIGTERM does, its children first (bash may run the command in
     * one), and returns the exit code once what it says on its way out is read. (Through the process's
     * handle: {@code Process.destroy} would close the streams first.)
     */
    public int stop(Duration timeout) throws Exception {
        process.descendants().forEach(ProcessHandle::destroy);
        process.toHandle().destroy();
        return awaitExit(timeout);
    }

    /** Standard output so far. */
    public synchronized List<String> out() {
        return new ArrayList<>(out);
    }

    /** Standard error so far. */
    public synchronized List<String> err() {
        return new ArrayList<>(err);
    }

    private synchronized List<String> all() {
        List<String> all = new ArrayList<>(out);
        all.addAll(err);
        return all;
    }

    /** Kills whatever still runs. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
