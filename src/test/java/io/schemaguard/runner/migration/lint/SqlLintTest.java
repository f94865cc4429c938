package io.schemaguard.runner.migration.lint;

import static io.schemaguard.runner.migration.lint.SqlLint.*;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.schemaguard.runner.migration.lint.Finding.Severity;
import io.schemaguard.runner.migration.lint.PgQueryParser.Statement;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SqlLintTest {
    static final String FILE = "V7__change.sql";

    /** What a test asserts of a finding. */
    record Expected(String file, int line, String rule, Severity severity) {}

    static Expected blocks(int line, String rule) {
        return new Expected(FILE, line, rule, Severity.DATA_LOSS);
    }

    static Expected warns(int line, String rule) {
        return new Expected(FILE, line, rule, Severity.HAZARD);
    }

    static Arguments row(String name, String sql, Expected... expected) {
        return Arguments.of(name, sql, List.of(expected));
    }

    static List<Expected> expected(List<Finding> findings) {
        return findings.stream()
                .map(f -> new Expected(f.file(), f.line(), f.rule(), f.severity()))
                .toList();
    }

    static Stream<Arguments> statements() {
        return Stream.of(
                // --- destructive ---
                row("drop table", "DROP TABLE orders;", blocks(1, DROP_TABLE)),
                row(
                        "drop tables if exists cascade",
                        "DROP TABLE IF EXISTS orders, public.lines CASCADE;",
                        blocks(1, DROP_TABLE)),
                row("prisma drop table", "-- DropTable\nDROP TABLE \"orders\";", blocks(2, DROP_TABLE)),
                row("drop column", "ALTER TABLE orders DROP COLUMN note;", blocks(1, DROP_COLUMN)),
                row(
                        "drop column, quoted mixed case",
                        "ALTER TABLE \"Orders\" DROP COLUMN \"Note\";",
                        blocks(1, DROP_COLUMN)),
                row(
                        "drop column, quoted schema and unicode",
                        "ALTER TABLE \"Verkauf\".\"Bestellungen\"\n" + "  DROP COLUMN IF EXISTS \"Straße\";",
                        blocks(1, DROP_COLUMN)),
                row(
                        "drop column without COLUMN keyword",
                        "alter table only orders drop note cascade;",
                        blocks(1, DROP_COLUMN)),
                row("drop schema", "DROP SCHEMA archive CASCADE;", blocks(1, DROP_SCHEMA)),
                row("drop schema, restrict", "DROP SCHEMA IF EXISTS staging;", blocks(1, DROP_SCHEMA)),
                row("truncate", "TRUNCATE orders;", blocks(1, TRUNCATE)),
                row(
                        "truncate table, several",
                        "TRUNCATE TABLE orders, lines RESTART IDENTITY CASCADE;",
                        blocks(1, TRUNCATE)),
                row("delete without where", "DELETE FROM orders;", blocks(1, DELETE_WITHOUT_WHERE)),
                row(
                        "delete in a WITH clause",
                        "WITH gone AS (DELETE FROM orders RETURNING *)\n"
                                + "INSERT INTO orders_archive SELECT * FROM gone;",
                        blocks(1, DELETE_WITHOUT_WHERE)),
                row("update without where", "UPDATE orders SET status = 'closed';", blocks(1, UPDATE_WITHOUT_WHERE)),
                row(
                        "alter column type",
                        "ALTER TABLE orders ALTER COLUMN total TYPE bigint USING total::bigint;",
                        blocks(1, ALTER_COLUMN_TYPE)),
                row(
                        "prisma set data type",
                        "-- AlterTable\nALTER TABLE \"orders\" ALTER COLUMN \"total\" SET DATA TYPE DECIMAL(65,30);",
                        blocks(2, ALTER_COLUMN_TYPE)),
                row(
                        "set not null on an existing column",
                        "ALTER TABLE orders ALTER COLUMN email SET NOT NULL;",
                        warns(1, SET_NOT_NULL)),
                row("rename table", "ALTER TABLE orders RENAME TO orders_old;", blocks(1, RENAME_TABLE)),
                row(
                        "rename column",
                        "ALTER TABLE \"orders\" RENAME COLUMN \"note\" TO \"notes\";",
                        blocks(1, RENAME_COLUMN)),
                row(
                        "several actions in one ALTER TABLE",
                        "ALTER TABLE orders\n  DROP COLUMN a,\n  DROP COLUMN b,\n  ALTER COLUMN c TYPE text,\n"
                                + "  ALTER COLUMN d SET NOT NULL;",
                        blocks(1, DROP_COLUMN),
                        blocks(1, ALTER_COLUMN_TYPE),
                        warns(1, SET_NOT_NULL)),
                row(
                        "drop then create: recreate",
                        "DROP TABLE orders;\nCREATE TABLE orders (id int);",
                        blocks(1, DROP_TABLE),
                        blocks(1, RECREATE_TABLE)),
                row(
                        "drop then create if not exists: recreate",
                        "DROP TABLE IF EXISTS orders;\n\nCREATE TABLE IF NOT EXISTS orders (id int);",
                        blocks(1, DROP_TABLE),
                        blocks(1, RECREATE_TABLE)),
                row(
                        "drop then create as: recreate",
                        "DROP TABLE orders;\nCREATE TABLE orders AS SELECT * FROM orders_backup;",
                        blocks(1, DROP_TABLE),
                        blocks(1, RECREATE_TABLE)),
                row(
                        "create if not exists may meet an existing table",
                        "CREATE TABLE IF NOT EXISTS orders (id int, email text);\n"
                                + "ALTER TABLE orders ALTER COLUMN email SET NOT NULL;",
                        warns(2, SET_NOT_NULL)),
                row("garbage", "this is not sql;", blocks(1, UNPARSEABLE)),
                row(
                        "garbage between good statements",
                        "CREATE TABLE a (id int);\n\nSELEC * FROM a;\nDROP TABLE orders;",
                        blocks(3, UNPARSEABLE),
                        blocks(4, DROP_TABLE)),
                row("unterminated dollar quote", "CREATE TABLE a (id int);\nDO $$ BEGIN\n", blocks(1, UNPARSEABLE)),
                row(
                        "PostgreSQL 17: a DELETE beside a MERGE ... RETURNING in its WITH clause",
                        "WITH changed AS (MERGE INTO orders o USING incoming i ON o.id = i.id\n"
                                + "  WHEN MATCHED THEN UPDATE SET total = i.total RETURNING o.id)\nDELETE FROM orders_archive;",
                        blocks(1, DELETE_WITHOUT_WHERE)),
                row(
                        "PostgreSQL 17: an UPDATE from JSON_TABLE without WHERE",
                        "UPDATE orders SET total = jt.total\n"
                                + "  FROM JSON_TABLE('[{\"total\": 1}]', '$[*]' COLUMNS (total numeric PATH '$.total')) AS jt;",
                        blocks(1, UPDATE_WITHOUT_WHERE)),
                row(
                        "a new table filled from an existing one holds existing data",
                        "CREATE TABLE tmp_ids (id int);\nINSERT INTO tmp_ids SELECT id FROM orders;\n"
                                + "DELETE FROM tmp_ids;\nTRUNCATE tmp_ids;\nDROP TABLE tmp_ids;",
                        blocks(3, DELETE_WITHOUT_WHERE),
                        blocks(4, TRUNCATE),
                        blocks(5, DROP_TABLE)),
                row(
                        "a column dropped from a table created as a copy",
                        "CREATE TABLE orders_v2 AS SELECT * FROM orders;\nALTER TABLE orders_v2 DROP COLUMN note;",
                        blocks(2, DROP_COLUMN)),
                row(
                        "a new table filled by UPDATE ... FROM an existing one",
                        "CREATE TABLE totals (id int, total numeric);\nINSERT INTO totals (id) VALUES (1);\n"
                                + "UPDATE totals t SET total = o.total FROM orders o WHERE o.id = t.id;\n"
                                + "ALTER TABLE totals DROP COLUMN total;",
                        blocks(4, DROP_COLUMN)),
                row(
                        "a new table filled by COPY",
                        "CREATE TABLE imported (id int);\nCOPY imported FROM STDIN;\n" + "TRUNCATE imported;",
                        blocks(3, TRUNCATE)),
                row(
                        "a new column filled from existing columns holds their data",
                        "ALTER TABLE orders ADD COLUMN ref text;\nUPDATE orders SET ref = legacy_ref;\n"
                                + "ALTER TABLE orders DROP COLUMN ref;",
                        blocks(3, DROP_COLUMN)),

                // --- server-wide ---
                row("drop database", "DROP DATABASE other_db;", blocks(1, DROP_DATABASE)),
                row(
                        "drop database if exists, with force",
                        "DROP DATABASE IF EXISTS \"Other DB\" WITH (FORCE);",
                        blocks(1, DROP_DATABASE)),
                row("drop owned", "DROP OWNED BY legacy_app CASCADE;", blocks(1, DROP_OWNED)),
                row("create database", "CREATE DATABASE reports;", warns(1, CREATE_DATABASE)),
                row("alter database", "ALTER DATABASE shop SET statement_timeout = '1s';", warns(1, ALTER_DATABASE)),
                row("rename database", "ALTER DATABASE shop RENAME TO shop_old;", warns(1, ALTER_DATABASE)),
                row("alter role", "ALTER ROLE app PASSWORD 'x';", warns(1, ROLE_CHANGE)),
                row("drop role", "DROP ROLE IF EXISTS reporting;", warns(1, ROLE_CHANGE)),
                row("reassign owned", "REASSIGN OWNED BY old_app TO app;", warns(1, REASSIGN_OWNED)),
                row("alter system", "ALTER SYSTEM SET work_mem = '64MB';", warns(1, ALTER_SYSTEM)),
                row(
                        "create and drop tablespace",
                        "CREATE TABLESPACE fast LOCATION '/ssd';\nDROP TABLESPACE slow;",
                        warns(1, TABLESPACE_CHANGE),
                        warns(2, TABLESPACE_CHANGE)),

                // --- CASCADE without a catalog ---
                row(
                        "drop type cascade, dependents unknown",
                        "DROP TYPE order_status CASCADE;",
                        blocks(1, CASCADE_DROP)),
                row("drop domain cascade", "DROP DOMAIN IF EXISTS public.email CASCADE;", blocks(1, CASCADE_DROP)),
                row("drop extension cascade", "DROP EXTENSION hstore CASCADE;", blocks(1, CASCADE_DROP)),
                row("drop function cascade", "DROP FUNCTION next_ref(int) CASCADE;", blocks(1, CASCADE_DROP)),
                row("drop view cascade", "DROP VIEW open_orders CASCADE;", blocks(1, CASCADE_DROP)),
                row("drop sequence cascade", "DROP SEQUENCE orders_id_seq CASCADE;", blocks(1, CASCADE_DROP)),

                // --- DO blocks: PL/pgSQL read like top-level SQL ---
                row(
                        "DO block hiding a drop, by EXECUTE of a literal and by a statement",
                        "-- cleanup\nDO $body$ BEGIN EXECUTE 'DROP TABLE orders'; DROP TABLE lines; END $body$;",
                        blocks(2, DROP_TABLE),
                        blocks(2, DROP_TABLE)),
                row(
                        "DO block: statement lines inside the body",
                        "DO $$\nBEGIN\n  IF true THEN\n    ALTER TABLE orders DROP COLUMN note;\n  END IF;\nEND\n$$;",
                        blocks(4, DROP_COLUMN)),
                row(
                        "DO block: EXECUTE of a computed string",
                        "DO $$\nBEGIN\n  EXECUTE format('DROP TABLE %I', 'orders');\nEND\n$$;",
                        blocks(3, DYNAMIC_SQL)),
                row(
                        "DO block: loop over a data-modifying query",
                        "DO $$ DECLARE r record; BEGIN FOR r IN SELECT id FROM orders LOOP\n"
                                + "  DELETE FROM lines; END LOOP; END $$;",
                        blocks(2, DELETE_WITHOUT_WHERE)),
                row(
                        "DO block in another language",
                        "DO LANGUAGE plpython3u $$ plpy.execute('DROP TABLE t') $$;",
                        blocks(1, OPAQUE_BLOCK)),
                row("DO block that does not parse", "DO $$ BEGIN IF THEN END $$;", blocks(1, OPAQUE_BLOCK)),

                // --- lock and downtime hazards ---
                row(
                        "create index on an existing table",
                        "CREATE INDEX orders_customer ON orders (customer);",
                        warns(1, INDEX_WITHOUT_CONCURRENTLY)),
                row(
                        "create unique index if not exists",
                        "CREATE UNIQUE INDEX IF NOT EXISTS orders_ref_key ON orders (customer_reference);",
                        warns(1, INDEX_WITHOUT_CONCURRENTLY)),
                row("drop index", "DROP INDEX orders_customer;", warns(1, INDEX_WITHOUT_CONCURRENTLY)),
                row("reindex", "REINDEX TABLE orders;", warns(1, INDEX_WITHOUT_CONCURRENTLY)),
                row(
                        "concurrently inside a transaction",
                        "BEGIN;\nCREATE INDEX CONCURRENTLY i ON orders (c);\nCOMMIT;",
                        warns(1, TRANSACTION_CONTROL),
                        warns(2, CONCURRENTLY_IN_TRANSACTION),
                        warns(3, TRANSACTION_CONTROL)),
                row(
                        "foreign key validated at once",
                        "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id);",
                        warns(1, CONSTRAINT_WITHOUT_NOT_VALID)),
                row(
                        "check validated at once",
                        "ALTER TABLE orders ADD CHECK (total >= 0);",
                        warns(1, CONSTRAINT_WITHOUT_NOT_VALID)),
                row(
                        "primary key building its index",
                        "ALTER TABLE orders ADD PRIMARY KEY (id);",
                        warns(1, UNIQUE_WITHOUT_INDEX)),
                row(
                        "unique constraint building its index",
                        "ALTER TABLE orders ADD CONSTRAINT u UNIQUE (ref);",
                        warns(1, UNIQUE_WITHOUT_INDEX)),
                row(
                        "add column with a volatile default",
                        "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();",
                        warns(1, VOLATILE_DEFAULT)),
                row("add a serial column", "ALTER TABLE orders ADD COLUMN n bigserial;", warns(1, VOLATILE_DEFAULT)),
                row(
                        "add column not null without default",
                        "ALTER TABLE \"orders\" ADD COLUMN \"ref\" TEXT NOT NULL;",
                        warns(1, NOT_NULL_WITHOUT_DEFAULT)),
                row("vacuum full", "VACUUM (FULL, ANALYZE) orders;", warns(1, TABLE_REWRITE)),
                row("cluster", "CLUSTER orders USING orders_pkey;", warns(1, TABLE_REWRITE)),
                row("rename a view", "ALTER VIEW open_orders RENAME TO pending_orders;", warns(1, RENAME_OBJECT)),
                row("rename a type", "ALTER TYPE mood RENAME TO feeling;", warns(1, RENAME_OBJECT)),
                row("rename a schema", "ALTER SCHEMA sales RENAME TO sales_old;", blocks(1, RENAME_SCHEMA)),
                row("move a table to another schema", "ALTER TABLE orders SET SCHEMA archive;", blocks(1, SET_SCHEMA)),
                row("move a view to another schema", "ALTER VIEW v SET SCHEMA archive;", warns(1, RENAME_OBJECT)),

                // --- safe ---
                row("empty file", ""),
                row("blank and comments only", "\n\n-- nothing yet\n/* still /* nothing */ */\n"),
                row("create table", "CREATE TABLE orders (id bigserial PRIMARY KEY, note text);"),
                row(
                        "seed incident, safe: add customer_reference",
                        "ALTER TABLE orders ADD COLUMN customer_reference text;"),
                row(
                        "prisma add column",
                        "-- AlterTable\nALTER TABLE \"orders\" ADD COLUMN \"customer_reference\" TEXT;"),
                row(
                        "add column not null with default",
                        "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';"),
                row("create index concurrently", "CREATE INDEX CONCURRENTLY idx ON t (c);"),
                row(
                        "index on a table this file creates, dropped again",
                        "CREATE TABLE t (c int);\nCREATE INDEX t_c ON t (c);\nDROP INDEX t_c;"),
                row(
                        "add column with a constant or stable default",
                        "ALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();"),
                row(
                        "add a virtual generated column",
                        "ALTER TABLE orders ADD COLUMN cents bigint" + " GENERATED ALWAYS AS (total * 100) VIRTUAL;"),
                row(
                        "set not null after a validated check, the pattern both peers recommend",
                        "ALTER TABLE orders ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
                                + "ALTER TABLE orders VALIDATE CONSTRAINT email_nn;\n"
                                + "ALTER TABLE orders ALTER COLUMN email SET NOT NULL;"),
                row(
                        "DO block that only inserts and tests rows",
                        "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM settings WHERE k = 'a') THEN\n"
                                + "    INSERT INTO settings (k, v) VALUES ('a', '1');\n  END IF;\n"
                                + "  RAISE NOTICE 'done';\nEND\n$$;"),
                row(
                        "DO block with EXECUTE of a harmless literal",
                        "DO $$ BEGIN EXECUTE 'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (c)'; END $$;"),
                row("drop type without cascade fails while in use, loses nothing", "DROP TYPE IF EXISTS old_status;"),
                row(
                        "new table filled from literals stays new",
                        "CREATE TABLE codes (c text);\nINSERT INTO codes VALUES ('a'), ('b');\nDROP TABLE codes;"),
                row(
                        "new table filled from another new table stays new",
                        "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nINSERT INTO b SELECT id FROM a;\n"
                                + "DROP TABLE b;"),
                row(
                        "new table filled through a CTE of new tables stays new",
                        "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n"
                                + "WITH x AS (SELECT id FROM a) INSERT INTO b SELECT id FROM x;\nTRUNCATE b;"),
                row("create database in a comment only", "-- DROP DATABASE other_db;\nSELECT 1;"),
                row("create enum type", "CREATE TYPE mood AS ENUM ('a','b');"),
                row("create extension", "CREATE EXTENSION IF NOT EXISTS pgcrypto;"),
                row("create sequence", "CREATE SEQUENCE s START 10;"),
                row(
                        "function with $$ body naming DROP TABLE",
                        "CREATE FUNCTION purge() RETURNS void AS $$\nBEGIN\n  DROP TABLE orders;\n  DELETE FROM lines;\n"
                                + "END;\n$$ LANGUAGE plpgsql;"),
                row(
                        "function with $tag$ body and semicolons",
                        "CREATE OR REPLACE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
                                + "BEGIN TRUNCATE orders; RETURN NULL; END; $fn$;"),
                row(
                        "SQL-standard function body is defined, not run",
                        "CREATE FUNCTION clear() RETURNS void LANGUAGE sql\nBEGIN ATOMIC\n  DELETE FROM orders;\nEND;"),
                row("comment", "COMMENT ON TABLE orders IS 'DROP TABLE orders; is never run';"),
                row("grant", "GRANT SELECT, INSERT ON orders TO reporting;"),
                row("insert", "INSERT INTO orders (note) VALUES ('DELETE FROM orders');"),
                row("update with where", "UPDATE orders SET status = 'paid' WHERE id = 1;"),
                row("delete with where", "DELETE FROM orders WHERE created_at < now() - interval '30 days';"),
                row("drop index concurrently", "DROP INDEX CONCURRENTLY IF EXISTS idx;"),
                row("drop view", "DROP VIEW IF EXISTS open_orders;"),
                row("alter type add value", "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'c';"),
                row(
                        "add constraint not valid, then validate",
                        "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id)\n"
                                + "  REFERENCES customers (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;"),
                row(
                        "drop not null and defaults",
                        "ALTER TABLE orders ALTER COLUMN note DROP NOT NULL,\n"
                                + "  ALTER COLUMN status SET DEFAULT 'new';"),
                row("session settings", "SET lock_timeout = '5s';\nSELECT set_config('search_path', 'public', true);"),
                row(
                        "set not null on a column of a table this file creates",
                        "CREATE TABLE customers (id int, email text);\n"
                                + "ALTER TABLE customers ALTER COLUMN email SET NOT NULL;"),
                row(
                        "set not null, type change, drop and rename of a column this file adds",
                        "ALTER TABLE orders ADD COLUMN ref text;\nALTER TABLE orders ALTER COLUMN ref SET NOT NULL;\n"
                                + "ALTER TABLE orders ALTER COLUMN ref TYPE varchar(64);\n"
                                + "ALTER TABLE orders RENAME COLUMN ref TO reference;\n"
                                + "ALTER TABLE orders DROP COLUMN reference;"),
                row(
                        "scratch table created from literals, emptied and dropped",
                        "CREATE TABLE tmp_ids (id int);\nINSERT INTO tmp_ids VALUES (1), (2);\n"
                                + "DELETE FROM tmp_ids;\nTRUNCATE tmp_ids;\nDROP TABLE tmp_ids;"),
                row(
                        "backfill of a column this file adds",
                        "ALTER TABLE orders ADD COLUMN status text;\nUPDATE orders SET status = 'new';"),
                // --- newer syntax: PostgreSQL 18's grammar parses it (15's rejected every one) ---
                row("PostgreSQL 16: SQL/JSON constructor", "SELECT JSON_OBJECT('a': 1);"),
                row(
                        "PostgreSQL 17: MERGE ... RETURNING",
                        "MERGE INTO orders o USING incoming i ON o.id = i.id WHEN MATCHED THEN UPDATE SET total = i.total RETURNING o.id;"),
                row(
                        "PostgreSQL 17: JSON_TABLE",
                        "SELECT jt.sku, jt.qty FROM orders,\n"
                                + "  JSON_TABLE(orders.doc, '$.items[*]' COLUMNS (sku text PATH '$.sku', qty int PATH '$.qty')) AS jt;"),
                row(
                        "PostgreSQL 18: virtual generated column",
                        "ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) VIRTUAL;"),
                row(
                        "PostgreSQL 18: a virtual column this file adds is new, so dropping it loses nothing",
                        "ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) VIRTUAL;\n"
                                + "ALTER TABLE orders DROP COLUMN total_cents;"),
                row(
                        "renamed new table keeps being new",
                        "CREATE TABLE a (id int);\nALTER TABLE a RENAME TO b;\nDROP TABLE b;"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("statements")
    void table(String name, String sql, List<Expected> expected) {
        assertThat(expected(SqlLint.lint(FILE, sql))).as(sql).containsExactlyElementsOf(expected);
    }

    /** Every rule SqlLint can report is expected by at least one row of the table (the rules, not the row count). */
    @Test
    void theTableExercisesEveryRule() throws IllegalAccessException {
        Set<String> rules = new TreeSet<>();
        for (Field f : SqlLint.class.getFields()) {
            int mod = f.getModifiers();
            if (Modifier.isStatic(mod) && Modifier.isFinal(mod) && f.getType() == String.class) {
                rules.add((String) f.get(null));
            }
        }
        Set<String> expected = statements()
                .flatMap(a -> ((List<?>) a.get()[2]).stream())
                .map(e -> ((Expected) e).rule())
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(rules).isNotEmpty();
        assertThat(expected).as("rules no row of the table expects").containsAll(rules);
    }

    @Test
    void lineNumbersWithCommentsAndSeveralStatementsPerFile() {
        String sql = """
                -- Flyway V3: tidy orders
                /* a block comment /* nested */
                   over lines */

                CREATE TABLE audit (id int); DROP TABLE legacy_audit;
                /* before, same line */ ALTER TABLE orders
                    DROP COLUMN note;   -- trailing comment

                CREATE FUNCTION f() RETURNS int AS $$
                  SELECT 1; -- DROP TABLE orders;
                $$ LANGUAGE sql;
                TRUNCATE
                  -- inside a statement
                  lines
                """;
        assertThat(expected(SqlLint.lint(FILE, sql)))
                .containsExactly(blocks(5, DROP_TABLE), blocks(6, DROP_COLUMN), blocks(12, TRUNCATE));
        List<Finding> findings = SqlLint.lint(FILE, sql);
        assertThat(findings.get(1).statement()).isEqualTo("ALTER TABLE orders DROP COLUMN note");
        assertThat(findings.get(2).statement()).isEqualTo("TRUNCATE -- inside a statement lines");
    }

    @Test
    void crlfLineEndings() {
        assertThat(expected(SqlLint.lint(FILE, "-- x\r\n\r\nDROP TABLE orders;\r\n")))
                .containsExactly(blocks(3, DROP_TABLE));
    }

    @Test
    void seedIncidentSafeMigrationHasNoFinding() {
        String migration = """
                -- AlterTable
                ALTER TABLE "orders" ADD COLUMN "customer_reference" TEXT;
                """;
        assertThat(SqlLint.lint(List.of(new MigrationFile("20261125_add_reference/migration.sql", migration))))
                .isEmpty();
    }

    @Test
    void seedIncidentDropAndRecreateNamesBothLines() {
        String migration = """
                /*
                  Warnings:

                  - You are about to drop the `orders` table. If the table is not empty, all the data it contains will be lost.

                */
                -- DropTable
                DROP TABLE "orders";

                -- CreateTable
                CREATE TABLE "orders" (
                    "id" SERIAL NOT NULL,
                    "total" DECIMAL(65,30) NOT NULL,
                    "customer_reference" TEXT,

                    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
                );
                """;
        String file = "20261125_add_reference/migration.sql";
        List<Finding> findings = SqlLint.lint(file, migration);
        assertThat(findings)
                .extracting(Finding::file, Finding::line, Finding::rule, Finding::destructive)
                .containsExactly(tuple(file, 8, DROP_TABLE, true), tuple(file, 8, RECREATE_TABLE, true));
        assertThat(findings.get(0).message()).isEqualTo("drops table orders: its rows are lost");
        assertThat(findings.get(1).message())
                .isEqualTo("drops table orders (line 8) and creates it again (line 11): every existing row is lost, "
                        + "the new table starts empty");
        assertThat(findings.get(1).statement()).isEqualTo("DROP TABLE \"orders\"");
    }

    @Test
    void recreateAcrossPendingFiles() {
        List<Finding> findings = SqlLint.lint(List.of(
                new MigrationFile("V1__drop.sql", "SELECT 1;\nDROP TABLE orders;"),
                new MigrationFile("V2__other.sql", "CREATE TABLE lines (id int);"),
                new MigrationFile("V3__create.sql", "-- again\n\nCREATE TABLE orders (id int);")));
        assertThat(findings)
                .extracting(Finding::file, Finding::line, Finding::rule, Finding::destructive)
                .containsExactly(
                        tuple("V1__drop.sql", 2, DROP_TABLE, true), tuple("V1__drop.sql", 2, RECREATE_TABLE, true));
        assertThat(findings.get(1).message()).contains("(line 2)").contains("(V3__create.sql line 3)");
    }

    @Test
    void columnsCreatedByAnEarlierPendingFileAreNotExisting() {
        List<Finding> findings = SqlLint.lint(List.of(
                new MigrationFile("V1__customers.sql", "CREATE TABLE customers (id int, email text);"),
                new MigrationFile("V2__ref.sql", "ALTER TABLE orders ADD COLUMN ref text;"),
                new MigrationFile(
                        "V3__not_null.sql",
                        "ALTER TABLE customers ALTER COLUMN email SET NOT NULL;\n"
                                + "ALTER TABLE orders ALTER COLUMN ref SET NOT NULL;\n"
                                + "ALTER TABLE orders ALTER COLUMN email SET NOT NULL;")));
        assertThat(findings)
                .extracting(Finding::file, Finding::line, Finding::rule, Finding::severity)
                .containsExactly(tuple("V3__not_null.sql", 3, SET_NOT_NULL, Severity.HAZARD));
        assertThat(findings.get(0).message()).startsWith("sets orders.email NOT NULL");
    }

    @Test
    void schemaQualifiedAndUnqualifiedNamesMeetInPublic() {
        assertThat(expected(SqlLint.lint(FILE, "DROP TABLE public.orders;\nCREATE TABLE orders (id int);")))
                .containsExactly(blocks(1, DROP_TABLE), blocks(1, RECREATE_TABLE));
        assertThat(expected(SqlLint.lint(FILE, "DROP TABLE archive.orders;\nCREATE TABLE orders (id int);")))
                .containsExactly(blocks(1, DROP_TABLE));
    }

    @Test
    void messagesNameWhatIsLost() {
        assertThat(SqlLint.lint(FILE, "ALTER TABLE orders DROP COLUMN note;"))
                .singleElement()
                .extracting(Finding::message)
                .isEqualTo("drops column orders.note: its data is lost");
        assertThat(SqlLint.lint(FILE, "ALTER TABLE \"Orders\" DROP COLUMN \"Note\";"))
                .singleElement()
                .extracting(Finding::message)
                .isEqualTo("drops column \"Orders\".\"Note\": its data is lost");
        assertThat(SqlLint.lint(FILE, "ALTER TABLE \"orders\" ALTER COLUMN \"total\" SET DATA TYPE DECIMAL(65,30);"))
                .singleElement()
                .extracting(Finding::message)
                .asString()
                .startsWith("changes the type of orders.total to numeric(65,30): ");
        assertThat(SqlLint.lint(FILE, "DROP TABLE a, s.b;"))
                .singleElement()
                .extracting(Finding::message)
                .isEqualTo("drops tables a, s.b: their rows are lost");
        assertThat(SqlLint.lint(FILE, "UPDATE orders SET status = 'x', total = 0;"))
                .singleElement()
                .extracting(Finding::message)
                .isEqualTo("updates every row of orders (no WHERE): the old values of status, total are lost");
        assertThat(SqlLint.lint(FILE, "ALTER TABLE t ALTER c TYPE int[], ALTER d TYPE varchar(10);"))
                .singleElement()
                .extracting(Finding::message)
                .asString()
                .startsWith("changes the type of t.c to integer[], t.d to varchar(10): ");
    }

    @Test
    void garbageIsUnparseableWithTheParsersMessage() {
        List<Finding> findings = SqlLint.lint(FILE, "-- oops\nSELECT 1;\nthis is\n  not sql;\n");
        assertThat(expected(findings)).containsExactly(blocks(3, UNPARSEABLE));
        Finding finding = findings.get(0);
        assertThat(finding.message())
                .isEqualTo("PostgreSQL's parser rejects it: syntax error at or near \"this\" (line 3)");
        assertThat(finding.statement()).isEqualTo("this is not sql");
        assertThat(finding.statementHash()).isEqualTo(sha256("this is not sql"));
    }

    @Test
    void unparseableMessageIsOneLine() {
        List<Finding> findings = SqlLint.lint(FILE, "SELECT 1;\nSELECT 'never\nclosed");
        assertThat(expected(findings)).containsExactly(blocks(1, UNPARSEABLE));
        assertThat(findings.get(0).message())
                .doesNotContain("\n")
                .contains("unterminated quoted string")
                .endsWith("(line 2)");
    }

    @Test
    void nulCharacterIsUnparseable() {
        assertThat(expected(SqlLint.lint(FILE, "SELECT 1;\nDROP TABLE a\0;"))).containsExactly(blocks(1, UNPARSEABLE));
    }

    @Test
    void statementHashIsStableAcrossWhitespaceAndCommentsAround() {
        String hash = sha256("ALTER TABLE orders DROP COLUMN note");
        for (String sql : List.of(
                "ALTER TABLE orders DROP COLUMN note;",
                "  ALTER TABLE orders\n\tDROP   COLUMN note  ;\n",
                "-- AlterTable\nALTER TABLE orders\r\n    DROP COLUMN note -- gone\n;",
                "/* v2 */ ALTER TABLE orders DROP COLUMN note")) {
            assertThat(SqlLint.lint(FILE, sql))
                    .as(sql)
                    .singleElement()
                    .extracting(Finding::statementHash)
                    .isEqualTo(hash);
        }
        // A comment inside the statement is part of it: changing it asks for a new approval.
        assertThat(SqlLint.lint(FILE, "ALTER TABLE orders /* ok'd by ops */ DROP COLUMN note;"))
                .singleElement()
                .extracting(Finding::statementHash)
                .isNotEqualTo(hash);
        // Findings of one statement share its hash.
        List<Finding> two = SqlLint.lint(FILE, "DROP TABLE orders; CREATE TABLE orders (id int);");
        assertThat(two).extracting(Finding::statementHash).containsOnly(sha256("DROP TABLE orders"));
    }

    @Test
    void longStatementsAreShortenedForDisplayOnly() {
        String columns = String.join(", ", Collections.nCopies(60, "c"));
        String sql = "UPDATE orders SET (" + columns + ") = (" + columns + ");";
        Finding finding = SqlLint.lint(FILE, sql).get(0);
        assertThat(finding.statement())
                .hasSize(SqlLint.STATEMENT_DISPLAY_LENGTH)
                .endsWith("…");
        assertThat(finding.statementHash()).isEqualTo(sha256(sql.substring(0, sql.length() - 1)));
    }

    @Test
    void rulesRunOnParseTreesWithoutTheParser() throws Exception {
        var tree = new ObjectMapper().readTree("""
                {"AlterTableStmt": {"relation": {"relname": "orders"}, "objtype": "OBJECT_TABLE",
                 "cmds": [{"AlterTableCmd": {"subtype": "AT_DropColumn", "name": "note"}}]}}""");
        List<Finding> findings = SqlLint.check(List.of(new SqlLint.ParsedFile(
                FILE, List.of(new Statement(4, "ALTER TABLE orders DROP COLUMN note", tree, null)))));
        assertThat(expected(findings)).containsExactly(blocks(4, DROP_COLUMN));
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
