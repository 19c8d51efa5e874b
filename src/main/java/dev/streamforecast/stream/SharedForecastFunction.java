package dev.streamforecast.stream;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.ModelSnapshot;
import dev.streamforecast.model.BatchTrainer;
import dev.streamforecast.model.SeriesState;
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
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.util.OutputTag;

/**
 * The forecasting operator when keys share their network ({@code model.scope=shared}): the same
 * per-key ordering, refusals, timers and output as {@link ForecastFunction}, with the subtask's keys
 * forecast by one {@link SharedNetwork} held in operator state, and each key's own state (a few
 * kilobytes) in keyed state.
 *
 * <p>Replicas. Each parallel instance trains its own replica on its keys. Every checkpoint stores each
 * replica, with the subtask index and parallelism that wrote it, in one union list state, so every
 * instance of a restored job sees them all. At the parallelism they were written at, each instance
 * takes back its own replica, and continues bit for bit (its keys come back to it too). At any other
 * parallelism every instance merges all replicas in the order of their subtask indices
 * ({@link SharedNetwork#merge}: the mean of their weights and moments, their pooled covariances merged,
 * the windows they had gathered learned from), so all instances start from the same network and learn
 * on from there. A replica written under other shaping settings fails the restore naming the changes,
 * or with {@code model.on-shape-change=reset} the network starts afresh.
 */
public final class SharedForecastFunction extends ForecastFunction implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SharedForecastFunction.class);
    /** The operator state of the replicas. */
    static final String STATE_NAME = "shared-network";
    /** The layout of a replica's entry, written first. */
    static final int ENTRY_FORMAT = 1;

    private transient ListState<byte[]> replicas;
    private transient SharedNetwork network;
    private transient BatchTrainer trainer;
    private transient int subtask;
    private transient int parallelism;

    public SharedForecastFunction(JobSettings settings, OutputTag<DeadLetter> deadLetters,
            OutputTag<ModelSnapshot> models) {
        super(settings, deadLetters, models);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        trainer = new BatchTrainer(settings.model);
        replicas = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>(STATE_NAME, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        TaskInfo task = getRuntimeContext().getTaskInfo();
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
                return r.network(settings, trainer);
            }
        }
        List<SharedNetwork> all = new ArrayList<>();
        for (Replica r : restored) {
            all.add(r.network(settings, trainer));
        }
        LOG.info("subtask {} of {}: merged the {} replicas of the shared network written at parallelism {}",
                subtask, parallelism, all.size(), restored.get(0).parallelism);
        return SharedNetwork.merge(all, trainer);
    }

    /** A network as the job starts one: from the warm-start model, or seeded. */
    private SharedNetwork fresh() {
        SeriesState warm = settings.warmStart();
        return warm == null ? SharedNetwork.create(settings.model) : SharedNetwork.create(settings.model, warm);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        replicas.update(List.of(new Replica(subtask, parallelism, StateShape.of(settings.model), network).write()));
    }

    @Override
    KeyedForecasting core(MetricGroup metrics) {
        return new SharedForecastCore(settings, network, trainer, metrics);
    }

    @Override
    KeyStore store() {
        return new SharedKeyStore(getRuntimeContext(), StateShape.of(settings.model), settings.onShapeChange);
    }

    /** The network this instance holds, for tests. */
    SharedNetwork network() {
        return network;
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
        SharedNetwork network(JobSettings settings, BatchTrainer trainer) throws IOException {
            if (network == null) {
                network = SharedNetwork.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)), settings.model,
                        trainer);
            }
            return network;
        }
    }
}
