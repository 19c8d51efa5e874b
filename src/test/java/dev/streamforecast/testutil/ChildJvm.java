package dev.streamforecast.testutil;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command of the forecaster in a JVM of its own, as a user starts it: its own heap, its own signals
 * (SIGTERM from {@link #stop}), its logs in a file as the product writes them, what it prints, its exit
 * code.
 */
public final class ChildJvm implements AutoCloseable {
    /** What Flink's reflection needs on Java 17, as the jar's manifest opens it. */
    public static final List<String> OPENS = List.of("--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.math=ALL-UNNAMED");

    private final Process process;
    private final Path out;
    /** Its stderr's lines so far, read as they come. */
    private final List<String> errLines = new ArrayList<>();
    private boolean errEnded;

    private ChildJvm(Process process, Path out) {
        this.process = process;
        this.out = out;
    }

    /** The java command of this JVM with {@code options} and the opens, running {@code mainClass}. */
    public static List<String> command(List<String> options, String classPath, String mainClass) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options);
        cmd.addAll(OPENS);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(mainClass);
        return cmd;
    }

    /**
     * {@code forecaster ARGS} (the command line's main class on this test's class path) in a child JVM
     * with {@code options}; its stdout goes to {@code name}.out in {@code dir}.
     */
    public static ChildJvm forecaster(Path dir, String name, List<String> options, String... args) throws IOException {
        List<String> jvm = new ArrayList<>(options);
        // the product's logging (to a file), not the tests' (to the console)
        jvm.add("-Dlog4j2.configurationFile=" + ChildJvm.class.getResource("/log4j2.properties"));
        List<String> cmd = command(jvm, System.getProperty("java.class.path"), "dev.streamforecast.app.Main");
        cmd.addAll(List.of(args));
        Path out = dir.resolve(name + ".out");
        ChildJvm child = new ChildJvm(new ProcessBuilder(cmd).redirectOutput(out.toFile()).start(), out);
        // a child must not outlive the test, whatever happens to it
        Runtime.getRuntime().addShutdownHook(new Thread(child.process::destroyForcibly));
        Thread reader = new Thread(child::readErr, "stderr of " + name);
        reader.setDaemon(true);
        reader.start();
        return child;
    }

    private void readErr() {
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                synchronized (errLines) {
                    errLines.add(line);
                    errLines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the stream closed with the process
        }
        synchronized (errLines) {
            errEnded = true;
            errLines.notifyAll();
        }
    }

    /** Its exit code, once it ends within {@code timeout}; fails the test if it is still running then. */
    public int await(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + timeout + "; its stderr:\n" + err());
        }
        return process.exitValue();
    }

    /** Sends SIGTERM, as a service manager or {@code kill} does, and waits for it to end. */
    public int stop(Duration timeout) throws InterruptedException {
        // the handle's destroy only signals; Process.destroy would also close its output, losing its last lines
        process.toHandle().destroy();
        return await(timeout);
    }

    /** Waits until its stderr has a line starting with {@code prefix}, and returns that line. */
    public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (errLines) {
            int seen = 0;
            while (true) {
                for (; seen < errLines.size(); seen++) {
                    if (errLines.get(seen).startsWith(prefix)) {
                        return errLines.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (errEnded || left <= 0) {
                    throw new AssertionError((errEnded ? "ended" : "still running after " + timeout)
                            + " without a line '" + prefix + "...'; its stderr:\n" + String.join("\n", errLines));
                }
                errLines.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    public String out() throws IOException {
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /** Its stderr so far (all of it, once it ended and {@link #await} returned). */
    public String err() throws InterruptedException {
        synchronized (errLines) {
            if (!process.isAlive()) {
                // the last lines are read after the process ends
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!errEnded && System.nanoTime() < deadline) {
                    errLines.wait(1_000);
                }
            }
            return errLines.isEmpty() ? "" : String.join("\n", errLines) + "\n";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
