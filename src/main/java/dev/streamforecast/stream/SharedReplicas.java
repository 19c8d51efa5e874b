package dev.streamforecast.stream;

import dev.streamforecast.io.ModelJson;
import dev.streamforecast.model.SharedNetwork;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.FunctionInitializationContext;

/**
 * Where the forecasting operator keeps the network its keys share ({@code model.scope=shared}): one
 * replica per parallel instance, in operator state.
 *
 * <p>Each parallel instance trains its own replica on its keys. Every checkpoint stores each replica,
 * with the subtask index and parallelism that wrote it, in one union list state, so every instance of a
 * restored job sees them all. At the parallelism they were written at, each instance takes back its own
 * replica, and continues bit for bit (its keys come back to it too). At any other parallelism every
 * instance merges all replicas in the order of their subtask indices ({@link SharedNetwork#merge}: the
 * mean of their weights and moments, their pooled covariances merged, the windows they had gathered
 * learned from), so all instances start from the same network and learn on from there. A replica written
 * under other shaping settings fails the restore naming the changes, or with
 * {@code model.on-shape-change=reset} the network starts afresh.
 */
final class SharedReplicas {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SharedReplicas.class);
    /** The operator state of the replicas. */
    static final String STATE_NAME = "shared-network";
    /** The layout of a replica's entry, written first. */
    static final int ENTRY_FORMAT = 1;

    private final JobSettings settings;
    private final ListState<byte[]> replicas;
    private final int subtask;
    private final int parallelism;
    private final SharedNetwork network;

    /** Registers the replicas' state and restores this instance's network from it, or starts one. */
    SharedReplicas(FunctionInitializationContext context, JobSettings settings, TaskInfo task) throws Exception {
        this.settings = settings;
        replicas = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>(STATE_NAME, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        subtask = task.getIndexOfThisSubtask();
        parallelism = task.getNumberOfParallelSubtasks();
        List<Replica> restored = new ArrayList<>();
        if (context.isRestored()) {
            for (byte[] entry : replicas.get()) {
                restored.add(Replica.read(entry));
            }
        }
        network = restore(restored);
    }

    /** This instance's network. */
    SharedNetwork network() {
        return network;
    }

    /** Puts this instance's replica into the checkpoint being taken. */
    void snapshot() throws Exception {
        replicas.update(List.of(new Replica(subtask, parallelism, StateShape.of(settings.model), network).write()));
    }

    /** This instance's network from the restored replicas: its own, their merge, or a fresh one. */
    private SharedNetwork restore(List<Replica> restored) throws IOException {
        if (restored.isEmpty()) {
            return fresh();
        }
        restored.sort(Comparator.comparingInt(r -> r.subtask));
        StateShape shape = StateShape.of(settings.model);
        for (Replica r : restored) {
            List<String> changes = shape.changesFrom(r.shape);
            if (!changes.isEmpty()) {
                if (settings.onShapeChange == JobSettings.ShapeChange.RESET) {
                    LOG.warn("model.on-shape-change=reset: the shared network starts afresh: its shaping settings "
                            + "differ ({})", String.join("; ", changes));
                    return fresh();
                }
                throw new SuppressRestartsException(new IllegalStateException(
                        SeriesStateSerializer.shapeChangeMessage(changes)));
            }
        }
        for (Replica r : restored) {
            if (r.parallelism == parallelism && r.subtask == subtask && restored.size() == parallelism) {
                return r.network(settings);
            }
        }
        List<SharedNetwork> all = new ArrayList<>();
        for (Replica r : restored) {
            all.add(r.network(settings));
        }
        LOG.info("subtask {} of {}: merged the {} replicas of the shared network written at parallelism {}",
                subtask, parallelism, all.size(), restored.get(0).parallelism);
        return SharedNetwork.merge(all);
    }

    /** A network as the job starts one: from the warm-start model, or seeded. */
    private SharedNetwork fresh() {
        ModelJson.Model warm = settings.warmStart();
        return warm == null ? SharedNetwork.create(settings.model) : SharedNetwork.create(settings.model, warm.state, warm.pool);
    }


    /** One replica as a checkpoint holds it: who wrote it, the shape it was made under, the network's bytes. */
    static final class Replica {
        final int subtask;
        final int parallelism;
        final StateShape shape;
        private final byte[] bytes;
        private SharedNetwork network;

        Replica(int subtask, int parallelism, StateShape shape, SharedNetwork network) throws IOException {
            this.subtask = subtask;
            this.parallelism = parallelism;
            this.shape = shape;
            this.network = network;
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            network.writeTo(new DataOutputStream(b));
            this.bytes = b.toByteArray();
        }

        private Replica(int subtask, int parallelism, StateShape shape, byte[] bytes) {
            this.subtask = subtask;
            this.parallelism = parallelism;
            this.shape = shape;
            this.bytes = bytes;
        }

        byte[] write() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(bytes.length + 512);
            DataOutputStream out = new DataOutputStream(b);
            out.writeInt(ENTRY_FORMAT);
            out.writeInt(subtask);
            out.writeInt(parallelism);
            SeriesStateSerializer.writeShape(new org.apache.flink.core.memory.DataOutputViewStreamWrapper(out), shape);
            out.write(bytes);
            out.flush();
            return b.toByteArray();
        }

        static Replica read(byte[] entry) throws IOException {
            DataInputViewStreamWrapper in = new DataInputViewStreamWrapper(new ByteArrayInputStream(entry));
            int format = in.readInt();
            if (format != ENTRY_FORMAT) {
                throw new IOException("shared network entry format " + format + " is not read by this build ("
                        + ENTRY_FORMAT + "): restore with the version of the forecaster that wrote it");
            }
            int subtask = in.readInt();
            int parallelism = in.readInt();
            StateShape shape = SeriesStateSerializer.readShape(in);
            byte[] rest = in.readAllBytes();
            return new Replica(subtask, parallelism, shape, rest);
        }

        /** The network, read for this job's settings (its batch may differ from the writer's). */
        SharedNetwork network(JobSettings settings) throws IOException {
            if (network == null) {
                network = SharedNetwork.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)), settings.model);
            }
            return network;
        }
    }
}
