package io.schemaguard.runner.migration.lint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.schemaguard.runner.migration.lint.PgQueryParser.PlpgsqlResult;
import io.schemaguard.runner.migration.lint.PgQueryParser.Statement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL's parser through JNA: statements, their lines and texts, errors, PL/pgSQL bodies, threads,
 * speed, and which library file is loaded.
 */
class SqlLintParserTest {
    final PgQueryParser parser = PgQueryParser.get();

    @Test
    void statementsWithTheirLinesTextsAndTrees() {
        List<Statement> statements = parser.parse("""
                -- header
                CREATE TABLE "Bestellungen" ("Straße" text, "заметка" text); SELECT '€€€';
                  /* c */ DROP TABLE "Bestellungen"   -- bye
                """);
        assertThat(statements)
                .extracting(
                        Statement::line,
                        Statement::text,
                        s -> s.tree().fieldNames().next())
                .containsExactly(
                        tuple(2, "CREATE TABLE \"Bestellungen\" (\"Straße\" text, \"заметка\" text)", "CreateStmt"),
                        tuple(2, "SELECT '€€€'", "SelectStmt"),
                        tuple(3, "DROP TABLE \"Bestellungen\"", "DropStmt"));
        assertThat(statements
                        .get(0)
                        .tree()
                        .path("CreateStmt")
                        .path("relation")
                        .path("relname")
                        .asText())
                .isEqualTo("Bestellungen");
    }

    @Test
    void dollarQuotedBodiesAreOneStatement() {
        List<Statement> statements = parser.parse("""
                CREATE FUNCTION f() RETURNS void AS $fn$
                BEGIN
                  DROP TABLE orders; -- not run here
                  PERFORM 'x;y';
                END;
                $fn$ LANGUAGE plpgsql;
                DO $$ BEGIN NULL; END $$;
                """);
        assertThat(statements)
                .extracting(Statement::line, s -> s.tree().fieldNames().next())
                .containsExactly(tuple(1, "CreateFunctionStmt"), tuple(7, "DoStmt"));
    }

    @Test
    void errorsNameTheLineEvenAfterMultibyteCharacters() {
        // The parser counts characters, the offsets are bytes: the line must still be right.
        List<Statement> statements = parser.parse("SELECT 'ééééééééééééééééé€€€€€€€€€€€€€€€€' \nFROM;\n\n\n\n\n\n\n");
        assertThat(statements).singleElement().satisfies(s -> {
            assertThat(s.parsed()).isFalse();
            assertThat(s.line()).isEqualTo(1);
            assertThat(s.error()).isEqualTo("syntax error at or near \";\" (line 2)");
        });
    }

    @Test
    void whatTheOwnerFoundJSqlParserRejectsParses() {
        for (String sql : List.of(
                "CREATE INDEX CONCURRENTLY idx ON t (c)",
                "CREATE TYPE mood AS ENUM ('a','b')",
                "DO $$ BEGIN NULL; END $$",
                "CREATE EXTENSION IF NOT EXISTS pgcrypto",
                "CREATE SEQUENCE s START 10",
                "ALTER TABLE t ALTER COLUMN c SET DATA TYPE DECIMAL(65,30)")) {
            assertThat(parser.parse(sql))
                    .as(sql)
                    .singleElement()
                    .extracting(Statement::parsed)
                    .isEqualTo(true);
        }
    }

    @Test
    void plpgsqlBodiesParseIntoTheStatementsTheyRun() {
        PlpgsqlResult result = parser.parsePlpgsql("""
                DO $$
                BEGIN
                  DROP TABLE x;
                  EXECUTE 'DROP TABLE y';
                END
                $$;
                """);
        assertThat(result.error()).isNull();
        assertThat(result.functions().isArray()).isTrue();
        assertThat(result.functions().size()).isEqualTo(1);
        // [{"PLpgSQL_function": {"datums": [...], "action": {"PLpgSQL_stmt_block": {"body": [...]}}}}]
        JsonNode body = result.functions()
                .get(0)
                .path("PLpgSQL_function")
                .path("action")
                .path("PLpgSQL_stmt_block")
                .path("body");
        List<String> kinds = new ArrayList<>();
        body.forEach(stmt -> kinds.add(stmt.fieldNames().next()));
        // The block's implicit RETURN comes last.
        assertThat(kinds).containsExactly("PLpgSQL_stmt_execsql", "PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_return");
        JsonNode drop = body.get(0).path("PLpgSQL_stmt_execsql");
        assertThat(drop.path("sqlstmt").path("PLpgSQL_expr").path("query").asText())
                .isEqualTo("DROP TABLE x");
        assertThat(drop.path("lineno").asInt()).isEqualTo(3);
        // EXECUTE keeps its argument as an expression: here a string literal, quotes included.
        assertThat(body.get(1)
                        .path("PLpgSQL_stmt_dynexecute")
                        .path("query")
                        .path("PLpgSQL_expr")
                        .path("query")
                        .asText())
                .isEqualTo("'DROP TABLE y'");
    }

    @Test
    void plpgsqlErrorsAreReturnedNotThrown() {
        PlpgsqlResult result = parser.parsePlpgsql("DO $$ BEGIN IF true THEN NULL; END $$;");
        assertThat(result.parsed()).isFalse();
        assertThat(result.functions()).isNull();
        assertThat(result.error()).isNotBlank();
        assertThat(parser.parsePlpgsql("SELECT 1").functions().size())
                .as("no PL/pgSQL in it")
                .isZero();
    }

    @Test
    void theLibraryIsTheVariablesElseTheImagesElseTheCachesNeverTheSystems(@TempDir Path dir) throws IOException {
        Path image = dir.resolve("usr/lib/schemaguard/libpg_query.so");
        Path home = dir.resolve("home");
        Path cached = home.resolve(".cache/schemaguard/pg-query/18.1.0/libpg_query.so");
        assertThatThrownBy(() -> PgQueryParser.locate(null, image, home))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("scripts/build-pg-query.sh")
                .hasMessageNotContaining("\n");

        Files.createDirectories(cached.getParent());
        Files.createFile(cached);
        assertThat(PgQueryParser.locate(null, image, home)).isEqualTo(cached);
        Files.createDirectories(image.getParent());
        Files.createFile(image);
        assertThat(PgQueryParser.locate("", image, home)).isEqualTo(image);
        Path own = Files.createFile(dir.resolve("own.so"));
        assertThat(PgQueryParser.locate(own.toString(), image, home)).isEqualTo(own);
        // A variable that names no file is a mistake to report, not a reason to load another build.
        assertThatThrownBy(() -> PgQueryParser.locate(dir.resolve("gone.so").toString(), image, home))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SCHEMAGUARD_PG_QUERY_LIB");
    }

    @Test
    void safeForConcurrentUse() throws Exception {
        String sql = migration(200);
        List<Finding> expected = SqlLint.lint("V1__big.sql", sql);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Finding>>> runs = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                runs.add(pool.submit(() -> SqlLint.lint("V1__big.sql", sql)));
            }
            for (Future<List<Finding>> run : runs) {
                assertThat(run.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aThousandStatements() {
        String sql = migration(1000);
        SqlLint.lint("warm-up.sql", sql);
        long start = System.nanoTime();
        List<Finding> findings = SqlLint.lint("V1__big.sql", sql);
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("SqlLint: 1000 statements (%d KiB) in %d ms%n", sql.length() / 1024, millis);
        assertThat(findings).hasSize(200);
        assertThat(findings.get(199).line()).isEqualTo(4 * 999 + 2);
        assertThat(millis).isLessThan(10_000);
    }

    /** {@code n} statements, four lines each, every fifth one destructive. */
    static String migration(int n) {
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i % 5 == 4) {
                sql.append("-- statement ")
                        .append(i)
                        .append("\nALTER TABLE orders_")
                        .append(i)
                        .append("\n  DROP COLUMN note;\n\n");
            } else {
                sql.append("-- statement ")
                        .append(i)
                        .append("\nCREATE INDEX CONCURRENTLY idx_")
                        .append(i)
                        .append(" ON orders (customer_reference)\n  WHERE customer_reference IS NOT NULL;\n\n");
            }
        }
        return sql.toString();
    }
}
