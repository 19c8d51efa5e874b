package dev.streamforecast.bench;

import dev.streamforecast.model.CellType;
import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.Network;
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
 * The model's cost on one core: a single streaming step of an LSTM with one input, the same through the
 * whole per-event path (scaling, residuals, window), 32 steps, one truncated BPTT update over 32 steps
 * with Adam, and one event of the default hybrid model (AR(48) by RLS plus the LSTM, learning every 8).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ModelBenchmark {
    @Param({"LSTM"})
    public CellType cell;

    @Param({"32"})
    public int hidden;

    private OnlineForecaster forecaster;
    private OnlineForecaster observer;
    private Network network;
    private SeriesState state;
    private SeriesState observed;
    private double[] x;
    private Prediction prediction;
    private double t;

    @Setup
    public void setUp() {
        // The bare network: one input, no linear part.
        ModelConfig c = ModelConfig.builder().cell(cell).hidden(hidden).layers(1).k1(1).k2(32)
                .linearOrder(0).inputs(java.util.List.of("level")).build();
        forecaster = new OnlineForecaster(c);
        network = forecaster.network();
        state = forecaster.newState("bench");
        prediction = new Prediction();
        // Warm the key past one full window so every update covers k2 = 32 steps.
        for (int i = 0; i < 200; i++) {
            forecaster.observe(state, Math.sin(0.1 * i), null, prediction);
        }
        observer = new OnlineForecaster(c.toBuilder().k1(100_000).build());
        observed = observer.newState("bench");
        x = new double[] {0.3};
        hybrid = new OnlineForecaster(ModelConfig.builder().build());
        hybridState = hybrid.newState("bench");
    }

    private OnlineForecaster hybrid;
    private SeriesState hybridState;

    /** One event of the default model, learning included (every 8th event trains), amortised. */
    @Benchmark
    public double defaultModelEvent() {
        t += 0.1;
        hybrid.observe(hybridState, Math.sin(t) + 0.1 * Math.sin(7.3 * t), null, prediction);
        return prediction.forecast;
    }

    /** One step of the network: the forecast itself. */
    @Benchmark
    public double step() {
        x[0] = -x[0];
        return network.step(state.params, state.hidden, x);
    }

    /** One event through the forecaster without learning: statistics, window, step, interval. */
    @Benchmark
    public double observe() {
        t += 0.1;
        observer.observe(observed, Math.sin(t), null, prediction);
        return prediction.forecast;
    }

    /** Thirty-two forward steps: the forward cost of the window an update covers. */
    @Benchmark
    public double forward32() {
        double y = 0;
        for (int i = 0; i < 32; i++) {
            x[0] = -x[0];
            y += network.step(state.params, state.hidden, x);
        }
        return y;
    }

    /** One truncated BPTT update over k2 = 32 steps: forward, backward, clipping and Adam. */
    @Benchmark
    public boolean tbpttUpdate() {
        return forecaster.train(state);
    }
}
