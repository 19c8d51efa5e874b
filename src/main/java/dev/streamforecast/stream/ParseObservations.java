package dev.streamforecast.stream;

import dev.streamforecast.event.DeadLetter;
import dev.streamforecast.event.Observation;
import dev.streamforecast.event.RawRecord;
import dev.streamforecast.io.ObservationCodec;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Turns raw input records into observations; anything unusable becomes a dead letter with the reason. */
public class ParseObservations extends ProcessFunction<RawRecord, Observation> {
    private static final long serialVersionUID = 1L;

    private final List<String> featureNames;
    private transient ObservationCodec codec;
    private transient Counter deadLetters;

    public ParseObservations(List<String> featureNames) {
        this.featureNames = List.copyOf(featureNames);
    }

    @Override
    public void open(OpenContext openContext) {
        codec = new ObservationCodec(featureNames);
        deadLetters = getRuntimeContext().getMetricGroup().addGroup("forecaster").counter("deadLetters");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<Observation> out) {
        ObservationCodec.Result r = codec.decode(raw.payload);
        if (r.isOk()) {
            out.collect(r.observation());
        } else {
            deadLetters.inc();
            ctx.output(ForecastTopology.DEAD_LETTERS, new DeadLetter(raw.origin, r.reason(), raw.payloadText()));
        }
    }
}
