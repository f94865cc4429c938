package io.schemaguard.runner.migration.lint;

import com.fasterxml.jackson.databind.JsonNode;
import io.schemaguard.runner.migration.lint.PgQueryParser.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The SQL a {@code DO} block runs, read from libpg_query's PL/pgSQL parse tree: each embedded
 * statement, parsed like top-level SQL, and each {@code EXECUTE}, whose string is parsed when it is a
 * literal and reported as dynamic when it is computed (what it runs is known only at run time).
 *
 * @param statements the embedded statements, their lines counted from the DO statement's first line
 * @param dynamic lines (likewise) of {@code EXECUTE}s of computed strings
 * @param error why the body could not be read (PL/pgSQL syntax, or a language other than PL/pgSQL)
 */
public record PlpgsqlBody(List<Statement> statements, List<Integer> dynamic, String error) {

    /** Statement kinds whose {@code query}/{@code sqlstmt} expression is SQL run as written. */
    private static final Map<String, String> STATIC = Map.of(
            "PLpgSQL_stmt_execsql",
            "sqlstmt",
            "PLpgSQL_stmt_fors",
            "query",
            "PLpgSQL_stmt_return_query",
            "query",
            "PLpgSQL_stmt_forc",
            "query");
    /** Statement kinds whose expression is a string that is run as SQL. */
    private static final Map<String, String> DYNAMIC = Map.of(
            "PLpgSQL_stmt_dynexecute",
            "query",
            "PLpgSQL_stmt_dynfors",
            "query",
            "PLpgSQL_stmt_return_query",
            "dynquery",
            "PLpgSQL_stmt_open",
            "dynquery");

    public static PlpgsqlBody failed(String error) {
        return new PlpgsqlBody(List.of(), List.of(), error);
    }

    /**
     * Reads the body of the DO statement {@code doStatement} (starting at {@code line} of its file).
     * {@code language} is the DO's LANGUAGE ({@code plpgsql} when none is given).
     */
    public static PlpgsqlBody read(PgQueryParser parser, Statement doStatement, String language) {
        if (!"plpgsql".equals(language)) {
            return failed("LANGUAGE " + language + " is not PL/pgSQL, so its body cannot be analysed");
        }
        PgQueryParser.PlpgsqlResult result = parser.parsePlpgsql(doStatement.text());
        if (result.error() != null) {
            return failed("its PL/pgSQL body does not parse: " + result.error());
        }
        List<Statement> statements = new ArrayList<>();
        List<Integer> dynamic = new ArrayList<>();
        walk(parser, result.functions(), doStatement.line(), statements, dynamic);
        return new PlpgsqlBody(statements, dynamic, null);
    }

    private static void walk(
            PgQueryParser parser, JsonNode node, int firstLine, List<Statement> statements, List<Integer> dynamic) {
        if (node.isArray()) {
            node.forEach(child -> walk(parser, child, firstLine, statements, dynamic));
            return;
        }
        if (!node.isObject()) {
            return;
        }
        node.fields().forEachRemaining(field -> {
            JsonNode value = field.getValue();
            int line = firstLine + Math.max(0, value.path("lineno").asInt(1) - 1);
            String staticKey = STATIC.get(field.getKey());
            if (staticKey != null && value.has(staticKey)) {
                String sql =
                        value.path(staticKey).path("PLpgSQL_expr").path("query").asText("");
                for (Statement s : parser.parse(sql)) {
                    statements.add(new Statement(line, s.text(), s.tree(), s.error()));
                }
            }
            String dynamicKey = DYNAMIC.get(field.getKey());
            if (dynamicKey != null && value.has(dynamicKey)) {
                String expression = value.path(dynamicKey)
                        .path("PLpgSQL_expr")
                        .path("query")
                        .asText("");
                String literal = literal(parser, expression);
                if (literal == null) {
                    dynamic.add(line);
                } else {
                    for (Statement s : parser.parse(literal)) {
                        statements.add(new Statement(line, s.text(), s.tree(), s.error()));
                    }
                }
            }
            walk(parser, value, firstLine, statements, dynamic);
        });
    }

    /** The string an expression is when it is one string constant ({@code 'DROP TABLE t'}), else {@code null}. */
    private static String literal(PgQueryParser parser, String expression) {
        List<Statement> parsed = parser.parse("SELECT " + expression);
        if (parsed.size() != 1 || !parsed.get(0).parsed()) {
            return null;
        }
        JsonNode targets = parsed.get(0).tree().path("SelectStmt").path("targetList");
        if (targets.size() != 1 || parsed.get(0).tree().path("SelectStmt").has("fromClause")) {
            return null;
        }
        JsonNode constant = targets.get(0).path("ResTarget").path("val").path("A_Const");
        JsonNode value = constant.path("sval").path("sval");
        return value.isTextual() ? value.asText() : null;
    }
}
