package dev.streamforecast.bench;

import dev.streamforecast.model.ModelConfig;
import dev.streamforecast.model.Network;
import dev.streamforecast.model.OnlineForecaster;
import dev.streamforecast.model.Prediction;
import dev.streamforecast.model.SeriesState;
import java.util.List;
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
 * The model as the job drives it: events for many keys in turn, so each event finds its key's state
 * out of cache, as on a subtask that owns thousands of keys. LSTM-32, one input, k1 = 16, k2 = 32.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeyedModelBenchmark {
    @Param({"1", "5000"})
    public int keys;

    private OnlineForecaster forecaster;
    private Network network;
    private SeriesState[] states;
    private Prediction prediction;
    private double[] x;
    private int next;
    private long event;

    @Setup
    public void setUp() {
        forecaster = new OnlineForecaster(ModelConfig.builder().hidden(32).k1(16).k2(32).linearOrder(0)
                .inputs(List.of("level")).build());
        network = forecaster.network();
        prediction = new Prediction();
        states = new SeriesState[keys];
        for (int k = 0; k < keys; k++) {
            states[k] = forecaster.newState("k" + k);
            for (int i = 0; i < 40; i++) {
                forecaster.observe(states[k], Math.sin(0.1 * i + k), null, prediction);
            }
        }
        x = new double[] {0.3};
    }

    private SeriesState nextState() {
        SeriesState s = states[next];
        next = next + 1 == keys ? 0 : next + 1;
        return s;
    }

    /** One forecast step of the next key's network. */
    @Benchmark
    public double step() {
        SeriesState s = nextState();
        x[0] = -x[0];
        return network.step(s.params, s.hidden, x);
    }

    /** One event of the next key, learning every 16th event of each key: the job's per-event model cost. */
    @Benchmark
    public double observeLearning() {
        SeriesState s = nextState();
        event++;
        forecaster.observe(s, Math.sin(0.05 * (event / keys)) + 0.01 * (event % 7), null, prediction);
        return prediction.forecast;
    }
}
