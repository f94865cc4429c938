package io.schemaguard.runner.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.PrismaProject;
import io.schemaguard.testing.PrismaProject.Result;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Prisma CLI (scripts/build-prisma.sh; SCHEMAGUARD_PRISMA, which scripts/test.sh sets) and
 * PrismaEngine on one database, each reading the other's {@code _prisma_migrations}. Prisma 6.19.3 with
 * its WebAssembly schema engine behind @prisma/adapter-pg 7.10.1: Prisma 7 needs a native schema engine
 * that only the vendor's own host serves (docs/prisma-compatibility.md).
 */
class PrismaCliCompatibilityTest {
    static final String INIT = "20240101000000_init";
    static final String ADD_REFERENCE = "20240102000000_add_customer_reference";
    static final String INDEX = "20240103000000_index_customer_reference";

    @TempDir
    Path project;

    PrismaProject prisma;
    Path migrations;
    EngineDatabase db;

    @BeforeEach
    void prismaProject() {
        db = new EngineDatabase("prisma_cli");
        prisma = PrismaProject.create(project);
        migrations = prisma.migrations();
        prisma.migration(INIT, """
                -- CreateTable
                CREATE TABLE "orders" (
                    "id" SERIAL NOT NULL,
                    "total" DECIMAL(12,2) NOT NULL,

                    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
                );
                """);
        prisma.migration(ADD_REFERENCE, """
                -- AlterTable
                ALTER TABLE "orders" ADD COLUMN     "customer_reference" TEXT;
                """);
    }

    @Test
    void prismaSeesAHistoryAppliedBySchemaguardAsUpToDateAndDeploysNothing() throws Exception {
        Result before = run("migrate", "status");
        assertThat(before.out()).contains("Following migrations have not yet been applied:", INIT, ADD_REFERENCE);
        assertThat(before.exit()).isEqualTo(1);

        new PrismaEngine().migrate(db.target, migrations, PrismaEngineTest.SETTINGS);
        List<Map<String, Object>> rows = history();

        Result status = run("migrate", "status");
        assertThat(status.out()).contains("2 migrations found", "Database schema is up to date!");
        assertThat(status.exit()).isZero();
        Result deploy = run("migrate", "deploy");
        assertThat(deploy.out()).contains("No pending migrations to apply.");
        assertThat(deploy.exit()).isZero();
        assertThat(history()).isEqualTo(rows);
    }

    @Test
    void aDatabaseMigratedByPrismaIsMigratedFurtherBySchemaguardWithRowsAsPrismaWritesThem() throws Exception {
        Result deploy = run("migrate", "deploy");
        assertThat(deploy.out()).contains("All migrations have been successfully applied.");
        assertThat(deploy.exit()).isZero();
        List<Map<String, Object>> byPrisma = history();
        PrismaEngine engine = new PrismaEngine();
        assertThat(engine.pending(db.target, migrations)).isEmpty();
        engine.validate(db.target, migrations);

        EngineDatabase.write(migrations, INDEX + "/migration.sql", """
                -- CreateIndex
                CREATE INDEX "orders_customer_reference_idx" ON "orders"("customer_reference");
                """);
        assertThat(engine.migrate(db.target, migrations, PrismaEngineTest.SETTINGS))
                .extracting(Migration::version)
                .containsExactly(INDEX);

        List<Map<String, Object>> rows = history();
        assertThat(rows.subList(0, 2))
                .as("Prisma's own rows are left as they were")
                .isEqualTo(byPrisma);
        assertThat(rows).extracting(r -> r.get("migration_name")).containsExactly(INIT, ADD_REFERENCE, INDEX);
        // Prisma's rows and Schemaguard's alike: the file's SHA-256, one step, finished, no logs.
        for (Map<String, Object> row : rows) {
            String name = (String) row.get("migration_name");
            assertThat(row.get("checksum"))
                    .as(name)
                    .isEqualTo(
                            PrismaEngineTest.sha256sum(migrations.resolve(name).resolve("migration.sql")));
            assertThat(UUID.fromString((String) row.get("id")).version())
                    .as(name)
                    .isEqualTo(4);
            assertThat(row.get("applied_steps_count")).as(name).isEqualTo(1);
            assertThat(row.get("finished")).as(name).isEqualTo(true);
            assertThat(row.get("rolled_back_at")).as(name).isNull();
            assertThat(row.get("logs")).as(name).isNull();
        }
        assertThat(run("migrate", "status").out()).contains("3 migrations found", "Database schema is up to date!");
        assertThat(run("migrate", "deploy").out()).contains("No pending migrations to apply.");
    }

    @Test
    void prismaMigrateStatusSeesAFailedMigrationInSchemaguardsHistory() throws Exception {
        new PrismaEngine().migrate(db.target, migrations, PrismaEngineTest.SETTINGS);
        // What PrismaEngine leaves when a script fails: no finished_at, the error in logs.
        db.execute("UPDATE _prisma_migrations SET finished_at = NULL, applied_steps_count = 0, logs = 'boom'"
                + " WHERE migration_name = '" + ADD_REFERENCE + "'");

        Result status = run("migrate", "status");
        assertThat(status.out()).contains(ADD_REFERENCE).doesNotContain("Database schema is up to date!");
        assertThat(status.exit()).isNotZero();
    }

    /** {@code _prisma_migrations} in the order it was written, without the times (finished or not). */
    List<Map<String, Object>> history() {
        return db.rows("SELECT id, checksum, finished_at IS NOT NULL AS finished, migration_name, logs,"
                + " rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY started_at, migration_name");
    }

    Result run(String... args) {
        PostgresServer pg = db.pg;
        return prisma.run(
                "postgresql://" + PostgresServer.SUPERUSER + ":" + PostgresServer.PASSWORD + "@" + pg.host() + ":"
                        + pg.port() + "/" + db.name,
                args);
    }
}
