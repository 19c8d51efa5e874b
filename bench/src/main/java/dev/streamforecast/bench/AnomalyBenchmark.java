package dev.streamforecast.bench;

import dev.streamforecast.model.AnomalyScore;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The anomaly score of one event alone, on the forecasts the default model made for {@link HorizonBenchmark}'s
 * hourly series: what scoring adds to {@code HorizonBenchmark.event} at H=1, which includes it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AnomalyBenchmark {
    private static final int EVENTS = 4096;

    private final AnomalyScore scores = new AnomalyScore();
    private AnomalyScore.State state;
    private final Prediction prediction = new Prediction();
    private final double[] values = new double[EVENTS];
    private final double[] forecasts = new double[EVENTS];
    private int next;

    @Setup
    public void setUp() {
        OnlineForecaster forecaster = new OnlineForecaster(ModelConfig.builder().build());
        SeriesState s = forecaster.newState("bench");
        Prediction p = new Prediction();
        long ts = 1_700_000_000_000L;
        double t = 0;
        for (int i = 0; i < EVENTS; i++) {
            t += 0.1;
            ts += 3_600_000L;
            values[i] = Math.sin(t) + 0.1 * Math.sin(7.3 * t);
            forecaster.observe(s, ts, values[i], null, p);
            forecasts[i] = p.forecast;
        }
        prediction.cadence = p.cadence; // the key's hourly cadence: its day of 24 events, for the daily profile
        state = scores.newState();
        for (int i = 0; i < 2 * EVENTS; i++) {
            score();
        }
    }

    /** One event scored against the forecast made for it, the next forecast kept for the event after. */
    @Benchmark
    public double score() {
        int i = next;
        next = (i + 1) & (EVENTS - 1);
        prediction.forecast = forecasts[i];
        prediction.lower = forecasts[i] - 0.1;
        prediction.upper = forecasts[i] + 0.1;
        scores.score(state, values[i], prediction);
        return prediction.anomaly;
    }
}
