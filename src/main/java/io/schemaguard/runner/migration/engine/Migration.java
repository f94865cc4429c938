package io.schemaguard.runner.migration.engine;

/**
 * A migration an engine knows: its version (Flyway {@code 1.2}, Prisma {@code 20240101120000_add_x}),
 * description, file (relative to the migrations root), SQL text, and the checksum the engine records.
 */
public record Migration(String version, String description, String file, String sql, String checksum) {}
