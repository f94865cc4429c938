package io.schemaguard.runner.migration.engine;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.flywaydb.core.api.logging.Log;
import org.flywaydb.core.api.logging.LogCreator;

/**
 * Flyway's log, reduced to its warnings. Left alone, Flyway picks SLF4J (present for the operator) and
 * writes a dozen INFO lines per run (edition banner, database, schema, every migration); the runner
 * reports migrations itself, and errors reach it as exceptions. Flyway instantiates this class by name
 * ({@code loggers}), so it must stay public with a no-argument constructor.
 */
public final class FlywayWarnings implements LogCreator {

    @Override
    public Log createLogger(Class<?> clazz) {
        return new Log() {
            @Override
            public boolean isDebugEnabled() {
                return false;
            }

            @Override
            public void debug(String message) {}

            @Override
            public void info(String message) {}

            @Override
            public void notice(String message) {}

            @Override
            public void warn(String message) {
                System.err.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " flyway warning: " + message);
            }

            @Override
            public void error(String message) {}

            @Override
            public void error(String message, Exception e) {}
        };
    }
}
