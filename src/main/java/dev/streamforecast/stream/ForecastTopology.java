package dev.streamforecast.stream;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.ModelSnapshot;
import dev.streamforecast.event.Observation;
import dev.streamforecast.event.Parsed;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;

/**
 * The forecasting topology, independent of where events come from and where forecasts go: the live
 * job, the backtest and the tests plug different sources and sinks into this one method.
 */
public final class ForecastTopology {
    /** Events the forecaster could not use (late, duplicate, refused by the model), with the reason. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};
    /** Trained models at the end of a bounded replay, when the settings ask for them. */
    public static final OutputTag<ModelSnapshot> MODELS = new OutputTag<>("models") {};

    private ForecastTopology() {}

    /** The topology's outputs. */
    public static final class Outputs {
        public final DataStream<Forecast> forecasts;
        public final DataStream<DeadLetter> deadLetters;
        public final DataStream<ModelSnapshot> models;

        Outputs(DataStream<Forecast> forecasts, DataStream<DeadLetter> deadLetters,
                DataStream<ModelSnapshot> models) {
            this.forecasts = forecasts;
            this.deadLetters = deadLetters;
            this.models = models;
        }

        /**
         * The forecasts whose event was flagged ({@link Forecast#anomalous}), for a topic of their own: a
         * filter added to the job by this call, so call it once, and only where they go somewhere.
         */
        public DataStream<Forecast> anomalies() {
            return forecasts.filter(f -> f.anomalous).name("anomalies").uid("anomalies");
        }
    }

    /**
     * Event time for observations, without watermarks: each key's order is decided by its own events
     * (see {@link KeyOrder}), never by a watermark that other keys' clocks move. The only watermark the
     * forecaster acts on is the final one of a bounded input, which every source emits when it ends.
     */
    public static WatermarkStrategy<Observation> watermarks(JobSettings settings) {
        return WatermarkStrategy.<Observation>noWatermarks().withTimestampAssigner((obs, previous) -> obs.ts);
    }

    /**
     * No watermarks for decoded source records, as {@link #watermarks}; each record keeps the timestamp its
     * source gave it (a Kafka record's, which the decoder checked the event's time against), so the keyed
     * operator knows which events a reference vetted ({@link KeyOrder#vetted}). A record its source gave
     * no timestamp carries its event's time, which vets nothing.
     */
    public static WatermarkStrategy<Parsed> sourceWatermarks(JobSettings settings) {
        return WatermarkStrategy.<Parsed>noWatermarks()
                .withTimestampAssigner((p, previous) -> previous >= 0 || p.observation == null ? previous : p.observation.ts);
    }

    /** The whole pipeline from decoded source records: those the source could not decode join the dead letters. */
    public static Outputs buildFromParsed(DataStream<Parsed> parsed, JobSettings settings) {
        SingleOutputStreamOperator<Observation> observations = parsed
                .process(new SplitParsed())
                .name("parse")
                .uid("parse");
        Outputs out = build(observations, settings);
        return new Outputs(out.forecasts, observations.getSideOutput(DEAD_LETTERS).union(out.deadLetters),
                out.models);
    }

    /**
     * Keys observations by series and forecasts each: with a model per key, or with a network shared by
     * each parallel instance's keys ({@code model.scope=shared}), under the same operator id.
     */
    public static Outputs build(DataStream<Observation> observations, JobSettings settings) {
        ForecastFunction function = new ForecastFunction(settings, DEAD_LETTERS, MODELS);
        SingleOutputStreamOperator<Forecast> forecasts = observations
                .keyBy(obs -> obs.key)
                .process(function)
                .name("forecast")
                .uid("forecast");
        return new Outputs(forecasts, forecasts.getSideOutput(DEAD_LETTERS), forecasts.getSideOutput(MODELS));
    }
}
