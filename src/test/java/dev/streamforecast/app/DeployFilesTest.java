package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.streamforecast.io.AppConfig;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The deployment files parse, and the job configuration they carry is one the job accepts. */
class DeployFilesTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static List<JsonNode> documents(Path file) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                docs.add(it.next());
            }
        }
        return docs;
    }

    @Test
    void theFlinkDeploymentIsAnOperatorResourceForFlink22WithSavepointUpgrades() throws Exception {
        List<JsonNode> docs = documents(Path.of("deploy/flink-deployment.yaml"));
        JsonNode deployment = docs.stream().filter(d -> d.path("kind").asText().equals("FlinkDeployment"))
                .findFirst().orElseThrow();
        assertEquals("flink.apache.org/v1beta1", deployment.path("apiVersion").asText());
        JsonNode spec = deployment.path("spec");
        assertEquals("v2_2", spec.path("flinkVersion").asText());
        assertEquals("savepoint", spec.path("job").path("upgradeMode").asText());
        assertEquals("dev.streamforecast.app.ClusterJob", spec.path("job").path("entryClass").asText());
        JsonNode conf = spec.path("flinkConfiguration");
        for (String key : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir",
                "high-availability.type", "high-availability.storageDir", "metrics.reporter.prom.factory.class")) {
            assertTrue(conf.hasNonNull(key), key);
        }
        // the job's config file, as the ConfigMap mounts it
        JsonNode configMap = docs.stream().filter(d -> d.path("kind").asText().equals("ConfigMap"))
                .findFirst().orElseThrow();
        Properties p = new Properties();
        p.load(new StringReader(configMap.path("data").path("job.properties").asText()));
        Map<String, String> settings = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> settings.put(k, p.getProperty(k)));
        AppConfig config = AppConfig.of(settings);
        assertEquals("exactly-once", config.deliveryGuarantee());
        assertTrue(spec.path("job").path("args").toString().contains("/opt/forecaster/job.properties"));
    }

    private static JsonNode flinkDeployment() throws Exception {
        return documents(Path.of("deploy/flink-deployment.yaml")).stream()
                .filter(d -> d.path("kind").asText().equals("FlinkDeployment")).findFirst().orElseThrow();
    }

    @Test
    void onePodTemplateMountsTheJobsPropertiesAndEnablesTheS3Plugin() throws Exception {
        JsonNode spec = flinkDeployment().path("spec");
        assertTrue(spec.path("jobManager").path("podTemplate").isMissingNode(), "JobManager's own pod template");
        assertTrue(spec.path("taskManager").path("podTemplate").isMissingNode(), "TaskManagers' own pod template");
        JsonNode container = spec.path("podTemplate").path("spec").path("containers").get(0);
        assertEquals("flink-main-container", container.path("name").asText());
        assertEquals("/opt/forecaster", container.path("volumeMounts").get(0).path("mountPath").asText());
        String plugins = "";
        for (JsonNode env : container.path("env")) {
            if (env.path("name").asText().equals("ENABLE_BUILT_IN_PLUGINS")) {
                plugins = env.path("value").asText();
            }
        }
        assertTrue(plugins.matches("flink-s3-fs-(presto|hadoop)-2\\.2\\.\\d+\\.jar"), plugins);
        for (String dir : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir",
                "high-availability.storageDir")) {
            assertTrue(spec.path("flinkConfiguration").path(dir).asText().startsWith("s3://"), dir);
        }
    }

    @Test
    void eachFlinkConfFileKeepsToItsConcernAndTheFlinkDeploymentSetsTheSame() throws Exception {
        Map<String, String> concerns = Map.of(
                "deploy/flink-conf-prometheus.yaml", "metrics\\..*",
                "deploy/flink-conf-state.yaml", "(state|execution\\.checkpointing)\\..*");
        JsonNode k8s = flinkDeployment().path("spec").path("flinkConfiguration");
        for (Map.Entry<String, String> file : concerns.entrySet()) {
            JsonNode conf = documents(Path.of(file.getKey())).get(0);
            assertTrue(conf.size() > 0, file.getKey());
            for (Map.Entry<String, JsonNode> e : conf.properties()) {
                assertTrue(e.getKey().matches(file.getValue()), file.getKey() + " sets " + e.getKey());
                assertTrue(k8s.hasNonNull(e.getKey()), "flink-deployment.yaml lacks " + e.getKey());
                if (!e.getKey().endsWith("-dir") && !e.getKey().endsWith(".dir")) {
                    assertEquals(e.getValue().asText(), k8s.path(e.getKey()).asText(), e.getKey());
                }
            }
        }
    }

    @Test
    void noDeploymentFileHoldsACredential() throws Exception {
        try (var files = Files.list(Path.of("deploy"))) {
            for (Path f : files.toList()) {
                String text = Files.readString(f).toLowerCase(java.util.Locale.ROOT);
                for (String key : List.of("access-key:", "secret-key:", "aws_secret_access_key:", "password=",
                        "sasl.jaas.config")) {
                    assertTrue(!text.contains(key), f + " sets " + key);
                }
            }
        }
    }

    private record Run(int code, String err, List<String> creates) {}

    /**
     * deploy/create-topics.sh against a cluster of {@code brokers} brokers (none: it does not answer), with
     * Kafka's two tools replaced by stand-ins that print what Kafka 4's print and note their arguments.
     */
    private static Run createTopics(Path dir, int brokers, String replication) throws Exception {
        Path versions = dir.resolve("kafka-broker-api-versions.sh");
        StringBuilder lines = new StringBuilder();
        for (int id = 1; id <= brokers; id++) {
            lines.append("echo 'kafka-").append(id).append(":9092 (id: ").append(id)
                    .append(" rack: null isFenced: false) -> ('\necho '\tProduce(0): 0 to 12 [usable: 12],'\necho ')'\n");
        }
        Files.writeString(versions, "#!/usr/bin/env bash\n" + (brokers == 0
                ? "echo 'org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node' >&2\nexit 1\n"
                : lines.toString()));
        Path creates = dir.resolve("creates.txt");
        Path topics = dir.resolve("kafka-topics.sh");
        Files.writeString(topics, "#!/usr/bin/env bash\necho \"$*\" >> " + creates + "\n");
        for (Path tool : List.of(versions, topics)) {
            tool.toFile().setExecutable(true);
        }
        ProcessBuilder pb = new ProcessBuilder("bash", "deploy/create-topics.sh").redirectErrorStream(false);
        pb.environment().put("KAFKA_BROKER_API_VERSIONS", versions.toString());
        pb.environment().put("KAFKA_TOPICS", topics.toString());
        pb.environment().put("BOOTSTRAP", "kafka-1:9092");
        if (replication != null) {
            pb.environment().put("REPLICATION", replication);
        }
        Process p = pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int code = p.waitFor();
        return new Run(code, err, Files.exists(creates) ? Files.readAllLines(creates) : List.of());
    }

    @Test
    void createTopicsUsesAtMostAsManyReplicasAsTheClusterHasBrokers(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Run one = createTopics(Files.createDirectory(dir.resolve("one")), 1, null);
        assertEquals(0, one.code, one.err);
        assertEquals("create-topics.sh: 1 broker(s) at kafka-1:9092, so 1 replica(s) a partition instead of 3\n", one.err);
        assertEquals(3, one.creates.size(), one.creates.toString());
        for (String create : one.creates) {
            assertTrue(create.startsWith("--bootstrap-server kafka-1:9092 --create --if-not-exists --topic "), create);
            assertTrue(create.contains("--replication-factor 1 ") && create.endsWith("--config min.insync.replicas=1"),
                    create);
        }
        assertTrue(one.creates.get(0).contains("--topic observations --partitions 12 "), one.creates.get(0));

        Run three = createTopics(Files.createDirectory(dir.resolve("three")), 3, null);
        assertEquals("", three.err);
        assertTrue(three.creates.stream().allMatch(c -> c.contains("--replication-factor 3 ")
                && c.endsWith("min.insync.replicas=2")), three.creates.toString());

        Run five = createTopics(Files.createDirectory(dir.resolve("five")), 3, "5");
        assertTrue(five.err.contains("3 replica(s) a partition instead of 5"), five.err);

        Run none = createTopics(Files.createDirectory(dir.resolve("none")), 0, null);
        assertEquals(1, none.code);
        assertEquals("create-topics.sh: no answer from the brokers at kafka-1:9092: org.apache.kafka.common.errors."
                + "TimeoutException: Timed out waiting for a node\n", none.err);
        assertEquals(List.of(), none.creates);
    }

    @Test
    void everyYamlFileParses() throws Exception {
        try (var files = Files.list(Path.of("deploy"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                assertTrue(!documents(f).isEmpty(), f + " has content");
            }
        }
    }
}
