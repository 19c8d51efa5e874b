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
                "high-availability.type", "metrics.reporter.prom.factory.class")) {
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

    @Test
    void everyYamlFileParses() throws Exception {
        try (var files = Files.list(Path.of("deploy"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                assertTrue(!documents(f).isEmpty(), f + " has content");
            }
        }
    }
}
