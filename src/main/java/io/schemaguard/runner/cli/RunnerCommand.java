package io.schemaguard.runner.cli;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.Console;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.storage.StorageException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Base of every runner command: runs it, prints a one-line error on failure, leaves the result in the
 * termination message file when one is configured ({@code SCHEMAGUARD_TERMINATION_LOG}, set in Jobs),
 * and maps the failure reason to the exit code.
 */
abstract class RunnerCommand implements Callable<Integer> {

    static final String TERMINATION_LOG_ENV = "SCHEMAGUARD_TERMINATION_LOG";

    /** Does the work; throws {@link RunnerException} with a reason on failure. */
    protected abstract RunnerResult execute() throws Exception;

    @Override
    public Integer call() {
        RunnerResult result;
        int exit;
        try {
            result = execute();
            exit = 0;
        } catch (RunnerException e) {
            result = e.partial() != null
                    ? e.partial().asFailure(e.reason(), e.getMessage())
                    : RunnerResult.failed(e.reason(), e.getMessage());
            exit = e.reason().exitCode();
        } catch (StorageException e) {
            RunnerException re = RunnerException.from(e);
            result = RunnerResult.failed(re.reason(), re.getMessage());
            exit = re.reason().exitCode();
        } catch (IllegalArgumentException e) {
            result = RunnerResult.failed(FailureReason.InvalidArguments, e.getMessage());
            exit = FailureReason.InvalidArguments.exitCode();
        } catch (Exception e) {
            result = RunnerResult.failed(FailureReason.Internal, e.toString());
            exit = FailureReason.Internal.exitCode();
            e.printStackTrace();
        }
        if (!result.succeeded()) {
            Console.error(result.reason() + ": " + result.message());
        }
        writeTerminationMessage(result);
        return exit;
    }

    static void writeTerminationMessage(RunnerResult result) {
        String path = System.getenv(TERMINATION_LOG_ENV);
        if (path != null && !path.isBlank()) {
            result.writeTo(Path.of(path));
        }
    }
}
