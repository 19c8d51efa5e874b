package dev.streamforecast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamforecast.testutil.ShellCommand;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code mvn package} puts in the jars. The cluster job jar carries the Kafka client with every
 * codec it may meet on a topic, the SQL function, and of Flink only the Kafka connector (the cluster
 * provides the rest, the Table API, planner and JSON format included). The local jar runs every command
 * with {@code java -jar} but those that need the SQL planner or the embedded broker, which come in jars
 * of their own that start the same program with the local jar on their class path; no class is in two of
 * them, and none holds benchmarks.
 */
class PackagedJarsITCase {
    private static final Path JOB_JAR = Path.of("target/forecaster-job.jar");
    private static final Path LOCAL_JAR = Path.of("target/forecaster.jar");
    private static final Path SQL_JAR = Path.of("target/forecaster-sql.jar");
    private static final Path BROKER_JAR = Path.of("target/forecaster-broker.jar");
    private static final Duration RUN = Duration.ofMinutes(3);

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
    void theSqlJarCarriesThePlannerTheTableRuntimeAndTheJsonFormatAndTheLocalJarTheKafkaTableConnector()
            throws Exception {
        Set<String> sql = entries(SQL_JAR);
        for (String e : List.of("flink-table-planner.jar", "org/apache/flink/table/api/TableEnvironment.class",
                "org/apache/flink/table/runtime/operators/process/ProcessSetTableOperator.class")) {
            assertTrue(sql.contains(e), e);
        }
        String factories = factories(SQL_JAR);
        for (String factory : List.of("org.apache.flink.table.planner.loader.DelegatePlannerFactory",
                "org.apache.flink.formats.json.JsonFormatFactory", "org.apache.flink.formats.raw.RawFormatFactory")) {
            assertTrue(factories.contains(factory), factory);
        }
        Set<String> local = entries(LOCAL_JAR);
        for (String e : List.of("dev/streamforecast/app/local/SqlCommand.class", "dev/streamforecast/app/local/demo.sql",
                "dev/streamforecast/sql/ForecastTableFunction.class")) {
            assertTrue(local.contains(e), e);
        }
        assertTrue(factories(LOCAL_JAR).contains("org.apache.flink.streaming.connectors.kafka.table.KafkaDynamicTableFactory"));
    }

    @Test
    void theLocalJarRunsWithJavaJarAndHoldsNoBenchmarksOrTestLibraries() throws Exception {
        Set<String> local = entries(LOCAL_JAR);
        for (String e : List.of("dev/streamforecast/app/local/DemoCommand.class",
                "org/apache/flink/runtime/minicluster/MiniCluster.class",
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
            assertEquals(null, main.getValue(Attributes.Name.CLASS_PATH));
        }
    }

    @Test
    void theLocalJarLeavesThePlannerAndTheBrokerToJarsOfTheirOwnThatStartTheSameProgram() throws Exception {
        Set<String> local = entries(LOCAL_JAR);
        for (String prefix : List.of("flink-table-planner.jar", "org/apache/flink/table/", "org/apache/flink/formats/",
                "com/ibm/icu/", "scala/", "kafka/server/", "org/apache/kafka/common/test/", "org/apache/kafka/raft/")) {
            assertEquals(Set.of(), local.stream().filter(e -> e.startsWith(prefix)).limit(3).collect(Collectors.toSet()),
                    prefix);
        }
        Set<String> broker = entries(BROKER_JAR);
        for (String e : List.of("org/apache/kafka/common/test/KafkaClusterTestKit.class", "kafka/server/KafkaApis.class",
                "scala/Option.class", "org/apache/kafka/server/common/MetadataVersion.class")) {
            assertTrue(broker.contains(e), e);
        }
        for (Map.Entry<Path, String> addOn : Map.of(SQL_JAR, "forecaster.jar forecaster-broker.jar",
                BROKER_JAR, "forecaster.jar").entrySet()) {
            try (JarFile f = new JarFile(addOn.getKey().toFile())) {
                Attributes main = f.getManifest().getMainAttributes();
                assertEquals(Main.class.getName(), main.getValue(Attributes.Name.MAIN_CLASS), addOn.getKey().toString());
                assertEquals(addOn.getValue(), main.getValue(Attributes.Name.CLASS_PATH), addOn.getKey().toString());
                assertTrue(main.getValue("Add-Opens").contains("java.base/java.util"), addOn.getKey().toString());
            }
        }
        // what one holds, the others do not: one copy of each class on any command's class path (Flink's
        // shaded Jackson carries a stray Java 9 copy of a class of SnakeYAML, which Kafka brings)
        Set<String> seen = new TreeSet<>();
        for (Path jar : List.of(LOCAL_JAR, SQL_JAR, BROKER_JAR)) {
            for (String c : classes(entries(jar), "")) {
                assertTrue(seen.add(c) || c.startsWith("META-INF/versions/9/org/yaml/snakeyaml/"),
                        c + " is in " + jar + " and another local jar");
            }
        }
    }

    @Test
    void theLocalJarAloneRunsABacktestAndNamesTheJarEachOtherCommandNeeds(@TempDir Path dir) throws Exception {
        try (ShellCommand backtest = ShellCommand.start("java -jar " + LOCAL_JAR + " backtest --input "
                + "sample-data/sample.csv --output " + dir.resolve("f.jsonl"), Path.of("").toAbsolutePath())) {
            assertEquals(0, backtest.awaitExit(RUN), String.join("\n", backtest.err()));
            assertTrue(backtest.out().stream().anyMatch(l -> l.startsWith("sensor-load") && l.contains("persistence")),
                    backtest.out().toString());
        }
        for (Map.Entry<String, Path> command : Map.of("demo", BROKER_JAR, "kafka", BROKER_JAR, "sql --file x.sql", SQL_JAR)
                .entrySet()) {
            try (ShellCommand alone = ShellCommand.start("java -jar " + LOCAL_JAR + " " + command.getKey(),
                    Path.of("").toAbsolutePath())) {
                assertEquals(Main.USAGE, alone.awaitExit(RUN), String.join("\n", alone.err()));
                String name = command.getKey().split(" ")[0];
                assertEquals(name + ": needs " + (name.equals("sql") ? "the SQL planner" : "the embedded Kafka broker")
                        + ", which " + command.getValue() + " holds: run ./forecaster " + name + " (it builds that jar "
                        + "on first use) or java -jar " + command.getValue() + " " + name,
                        alone.err().get(alone.err().size() - 1));
            }
        }
    }

    @Test
    void theSqlJarRunsAScriptWithTheForecastFunction(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("s.sql"), """
                CREATE FUNCTION forecast AS 'dev.streamforecast.sql.ForecastTableFunction';
                CREATE TEMPORARY VIEW obs AS SELECT * FROM (VALUES ('a', CAST(1000 AS BIGINT), 1.0),
                  ('a', CAST(2000 AS BIGINT), 2.0)) AS t(series, ts, reading);
                SELECT series, events FROM forecast(input => TABLE obs PARTITION BY series, time_column => 'ts',
                  value_column => 'reading');
                """);
        try (ShellCommand sql = ShellCommand.start("java -jar " + SQL_JAR + " sql --file " + script,
                Path.of("").toAbsolutePath())) {
            assertEquals(0, sql.awaitExit(RUN), String.join("\n", sql.err()));
            // the second row of series a, whatever the table's borders
            assertTrue(sql.out().stream().anyMatch(l -> List.of(l.split("[\\s|+]+")).containsAll(List.of("a", "2"))),
                    sql.out().toString());
        }
    }
}
