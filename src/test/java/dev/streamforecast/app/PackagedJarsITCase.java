package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.junit.jupiter.api.Test;

/**
 * What {@code mvn package} puts in the two jars. The cluster job jar carries the Kafka client with
 * every codec it may meet on a topic, the SQL function, and of Flink only the Kafka connector (the
 * cluster provides the rest, the Table API, planner and JSON format included); the local jar runs with
 * {@code java -jar}, SQL scripts included, and holds no benchmarks.
 */
class PackagedJarsITCase {
    private static final Path JOB_JAR = Path.of("target/forecaster-job.jar");
    private static final Path LOCAL_JAR = Path.of("target/forecaster.jar");

    private static Set<String> entries(Path jar) throws IOException {
        assertTrue(Files.exists(jar), "run after mvn package: " + jar);
        try (JarFile f = new JarFile(jar.toFile())) {
            return f.stream().map(JarEntry::getName).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static Set<String> classes(Set<String> entries, String prefix) {
        return entries.stream().filter(e -> e.startsWith(prefix) && e.endsWith(".class"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void theJobJarCarriesEveryCompressionCodecOfTheKafkaClient() throws Exception {
        Set<String> job = entries(JOB_JAR);
        for (String e : List.of("org/apache/kafka/clients/consumer/KafkaConsumer.class",
                "com/github/luben/zstd/ZstdInputStreamNoFinalizer.class",
                "net/jpountz/lz4/LZ4Factory.class",
                "org/xerial/snappy/Snappy.class")) {
            assertTrue(job.contains(e), e);
        }
        for (String platform : List.of("linux/amd64", "linux/aarch64", "darwin/aarch64", "darwin/x86_64")) {
            assertTrue(job.stream().anyMatch(e -> e.startsWith(platform + "/libzstd-jni")), "zstd for " + platform);
        }
    }

    @Test
    void theJobJarHoldsNoFlinkClassButTheKafkaConnectors() throws Exception {
        Set<String> connector;
        File connectorJar = new File(KafkaSource.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (JarFile f = new JarFile(connectorJar)) {
            connector = f.stream().map(JarEntry::getName).collect(Collectors.toSet());
        }
        Set<String> flink = classes(entries(JOB_JAR), "org/apache/flink/");
        assertTrue(flink.contains(KafkaSource.class.getName().replace('.', '/') + ".class"));
        flink.removeAll(connector);
        assertEquals(Set.of(), flink, "Flink classes the cluster provides");
    }

    @Test
    void theJobJarLeavesOutWhatOnlyALocalRunNeeds() throws Exception {
        Set<String> job = entries(JOB_JAR);
        for (String prefix : List.of("kafka/server/", "org/apache/kafka/controller/", "org/apache/kafka/common/test/", "scala/",
                "org/apache/logging/",
                "org/slf4j/", "org/rocksdb/", "org/junit/", "org/openjdk/jmh/", "dev/streamforecast/app/local/",
                "dev/streamforecast/bench/", "log4j2.properties")) {
            assertEquals(Set.of(), job.stream().filter(e -> e.startsWith(prefix)).limit(3).collect(Collectors.toSet()),
                    prefix);
        }
        try (JarFile f = new JarFile(JOB_JAR.toFile())) {
            assertEquals(ClusterJob.class.getName(), f.getManifest().getMainAttributes().getValue(Attributes.Name.MAIN_CLASS));
        }
    }

    @Test
    void theJobJarCarriesTheSqlFunctionAndTheKafkaTableConnectorButNoTableRuntime() throws Exception {
        Set<String> job = entries(JOB_JAR);
        assertTrue(job.contains("dev/streamforecast/sql/ForecastTableFunction.class"));
        for (String prefix : List.of("org/apache/flink/table/", "org/apache/flink/formats/", "org/apache/calcite/",
                "org/codehaus/janino/", "flink-table-planner.jar")) {
            assertEquals(Set.of(), job.stream().filter(e -> e.startsWith(prefix)).limit(3).collect(Collectors.toSet()),
                    prefix);
        }
        // ADD JAR of the job jar brings the 'kafka' connector to a SQL session that has none
        assertTrue(factories(JOB_JAR).contains("org.apache.flink.streaming.connectors.kafka.table.KafkaDynamicTableFactory"));
    }

    /** The table factories a jar declares to Flink's service loader. */
    private static String factories(Path jar) throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            JarEntry e = f.getJarEntry("META-INF/services/org.apache.flink.table.factories.Factory");
            assertTrue(e != null, jar + " declares no table factories");
            return new String(f.getInputStream(e).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void theLocalJarRunsSqlScriptsWithThePlannerTheJsonFormatAndKafka() throws Exception {
        Set<String> local = entries(LOCAL_JAR);
        for (String e : List.of("dev/streamforecast/app/local/SqlCommand.class", "dev/streamforecast/app/local/demo.sql",
                "dev/streamforecast/sql/ForecastTableFunction.class", "flink-table-planner.jar",
                "org/apache/flink/table/runtime/operators/process/ProcessSetTableOperator.class")) {
            assertTrue(local.contains(e), e);
        }
        String factories = factories(LOCAL_JAR);
        for (String factory : List.of("org.apache.flink.table.planner.loader.DelegatePlannerFactory",
                "org.apache.flink.formats.json.JsonFormatFactory", "org.apache.flink.formats.raw.RawFormatFactory",
                "org.apache.flink.streaming.connectors.kafka.table.KafkaDynamicTableFactory")) {
            assertTrue(factories.contains(factory), factory);
        }
    }

    @Test
    void theLocalJarRunsWithJavaJarAndHoldsNoBenchmarksOrTestLibraries() throws Exception {
        Set<String> local = entries(LOCAL_JAR);
        for (String e : List.of("dev/streamforecast/app/local/DemoCommand.class",
                "org/apache/flink/runtime/minicluster/MiniCluster.class",
                "org/apache/kafka/common/test/KafkaClusterTestKit.class",
                "org/rocksdb/RocksDB.class", "librocksdbjni-linux64.so", "log4j2.properties")) {
            assertTrue(local.contains(e), e);
        }
        assertTrue(local.stream().anyMatch(e -> e.startsWith("linux/amd64/libzstd-jni")), "zstd for Linux x86-64");
        for (String prefix : List.of("org/openjdk/jmh/", "dev/streamforecast/bench/", "org/junit/", "org/forstdb/",
                "log4j2-test.properties")) {
            assertTrue(local.stream().noneMatch(e -> e.startsWith(prefix)), prefix);
        }
        try (JarFile f = new JarFile(LOCAL_JAR.toFile())) {
            Attributes main = f.getManifest().getMainAttributes();
            assertEquals(Main.class.getName(), main.getValue(Attributes.Name.MAIN_CLASS));
            assertTrue(main.getValue("Add-Opens").contains("java.base/java.util"), "Flink's reflection needs the opens");
        }
    }

}
