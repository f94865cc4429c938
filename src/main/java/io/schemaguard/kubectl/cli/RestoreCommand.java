package io.schemaguard.kubectl.cli;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseConnection;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.DatabaseRestoreSpec;
import io.schemaguard.api.RestoreMode;
import io.schemaguard.api.RestoreSource;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        description = "A DatabaseRestore of a DatabaseBackup: into a new database on the backup's server, or over"
                + " the backed-up database itself (--replace, confirmed by naming it).")
final class RestoreCommand implements Callable<Integer> {
    @ParentCommand
    PluginCommand plugin;

    @Parameters(paramLabel = "BACKUP", description = "The DatabaseBackup to restore.")
    String backup;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(
                names = "--to-new-database",
                paramLabel = "NAME",
                description = "A new (or empty) database on the same server.")
        String newDatabase;

        @Option(
                names = "--replace",
                description = "Replace the backed-up database's objects (a safety backup is taken first).")
        boolean replace;
    }

    @Option(names = "--confirm", paramLabel = "NAME", description = "With --replace: the target database's name.")
    String confirm;

    @Option(names = "--name", description = "The DatabaseRestore's name (default: <backup>-restore-<time>).")
    String name;

    @Option(names = "--wait", description = "Wait until the restore Succeeded or Failed, printing its progress.")
    boolean await;

    @Option(
            names = "--timeout",
            defaultValue = "30m",
            description = "How long --wait waits (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() {
        if (target.replace && confirm == null) {
            throw UserError.usage("--replace needs --confirm NAME, the name of the database to replace");
        }
        if (!target.replace && confirm != null) {
            throw UserError.usage("--confirm goes with --replace");
        }
        Duration limit = duration(timeout);
        DatabaseBackup b = plugin.require(DatabaseBackup.class, backup);
        DatabaseConnection db =
                Serialization.unmarshal(Serialization.asJson(b.getSpec().getDatabase()), DatabaseConnection.class);
        DatabaseRestoreSpec spec = new DatabaseRestoreSpec();
        RestoreSource source = new RestoreSource();
        source.setBackupName(backup);
        spec.setSource(source);
        if (target.replace) {
            if (db.getName() != null && !db.getName().equals(confirm)) {
                throw UserError.usage("--confirm " + confirm + " does not name the database backup " + backup
                        + " is of (" + db.getName() + ")");
            }
            spec.setMode(RestoreMode.Replace);
            spec.setConfirm(confirm);
        } else {
            if (db.getUriSecretRef() != null) {
                throw new UserError("backup " + backup + "'s database is given by a URI Secret, whose database name"
                        + " the plugin cannot change: write the DatabaseRestore with its own target");
            }
            db.setName(target.newDatabase);
            spec.setMode(RestoreMode.NewDatabase);
        }
        spec.setTarget(db);
        DatabaseRestore r = new DatabaseRestore();
        r.setMetadata(new ObjectMetaBuilder()
                .withName(
                        name != null
                                ? name
                                : (backup.length() > 200 ? backup.substring(0, 200) : backup) + "-restore-"
                                        + BackupCommand.NAME_TIME.format(Instant.now()))
                .withNamespace(plugin.namespace())
                .build());
        r.setSpec(spec);
        String created = plugin.client().resource(r).create().getMetadata().getName();
        System.out.println("databaserestore.schemaguard.io/" + created + " created");
        if (!await) {
            return 0;
        }
        return Waiter.await("DatabaseRestore " + created, () -> plugin.get(DatabaseRestore.class, created), limit);
    }

    static Duration duration(String s) {
        try {
            return Duration.parse("PT" + s.toUpperCase());
        } catch (RuntimeException e) {
            throw UserError.usage("--timeout must be like 90s, 10m or 1h, not '" + s + "'");
        }
    }
}
