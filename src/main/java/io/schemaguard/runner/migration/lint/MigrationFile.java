package io.schemaguard.runner.migration.lint;

/** One migration file as the engine would apply it: its path relative to the migrations root, and its SQL. */
public record MigrationFile(String name, String sql) {}
