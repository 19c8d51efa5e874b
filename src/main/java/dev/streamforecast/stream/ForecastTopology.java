package dev.streamforecast.stream;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Forecast;
import dev.streamforecast.event.Observation;
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

    private ForecastTopology() {}

    /** The topology's two outputs. */
    public static final class Outputs {
        public final DataStream<Forecast> forecasts;
        public final DataStream<DeadLetter> deadLetters;

        Outputs(DataStream<Forecast> forecasts, DataStream<DeadLetter> deadLetters) {
            this.forecasts = forecasts;
            this.deadLetters = deadLetters;
        }
    }

    /** Event-time watermarks for observations, bounded by the settings' out-of-orderness. */
    public static WatermarkStrategy<Observation> watermarks(JobSettings settings) {
        return WatermarkStrategy.<Observation>forBoundedOutOfOrderness(settings.maxOutOfOrderness)
                .withTimestampAssigner((obs, previous) -> obs.ts);
    }

    /**
     * Keys already-timestamped observations by series and forecasts each; {@code observations} must
     * carry event-time timestamps and watermarks (see {@link #watermarks}).
     */
    public static Outputs build(DataStream<Observation> observations, JobSettings settings) {
        SingleOutputStreamOperator<Forecast> forecasts = observations
                .keyBy(obs -> obs.key)
                .process(new ForecastFunction(settings, DEAD_LETTERS))
                .name("forecast")
                .uid("forecast");
        return new Outputs(forecasts, forecasts.getSideOutput(DEAD_LETTERS));
    }
}
