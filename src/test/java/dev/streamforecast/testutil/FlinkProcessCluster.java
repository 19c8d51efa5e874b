package dev.streamforecast.testutil;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Flink session cluster in child JVMs: a JobManager and TaskManagers started from the runtime's
 * entry-point classes on the test classpath (no Flink distribution is on Maven Central), driven
 * through its REST API as a user's cluster would be.
 */
public final class FlinkProcessCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final int restPort;
    private final Process jobManager;
    private final List<Process> taskManagers = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private FlinkProcessCluster(Path dir, int restPort, Process jobManager) {
        this.dir = dir;
        this.restPort = restPort;
        this.jobManager = jobManager;
    }

    /** Starts a JobManager and {@code taskManagers} TaskManagers with {@code slots} slots each. */
    public static FlinkProcessCluster start(Path dir, int taskManagers, int slots, Map<String, String> extra)
            throws Exception {
        int rpcPort = freePort();
        int restPort = freePort();
        StringBuilder conf = new StringBuilder();
        conf.append("jobmanager.rpc.address: localhost\n");
        conf.append("jobmanager.rpc.port: ").append(rpcPort).append('\n');
        conf.append("jobmanager.bind-host: localhost\n");
        conf.append("rest.address: localhost\nrest.bind-address: localhost\n");
        conf.append("rest.port: ").append(restPort).append('\n');
        conf.append("taskmanager.host: localhost\ntaskmanager.bind-host: localhost\n");
        conf.append("taskmanager.numberOfTaskSlots: ").append(slots).append('\n');
        // what the distribution's start scripts would compute and pass to a TaskManager
        conf.append("taskmanager.cpu.cores: 2\n");
        conf.append("taskmanager.memory.framework.heap.size: 64m\n");
        conf.append("taskmanager.memory.task.heap.size: 200m\n");
        conf.append("taskmanager.memory.managed.size: 32m\n");
        conf.append("taskmanager.memory.framework.off-heap.size: 64m\n");
        conf.append("taskmanager.memory.task.off-heap.size: 0m\n");
        conf.append("taskmanager.memory.network.min: 32m\ntaskmanager.memory.network.max: 32m\n");
        conf.append("taskmanager.memory.jvm-metaspace.size: 192m\n");
        conf.append("taskmanager.memory.jvm-overhead.min: 64m\ntaskmanager.memory.jvm-overhead.max: 64m\n");
        conf.append("jobmanager.memory.process.size: 700m\n");
        conf.append("cluster.evenly-spread-out-slots: true\n");
        conf.append("heartbeat.interval: 1000\nheartbeat.timeout: 5000\n");
        conf.append("web.upload.dir: ").append(dir.resolve("uploads")).append('\n');
        conf.append("io.tmp.dirs: ").append(dir.resolve("tmp")).append('\n');
        extra.forEach((k, v) -> conf.append(k).append(": ").append(v).append('\n'));
        Files.createDirectories(dir.resolve("conf"));
        Files.createDirectories(dir.resolve("uploads"));
        Files.createDirectories(dir.resolve("tmp"));
        Files.writeString(dir.resolve("conf/config.yaml"), conf.toString());
        // Flink's test jars on the class path switch logging off; a process that dies should say why
        Files.writeString(dir.resolve("conf/log4j2.properties"), String.join("\n",
                "rootLogger.level = INFO", "rootLogger.appenderRef.out.ref = out",
                "appender.out.name = out", "appender.out.type = Console",
                "appender.out.layout.type = PatternLayout", "appender.out.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c - %m%n",
                "logger.kafka.name = org.apache.kafka", "logger.kafka.level = WARN", ""));
        Process jm = launch(dir, "jobmanager", "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint");
        FlinkProcessCluster cluster = new FlinkProcessCluster(dir, restPort, jm);
        // child JVMs must not outlive the test, whatever happens to it
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
        try {
            for (int i = 0; i < taskManagers; i++) {
                cluster.taskManagers.add(launch(dir, "taskmanager-" + i, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner"));
            }
            cluster.awaitTaskManagers(taskManagers, Duration.ofSeconds(90));
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private static Process launch(Path dir, String name, String mainClass) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx400m");
        cmd.add("-Dlog4j2.configurationFile=" + dir.resolve("conf/log4j2.properties"));
        for (String opt : System.getProperty("flink.test.jvm.opens", "").split(" ")) {
            if (!opt.isBlank()) {
                cmd.add(opt);
            }
        }
        cmd.addAll(ChildJvm.OPENS);
        cmd.add("-cp");
        cmd.add(distributionClassPath());
        cmd.add(mainClass);
        cmd.add("--configDir");
        cmd.add(dir.resolve("conf").toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve(name + ".log").toFile());
        return pb.start();
    }

    /**
     * The test class path less what a Flink distribution does not ship and the job jar brings itself
     * (this project, Kafka, the connectors, EJML, Jackson, picocli, zstd): the same class twice, once in
     * the cluster and once in the job's class loader, is a linkage error a real cluster never has, and
     * a codec the cluster lends the job would hide one missing from the job jar.
     */
    private static String distributionClassPath() {
        List<String> keep = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            String e = entry.replace('\\', '/');
            boolean userSide = e.contains("/kafka") || e.contains("flink-connector-kafka")
                    || e.endsWith("/classes") || e.endsWith("/test-classes") || e.contains("/ejml")
                    || e.contains("/picocli") || e.contains("/com/fasterxml/jackson") || e.contains("/zstd-jni");
            if (!userSide) {
                keep.add(entry);
            }
        }
        return String.join(java.io.File.pathSeparator, keep);
    }

    /** The last lines of a process log, for failure messages (the test's temp dir is deleted after). */
    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return log.getFileName() + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return log + ": " + e;
        }
    }

    /** Ports outside the ephemeral range: the JobManager's blob server, bound to port 0, cannot take them first. */
    private static int freePort() throws IOException {
        return Ports.free();
    }

    public String restUrl() {
        return "http://localhost:" + restPort;
    }

    public JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl() + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private void awaitTaskManagers(int n, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!jobManager.isAlive()) {
                throw new IllegalStateException("JobManager exited:\n" + tail(dir.resolve("jobmanager.log")));
            }
            try {
                if (get("/taskmanagers").path("taskmanagers").size() >= n) {
                    return;
                }
            } catch (IOException e) {
                // REST endpoint not up yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(n + " TaskManagers did not register within " + timeout + "\n"
                + tail(dir.resolve("jobmanager.log")) + "\n" + tail(dir.resolve("taskmanager-0.log")));
    }

    /** Uploads a job jar and runs it; returns the job id. */
    public String submit(Path jar, String entryClass, List<String> args, int parallelism) throws Exception {
        String boundary = "----forecaster" + System.nanoTime();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + (int) Files.size(jar) + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        byte[] jarBytes = Files.readAllBytes(jar);
        System.arraycopy(jarBytes, 0, body, head.length, jarBytes.length);
        System.arraycopy(tail, 0, body, head.length + jarBytes.length, tail.length);
        HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create(restUrl() + "/jars/upload"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (up.statusCode() != 200) {
            throw new IOException("jar upload: " + up.statusCode() + " " + up.body());
        }
        String filename = JSON.readTree(up.body()).path("filename").asText();
        String jarId = Path.of(filename).getFileName().toString();
        String run = JSON.writeValueAsString(Map.of("entryClass", entryClass, "programArgsList", args,
                "parallelism", parallelism));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl() + "/jars/" + jarId + "/run"))
                .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(run)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("jar run: " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body()).path("jobid").asText();
    }

    public String jobState(String jobId) throws Exception {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** Starts one more TaskManager, as a replacement pod or machine would join. */
    public void addTaskManager() throws Exception {
        int n = taskManagers.size();
        taskManagers.add(launch(dir, "taskmanager-" + n, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner"));
    }

    /** Kills TaskManager {@code i} the hard way, as a crashed machine would stop. */
    public void killTaskManager(int i) throws InterruptedException {
        Process p = taskManagers.get(i);
        p.destroyForcibly();
        p.waitFor();
    }

    public void cancel(String jobId) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(restUrl() + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        for (Process p : taskManagers) {
            p.destroyForcibly();
        }
        jobManager.destroyForcibly();
        for (Process p : taskManagers) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            jobManager.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
