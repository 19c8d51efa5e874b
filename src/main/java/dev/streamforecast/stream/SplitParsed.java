package dev.streamforecast.stream;

import dev.streamforecast.event.Observation;
import dev.streamforecast.event.Parsed;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Observations go on; records the source could not decode go to the dead letters, counted. */
public class SplitParsed extends ProcessFunction<Parsed, Observation> {
    private static final long serialVersionUID = 1L;
    private transient Counter deadLetters;

    @Override
    public void open(OpenContext openContext) {
        deadLetters = getRuntimeContext().getMetricGroup().addGroup("forecaster").counter("deadLetters");
    }

    @Override
    public void processElement(Parsed p, Context ctx, Collector<Observation> out) {
        if (p.observation != null) {
            out.collect(p.observation);
        } else {
            deadLetters.inc();
            ctx.output(ForecastTopology.DEAD_LETTERS, p.deadLetter);
        }
    }
}
