package dev.streamforecast.stream;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.ModelSnapshot;
import dev.streamforecast.event.Observation;
import dev.streamforecast.io.ModelJson;
import dev.streamforecast.model.ModelScope;
import dev.streamforecast.model.SeriesState;
import dev.streamforecast.model.SharedNetwork;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The per-key forecaster of the DataStream job: each key's events, put in its own event-time order, are
 * forecast, learned from and emitted.
 *
 * <p>What happens to one key's events (refusals, ordering, forecast, learning) is {@link ForecastCore}'s;
 * this operator gives it the key's state ({@link KeyStateStore}), sends its forecasts on and its
 * refusals to the dead letters, and decides what releases a silent key's waiting events. With
 * {@code model.scope=shared} it also holds the network its keys share, in operator state
 * ({@link SharedReplicas}); every other part is the same in both scopes.
 *
 * <p>Timers: the end of a bounded input (the final watermark, one timer per key) uses every waiting
 * event (a held one too, see {@link KeyOrder}) and may export the models; in a live job, a key silent for
 * {@code events.max-wait} of wall-clock time has its waiting events used (not a held one: silence
 * decides nothing about it), and one silent for {@code events.idle-state-retention} loses its state
 * after its events, the held one included, are used. Both
 * measure silence from the key's last event or from the operator's start, whichever is later, so a
 * restore gives a key its full wait again. A replay uses neither.
 */
public class ForecastFunction extends KeyedProcessFunction<String, Observation, Forecast>
        implements ForecastCore.Output, CheckpointedFunction {
    private static final long serialVersionUID = 3L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ForecastFunction.class);
    /** The timer of the end of a bounded input: the final watermark reaches it, nothing else does. */
    static final long END_OF_INPUT = Long.MAX_VALUE;
    /** Keyed states per key with a model of its own: the record, the weights and the moments. */
    public static final int STATES_PER_KEY = KeyStateStore.STATES_PER_KEY;
    /** Keyed states per key whose network is shared: the record. */
    public static final int STATES_PER_SHARED_KEY = KeyStateStore.STATES_PER_SHARED_KEY;

    final JobSettings settings;
    private final OutputTag<DeadLetter> deadLetters;
    private final OutputTag<ModelSnapshot> models;

    private transient ForecastCore core;
    private transient KeyStore store;
    /** The network the keys share and its replicas' state; null in key scope. */
    private transient SharedReplicas replicas;
    private transient long maxWait;
    private transient long retention;
    private transient long openedAt;

    // the event or timer being handled
    private transient Context context;
    private transient Collector<Forecast> out;

    private transient Counter silentFlushes;

    public ForecastFunction(JobSettings settings, OutputTag<DeadLetter> deadLetters,
            OutputTag<ModelSnapshot> models) {
        this.settings = settings;
        this.deadLetters = deadLetters;
        this.models = models;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        if (settings.model.scope == ModelScope.SHARED) {
            replicas = new SharedReplicas(context, settings, getRuntimeContext().getTaskInfo());
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        if (replicas != null) {
            replicas.snapshot();
        }
    }

    @Override
    public void open(OpenContext openContext) {
        MetricGroup g = getRuntimeContext().getMetricGroup().addGroup("forecaster");
        core = new ForecastCore(settings, network(), g);
        store = new KeyStateStore(getRuntimeContext(), StateShape.of(settings.model), settings.onShapeChange);
        maxWait = settings.maxWait.toMillis();
        retention = settings.replay ? 0 : settings.idleStateRetention.toMillis();
        openedAt = KeyRecord.NONE;
        silentFlushes = g.counter("silentKeyFlushes");
    }

    /** The network this instance's keys share, or null in key scope. */
    SharedNetwork network() {
        return replicas == null ? null : replicas.network();
    }

    @Override
    public void processElement(Observation obs, Context ctx, Collector<Forecast> collector) throws Exception {
        bind(ctx, collector);
        // the element's timestamp is the reference its input checked the event's time against (ForecastTopology)
        Long reference = ctx.timestamp();
        KeyRecord r = core.accept(obs, reference == null ? KeyRecord.NONE : reference, store, this);
        if (r != null) {
            long now = now(ctx);
            r.lastArrival = now;
            schedule(r, now);
            store.putRecord(r);
        }
    }

    @Override
    public void forecast(Forecast f) {
        out.collect(f);
    }

    @Override
    public void refused(Observation obs, DeadLetter letter) {
        context.output(deadLetters, letter);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Forecast> collector) throws Exception {
        KeyRecord r = store.record();
        if (r == null) {
            return;
        }
        bind(ctx, collector);
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            if (timestamp == END_OF_INPUT) {
                core.finish(r, store, this);
                export(r, ctx);
                store.putRecord(r);
            }
            // any other event-time timer is an earlier format's, with nothing left to do
            return;
        }
        long now = now(ctx);
        long quietSince = Math.max(r.lastArrival, openedAt);
        if (timestamp == r.flushTimer) {
            r.flushTimer = KeyRecord.NONE;
            if (r.waitingCount() > 0 && now - quietSince >= maxWait) {
                silentFlushes.inc();
                core.flush(r, store, this);
            }
            schedule(r, now);
        }
        if (timestamp == r.expiryTimer) {
            r.expiryTimer = KeyRecord.NONE;
            if (now - quietSince >= retention) {
                core.finish(r, store, this);
                store.clear();
                core.dropped();
                return;
            }
            schedule(r, now);
        }
        store.putRecord(r);
    }

    /**
     * Registers what the key needs: the end-of-input timer once per key, and in a live job the
     * wall-clock timers of a silent key's waiting events and of idle expiry, each once per period. An
     * event used on arrival registers nothing.
     */
    private void schedule(KeyRecord r, long now) {
        long quietSince = Math.max(r.lastArrival, openedAt);
        if (!r.endTimer) {
            context.timerService().registerEventTimeTimer(END_OF_INPUT);
            r.endTimer = true;
        }
        if (r.waitingCount() > 0 && !settings.replay && r.flushTimer == KeyRecord.NONE) {
            r.flushTimer = Math.max(now, quietSince + maxWait);
            context.timerService().registerProcessingTimeTimer(r.flushTimer);
        }
        if (retention > 0 && r.expiryTimer == KeyRecord.NONE) {
            r.expiryTimer = Math.max(now, quietSince + retention);
            context.timerService().registerProcessingTimeTimer(r.expiryTimer);
        }
    }

    /**
     * The key's model as a model file: its own state, with its weights and moments (in shared scope the
     * network's, with the network's pooled linear covariance), usable as a warm start in either scope.
     */
    private void export(KeyRecord r, Context ctx) throws Exception {
        if (settings.exportModels && r.model != null) {
            SharedNetwork shared = network();
            String json;
            if (shared == null) {
                store.attach(r, SeriesState.Part.WEIGHTS);
                json = ModelJson.write(settings.model, store.attach(r, SeriesState.Part.MOMENTS), ctx.getCurrentKey());
            } else {
                json = ModelJson.write(settings.model, shared.withWeightsOf(r.model), ctx.getCurrentKey(), shared.pool());
            }
            ctx.output(models, new ModelSnapshot(ctx.getCurrentKey(), json));
        }
        if (settings.exportModels && r.model == null) {
            LOG.debug("key {} has no model to export", ctx.getCurrentKey());
        }
    }

    private long now(Context ctx) {
        long now = ctx.timerService().currentProcessingTime();
        if (openedAt == KeyRecord.NONE) {
            openedAt = now;
        }
        return now;
    }

    private void bind(Context ctx, Collector<Forecast> collector) {
        context = ctx;
        out = collector;
    }
}
