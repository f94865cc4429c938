package io.schemaguard.runner.migration.engine;

import java.util.List;
import java.util.Locale;

/** The engines by name, as a SafeMigration or the command line names them. */
public final class MigrationEngines {
    public static final List<String> NAMES = List.of("flyway", "prisma");

    private MigrationEngines() {}

    /** {@code flyway} or {@code prisma} (case-insensitive); anything else is an IllegalArgumentException. */
    public static MigrationEngine of(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "flyway" -> new FlywayEngine();
            case "prisma" -> new PrismaEngine();
            default ->
                throw new IllegalArgumentException(
                        "unknown migration engine '" + name + "': expected one of " + String.join(", ", NAMES));
        };
    }
}
