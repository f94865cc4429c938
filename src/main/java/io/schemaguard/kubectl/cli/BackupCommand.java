package io.schemaguard.kubectl.cli;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupSpec;
import io.schemaguard.api.DatabaseConnection;
import io.schemaguard.api.SecretKeySelector;
import io.schemaguard.contract.JobLabels;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "backup",
        mixinStandardHelpOptions = true,
        description = "Backups on demand.",
        subcommands = BackupCommand.Now.class)
final class BackupCommand {
    @ParentCommand
    PluginCommand plugin;

    static final DateTimeFormatter NAME_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    @Command(
            name = "now",
            mixinStandardHelpOptions = true,
            description = "A DatabaseBackup now: from a BackupSchedule's template (labelled as the schedule's, so its"
                    + " retention counts it), or of a database given by flags (the operator's default storage).")
    static final class Now implements Callable<Integer> {
        @ParentCommand
        BackupCommand backup;

        @Parameters(arity = "0..1", paramLabel = "SCHEDULE")
        String schedule;

        @ArgGroup(exclusive = false)
        DatabaseFlags database;

        @Option(
                names = "--name",
                description = "The DatabaseBackup's name (default: <schedule or database>-now-<time>).")
        String name;

        @Option(names = "--wait", description = "Wait until the backup Succeeded or Failed, printing its progress.")
        boolean await;

        @Option(
                names = "--timeout",
                defaultValue = "30m",
                description = "How long --wait waits (default ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() {
            PluginCommand plugin = backup.plugin;
            if ((schedule == null) == (database == null)) {
                throw UserError.usage("give either SCHEDULE or --database (with --host, --user, --password-secret)");
            }
            Duration limit = RestoreCommand.duration(timeout);
            String ns = plugin.namespace();
            String stamp = NAME_TIME.format(Instant.now());
            DatabaseBackup b = new DatabaseBackup();
            if (schedule != null) {
                BackupSchedule s = plugin.require(BackupSchedule.class, schedule);
                // What the schedule stamps out itself: its template, its label and name annotation, no
                // scheduled-time annotation (this run was not due; retention dates it by its creation).
                b.setMetadata(new ObjectMetaBuilder()
                        .withName(name != null ? name : base(schedule) + "-now-" + stamp)
                        .withNamespace(ns)
                        .addToLabels(JobLabels.SCHEDULE, JobLabels.labelValue(schedule))
                        .addToAnnotations(JobLabels.SCHEDULE_NAME_ANNOTATION, schedule)
                        .build());
                b.setSpec(Serialization.unmarshal(
                        Serialization.asJson(s.getSpec().getTemplate()), DatabaseBackupSpec.class));
            } else {
                b.setMetadata(new ObjectMetaBuilder()
                        .withName(
                                name != null
                                        ? name
                                        : base(database.name.toLowerCase().replaceAll("[^a-z0-9-]", "-")) + "-now-"
                                                + stamp)
                        .withNamespace(ns)
                        .build());
                DatabaseBackupSpec spec = new DatabaseBackupSpec();
                spec.setDatabase(database.connection());
                b.setSpec(spec);
            }
            DatabaseBackup created = plugin.client().resource(b).create();
            String created1 = created.getMetadata().getName();
            System.out.println("databasebackup.schemaguard.io/" + created1 + " created");
            if (!await) {
                return 0;
            }
            return Waiter.await("DatabaseBackup " + created1, () -> plugin.get(DatabaseBackup.class, created1), limit);
        }

        private static String base(String s) {
            return s.length() > 200 ? JobLabels.labelValue(s) : s;
        }
    }

    /** The database of a backup without a schedule: the fields of spec.database that matter most. */
    static final class DatabaseFlags {
        @Option(names = "--database", required = true, description = "The database's name.")
        String name;

        @Option(names = "--host", required = true)
        String host;

        @Option(names = "--port", defaultValue = "5432")
        int port;

        @Option(names = "--user", required = true)
        String user;

        @Option(names = "--password-secret", required = true, description = "Secret with the password (key password).")
        String passwordSecret;

        DatabaseConnection connection() {
            DatabaseConnection c = new DatabaseConnection();
            c.setName(name);
            c.setHost(host);
            c.setPort(port);
            c.setUser(user);
            c.setPasswordSecretRef(new SecretKeySelector(passwordSecret, null));
            return c;
        }
    }
}
