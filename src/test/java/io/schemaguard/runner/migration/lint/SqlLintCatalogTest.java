package io.schemaguard.runner.migration.lint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.schemaguard.runner.migration.lint.Finding.Loss;
import io.schemaguard.runner.migration.lint.Finding.Severity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules that ask the database: a catalog given as a table of answers. */
class SqlLintCatalogTest {
    static final String FILE = "V9__x.sql";

    /** Answers from maps: CASCADE losses by the dropped object's display name, column types by "table.column". */
    record FakeCatalog(Map<String, List<Loss>> cascades, Map<String, String> types, List<String> provenNotNull)
            implements Catalog {
        @Override
        public List<Loss> cascadeLosses(DropTarget target) {
            return cascades.get(target.kind() + " " + target.display());
        }

        @Override
        public String columnType(String schema, String table, String column) {
            return types.get(table + "." + column);
        }

        @Override
        public boolean provenNotNull(String schema, String table, String column) {
            return provenNotNull.contains(table + "." + column);
        }
    }

    static final FakeCatalog SHOP = new FakeCatalog(
            Map.of(
                    "OBJECT_TYPE order_status",
                            List.of(new Loss("public", "orders", "status"), new Loss("public", "returns", "status")),
                    "OBJECT_EXTENSION hstore", List.of(new Loss("public", "products", "attributes")),
                    "OBJECT_TYPE unused_status", List.of(),
                    "OBJECT_FUNCTION next_ref(integer)", List.of(),
                    "OBJECT_SCHEMA archive",
                            List.of(Loss.table("archive", "orders_2019"), Loss.table("archive", "orders_2020")),
                    "OBJECT_TABLE customers",
                            List.of(Loss.table("public", "customers"), new Loss("public", "orders", "customer_row"))),
            Map.of(
                    "orders.note",
                    "character varying(20)",
                    "orders.code",
                    "character(3)",
                    "orders.total",
                    "numeric(10,2)"),
            List.of("orders.email"));

    static List<Finding> lint(String sql) {
        return SqlLint.lint(List.of(new MigrationFile(FILE, sql)), SHOP);
    }

    @Test
    void cascadeReportsEachLostColumnAsItsOwnFinding() {
        List<Finding> findings = lint("DROP TYPE order_status CASCADE;");
        assertThat(findings)
                .extracting(Finding::rule, Finding::severity, Finding::message)
                .containsExactly(
                        tuple(
                                SqlLint.CASCADE_DROP,
                                Severity.DATA_LOSS,
                                "drops column orders.status through DROP TYPE order_status CASCADE: its data is lost"),
                        tuple(
                                SqlLint.CASCADE_DROP,
                                Severity.DATA_LOSS,
                                "drops column returns.status through DROP TYPE order_status CASCADE: its data is lost"));
        assertThat(findings.get(0).losses()).containsExactly(new Loss("public", "orders", "status"));
        assertThat(findings)
                .extracting(Finding::statementHash)
                .containsOnly(SqlLint.statementHash("DROP TYPE order_status CASCADE"));
    }

    @Test
    void cascadeThatTakesNothingIsNoFinding() {
        assertThat(lint("DROP TYPE unused_status CASCADE;\nDROP FUNCTION next_ref(int) CASCADE;"))
                .isEmpty();
    }

    @Test
    void cascadeOfAnExtensionAndOfATable() {
        assertThat(lint("DROP EXTENSION hstore CASCADE;"))
                .extracting(Finding::message)
                .containsExactly(
                        "drops column products.attributes through DROP EXTENSION hstore CASCADE: its data is lost");
        List<Finding> table = lint("DROP TABLE customers CASCADE;");
        assertThat(table).extracting(Finding::rule).containsExactly(SqlLint.DROP_TABLE, SqlLint.CASCADE_DROP);
        assertThat(table.get(1).losses()).containsExactly(new Loss("public", "orders", "customer_row"));
    }

    @Test
    void dropSchemaCascadeNamesItsTables() {
        Finding f = lint("DROP SCHEMA archive CASCADE;").get(0);
        assertThat(f.rule()).isEqualTo(SqlLint.DROP_SCHEMA);
        assertThat(f.message())
                .isEqualTo("drops schema archive with everything in it: table archive.orders_2019,"
                        + " table archive.orders_2020 and their rows are lost");
        assertThat(f.losses()).hasSize(2);
    }

    @Test
    void anObjectTheCatalogDoesNotKnowStillBlocks() {
        assertThat(lint("DROP DOMAIN email CASCADE;"))
                .extracting(Finding::rule, Finding::severity)
                .containsExactly(tuple(SqlLint.CASCADE_DROP, Severity.DATA_LOSS));
    }

    @Test
    void typeChangesThatKeepEveryValueAreNoFinding() {
        assertThat(lint("ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);"))
                .isEmpty();
        assertThat(lint("ALTER TABLE orders ALTER COLUMN note TYPE text;")).isEmpty();
        assertThat(lint("ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);"))
                .isEmpty();
        // values can change: shorter, another scale, another type, or a USING expression
        assertThat(lint("ALTER TABLE orders ALTER COLUMN note TYPE varchar(10);"))
                .extracting(Finding::rule)
                .containsExactly(SqlLint.ALTER_COLUMN_TYPE);
        assertThat(lint("ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,1);"))
                .extracting(Finding::rule)
                .containsExactly(SqlLint.ALTER_COLUMN_TYPE);
        assertThat(lint("ALTER TABLE orders ALTER COLUMN code TYPE varchar(3);"))
                .extracting(Finding::rule)
                .containsExactly(SqlLint.ALTER_COLUMN_TYPE);
        assertThat(lint("ALTER TABLE orders ALTER COLUMN note TYPE text USING upper(note);"))
                .extracting(Finding::rule)
                .containsExactly(SqlLint.ALTER_COLUMN_TYPE);
        assertThat(lint("ALTER TABLE orders ALTER COLUMN missing TYPE text;"))
                .as("unknown column: assume the worst")
                .extracting(Finding::rule)
                .containsExactly(SqlLint.ALTER_COLUMN_TYPE);
    }

    @Test
    void setNotNullAfterAValidatedCheckInTheDatabaseIsNoFinding() {
        assertThat(lint("ALTER TABLE orders ALTER COLUMN email SET NOT NULL;")).isEmpty();
        assertThat(lint("ALTER TABLE orders ALTER COLUMN phone SET NOT NULL;"))
                .extracting(Finding::rule)
                .containsExactly(SqlLint.SET_NOT_NULL);
    }

    @Test
    void aCheckAddedNotValidAndNeverValidatedProvesNothing() {
        assertThat(lint("ALTER TABLE orders ADD CONSTRAINT p_nn CHECK (phone IS NOT NULL) NOT VALID;\n"
                        + "ALTER TABLE orders ALTER COLUMN phone SET NOT NULL;"))
                .extracting(Finding::rule)
                .containsExactly(SqlLint.SET_NOT_NULL);
    }

    @Test
    void typeChangesTable() {
        assertThat(TypeChanges.preservesValues("character varying(20)", "varchar(20)"))
                .isTrue();
        assertThat(TypeChanges.preservesValues("character varying", "text")).isTrue();
        assertThat(TypeChanges.preservesValues("text", "varchar")).isTrue();
        assertThat(TypeChanges.preservesValues("text", "varchar(100)")).isFalse();
        assertThat(TypeChanges.preservesValues("numeric(10,2)", "numeric")).isTrue();
        assertThat(TypeChanges.preservesValues("numeric", "numeric(10,2)")).isFalse();
        assertThat(TypeChanges.preservesValues("numeric(10,2)", "numeric(9,2)")).isFalse();
        assertThat(TypeChanges.preservesValues("cidr", "inet")).isTrue();
        assertThat(TypeChanges.preservesValues("integer", "bigint"))
                .as("a rewrite, even if values fit")
                .isFalse();
        assertThat(TypeChanges.preservesValues("character varying(20)[]", "text[]"))
                .isTrue();
        assertThat(TypeChanges.preservesValues("character varying(20)[]", "text"))
                .isFalse();
        assertThat(TypeChanges.preservesValues(null, "text")).isFalse();
    }
}
