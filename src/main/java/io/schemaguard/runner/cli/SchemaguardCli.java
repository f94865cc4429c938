package io.schemaguard.runner.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

// scope INHERIT copies mixinStandardHelpOptions (-h/--help, -V/--version) to every subcommand: on its
// own the attribute is the top level's only, so "schemaguard plan --help" was an unknown option.
@Command(
        name = "schemaguard",
        mixinStandardHelpOptions = true,
        scope = ScopeType.INHERIT,
        versionProvider = SchemaguardCli.Version.class,
        subcommands = {
            BackupCommand.class,
            RestoreCommand.class,
            ListCommand.class,
            VerifyCommand.class,
            DeleteCommand.class,
            OrphansCommand.class,
            PlanCommand.class,
            RehearseCommand.class,
            MigrateCommand.class,
            CheckCommand.class,
            SafeMigrateCommand.class,
            LintCommand.class
        },
        description = "Safe PostgreSQL backups and migrations. The same program runs inside the operator's Jobs.")
public final class SchemaguardCli implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SchemaguardCli.class.getPackage().getImplementationVersion();
            return new String[] {"schemaguard " + (v == null ? "dev" : v)};
        }
    }
}
