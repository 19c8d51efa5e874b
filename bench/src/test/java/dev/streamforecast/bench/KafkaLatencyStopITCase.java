package dev.streamforecast.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.Test;

/**
 * The latency benchmark stops its jobs on local clusters of their own, as {@code bench} runs them: a
 * bounded job that ended by itself has taken its cluster down with it, and stopping it must still return.
 */
class KafkaLatencyStopITCase {
    @Test
    void stoppingABoundedJobThatHasEndedWithItsLocalClusterReturns() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        env.fromData(1, 2, 3).sinkTo(new DiscardingSink<>());
        JobClient job = env.executeAsync("ends-by-itself");
        job.getJobExecutionResult().get();
        KafkaLatency.stop(job);
        assertTrue(job.getJobExecutionResult().isDone());
    }
}
