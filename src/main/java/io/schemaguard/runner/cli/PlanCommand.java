package io.schemaguard.runner.cli;

import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.migration.MigrationExecutor;
import io.schemaguard.runner.postgres.DatabaseInspector;
import io.schemaguard.runner.postgres.PgTarget;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "plan",
        description = {
            "List the migrations the database has not applied yet and lint them with PostgreSQL's own parser:",
            "destructive statements (drops, truncates, type changes, ...) are reported with file, line and hash."
        })
final class PlanCommand extends RunnerCommand {

    @Option(
            names = "--database",
            paramLabel = "URL",
            description = "postgresql://user@host:port/db; default: $DATABASE_URL, then PG*")
    String database;

    @Mixin
    MigrationOptions migration;

    @Override
    protected RunnerResult execute() {
        migration.validate(true);
        PgTarget target = PgTarget.resolve(database, System.getenv());
        if ("command".equals(migration.engine)) {
            // The application's own tool knows what it will apply; all there is to plan is that the
            // database answers. Its changes are checked after it ran (schemaguard check).
            DatabaseInspector.inspect(target);
            System.out.println("engine command: the application's tool decides what to apply; it is checked after");
            return RunnerResult.success()
                    .plan(List.of("command"), List.of(), 0, 0)
                    .message("engine command: not linted, checked after");
        }
        MigrationExecutor.Plan plan =
                MigrationExecutor.plan(migration.engine(), target, migration.directory(), migration.policy());
        MigrationExecutor.print(plan);
        return RunnerResult.success()
                .plan(
                        plan.versions(),
                        MigrationExecutor.statuses(plan.judged()),
                        plan.judged().size(),
                        (int) plan.blocking())
                .message(plan.pending().size() + " pending, " + plan.blocking() + " blocking finding(s)");
    }
}
