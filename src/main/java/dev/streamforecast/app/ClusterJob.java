package dev.streamforecast.app;

import dev.streamforecast.io.AppConfig;
import java.nio.file.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Entry point of {@code forecaster-job.jar} on a Flink cluster:
 * {@code flink run forecaster-job.jar --config job.properties}.
 */
public final class ClusterJob {
    private ClusterJob() {}

    public static void main(String[] args) throws Exception {
        Path config = null;
        for (int i = 0; i < args.length; i++) {
            if ((args[i].equals("--config") || args[i].equals("-c")) && i + 1 < args.length) {
                config = Path.of(args[++i]);
            } else {
                throw new IllegalArgumentException("usage: flink run forecaster-job.jar --config FILE "
                        + "(unexpected argument '" + args[i] + "')");
            }
        }
        AppConfig c = config == null ? AppConfig.defaultsOnly() : AppConfig.load(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        LiveJob.define(env, c, null);
        env.configure(RunCheckpoints.clusterStorage(c));
        env.execute(c.get("job.name"));
    }
}
