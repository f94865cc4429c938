package io.schemaguard.kubectl.cli;

import io.fabric8.kubernetes.client.CustomResource;
import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.SafeMigration;
import java.util.List;
import java.util.Locale;

/** The plugin's resource words: kind, plural, short names and the words kubectl users reach for. */
final class Kinds {
    /** Looked up in this order when a bare NAME is given: a migration is what people check most. */
    static final List<Class<? extends CustomResource<?, ?>>> ALL =
            List.of(SafeMigration.class, BackupSchedule.class, DatabaseBackup.class, DatabaseRestore.class);

    private Kinds() {}

    static Class<? extends CustomResource<?, ?>> parse(String word) {
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "safemigration", "safemigrations", "safemig", "smig", "migration" -> SafeMigration.class;
            case "backupschedule", "backupschedules", "schedule", "schedules" -> BackupSchedule.class;
            case "databasebackup", "databasebackups", "backup", "backups" -> DatabaseBackup.class;
            case "databaserestore", "databaserestores", "restore", "restores" -> DatabaseRestore.class;
            default ->
                throw UserError.usage("unknown resource type '" + word
                        + "': use safemigration, backupschedule, databasebackup or databaserestore");
        };
    }

    /** {@code KIND/NAME} or {@code NAME}: the kind (null when not given) and the name. */
    record Ref(Class<? extends CustomResource<?, ?>> kind, String name) {}

    static Ref ref(String arg) {
        int slash = arg.indexOf('/');
        if (slash < 0) {
            return new Ref(null, arg);
        }
        if (slash == 0 || slash == arg.length() - 1) {
            throw UserError.usage("expected KIND/NAME or NAME, not '" + arg + "'");
        }
        return new Ref(parse(arg.substring(0, slash)), arg.substring(slash + 1));
    }
}
