package dev.streamforecast.bench;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One event of the default model forecasting H steps ahead, learning included (every 8th event trains),
 * amortised, on an hourly series with its times (cadence and calendar inputs as in the job): what
 * {@code forecast.horizon} costs per event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HorizonBenchmark {
    /** The horizons the bench reports. */
    static final int[] HORIZONS = {1, 12, 24, 96};

    @Param({"1", "12", "24", "96"})
    public int horizon;

    private OnlineForecaster forecaster;
    private SeriesState state;
    private Prediction prediction;
    private long ts = 1_700_000_000_000L;
    private double t;

    @Setup
    public void setUp() {
        ModelConfig c = ModelConfig.builder().horizon(horizon).build();
        forecaster = new OnlineForecaster(c);
        state = forecaster.newState("bench");
        prediction = new Prediction(horizon);
        for (int i = 0; i < 2_000; i++) {
            event();
        }
    }

    /** One event at the next hour. */
    @Benchmark
    public double event() {
        t += 0.1;
        ts += 3_600_000L;
        forecaster.observe(state, ts, Math.sin(t) + 0.1 * Math.sin(7.3 * t), null, prediction);
        return prediction.forecast;
    }
}
