package dev.streamforecast.bench;

import java.nio.file.Path;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.state.forst.ForStOptions;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.rocksdb.CompressionType;

/**
 * The state backends the benchmarks compare, by the names {@code state.backend.type} takes, and the
 * local settings they run with: working directories under a benchmark's own temporary directory and
 * the same managed memory (RocksDB's and ForSt's block cache and write buffers) for every run.
 */
public final class StateBackends {
    /** Keyed state as objects on the JVM heap. */
    public static final String HASHMAP = "hashmap";
    /** Keyed state serialized in an embedded RocksDB per subtask, on local disk. */
    public static final String ROCKSDB = "rocksdb";
    /** ForSt, RocksDB's fork for disaggregated state; with the synchronous state API it stays local. */
    public static final String FORST = "forst";
    public static final List<String> ALL = List.of(HASHMAP, ROCKSDB, FORST);
    /**
     * RocksDB without block compression, as {@code configs/rocksdb.properties} recommends: parameters
     * in float32 hardly compress, so Snappy only costs time on every read and write.
     */
    public static final String ROCKSDB_UNCOMPRESSED = "rocksdb-uncompressed";

    /** Managed memory of the local TaskManager, shared by its two slots. */
    public static final MemorySize MANAGED_MEMORY = MemorySize.ofMebiBytes(512);

    private StateBackends() {}

    /** Selects {@code backend} and puts its working files under {@code dir}. */
    public static void configure(Configuration conf, String backend, Path dir) {
        if (ROCKSDB_UNCOMPRESSED.equals(backend)) {
            configure(conf, ROCKSDB, dir);
            conf.set(RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL, List.of(CompressionType.NO_COMPRESSION));
            return;
        }
        if (!ALL.contains(backend)) {
            throw new IllegalArgumentException("unknown state backend '" + backend + "', expected one of " + ALL
                    + " or " + ROCKSDB_UNCOMPRESSED);
        }
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MANAGED_MEMORY);
        conf.set(RocksDBOptions.LOCAL_DIRECTORIES, dir.resolve("rocksdb").toString());
        conf.set(ForStOptions.LOCAL_DIRECTORIES, dir.resolve("forst").toString());
    }
}
