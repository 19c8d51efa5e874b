package dev.streamforecast.app;

import dev.streamforecast.io.UserError;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code bench}: the benchmark suite is a module of its own, so its libraries stay out of this jar. */
@Command(name = "bench", description = "The benchmark suite: run it with ./forecaster bench [--quick] [--only PART].")
public final class BenchHint implements Callable<Integer> {
    @Parameters(arity = "0..*", hidden = true)
    List<String> ignored = List.of();

    @Override
    public Integer call() {
        throw new UserError("the benchmark suite is its own module (bench/), outside this jar: run ./forecaster bench"
                + " [--quick] [--only PART] from the repository, which builds and runs it");
    }
}
