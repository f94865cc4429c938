package io.schemaguard.runner.migration.lint;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits SQL into statements and parses each with PostgreSQL's own parser: libpg_query 18.1.0, the
 * PostgreSQL 18 (18.6) server's grammar and scanner as a C library, called through JNA. It accepts
 * exactly what a PostgreSQL 18 server accepts (MERGE ... RETURNING, JSON_TABLE, virtual generated
 * columns, ...), so a legitimate migration is never refused for its syntax.
 * <p>
 * Where the library comes from: scripts/build-pg-query.sh builds it from the C sources that the
 * Rust crate {@code pg_query} 18.1.0 bundles (pinned by SHA-256): it ships libpg_query's own sources on
 * a registry this project reaches. The image carries that build at {@value #IMAGE_LIBRARY}. Debian only packages libpg_query for
 * PostgreSQL 15, and the npm registry's libpg_query is a WebAssembly build that needs Emscripten's
 * JavaScript glue to run, which a JVM WebAssembly runtime does not provide. The system's libpg_query is
 * never loaded: another grammar would silently change what the lint blocks.
 * <p>
 * Why not a pure-Java parser: JSqlParser 5.3 was evaluated and rejects common PostgreSQL migrations:
 * {@code CREATE INDEX CONCURRENTLY idx ON t (c)}, {@code CREATE TYPE mood AS ENUM ('a','b')},
 * {@code DO $$ ... $$}, {@code CREATE EXTENSION IF NOT EXISTS pgcrypto}, {@code CREATE SEQUENCE s START 10},
 * and {@code ALTER TABLE t ALTER COLUMN c SET DATA TYPE DECIMAL(65,30)}, which Prisma generates. Each
 * would be an {@code unparseable} finding that blocks a legitimate migration.
 * <p>
 * Thread-safe: libpg_query keeps its memory per thread and frees every result we free here.
 */
public final class PgQueryParser {

    /**
     * One statement: the 1-based line of its first token, its text from its first to its last token
     * (comments and blank lines around it are left out, comments inside are kept), and either its parse
     * tree (the statement node, e.g. {@code {"DropStmt": {...}}}) or the parser's error.
     */
    public record Statement(int line, String text, JsonNode tree, String error) {
        public boolean parsed() {
            return error == null;
        }
    }

    /**
     * What {@link #parsePlpgsql(String)} returns: the PL/pgSQL functions as libpg_query's JSON array (one
     * {@code {"PLpgSQL_function": {...}}} per DO block or function), or null and the parser's error.
     */
    public record PlpgsqlResult(JsonNode functions, String error) {
        public boolean parsed() {
            return error == null;
        }
    }

    /** The libpg_query release scripts/build-pg-query.sh builds; the cache path names it. */
    static final String VERSION = "18.1.0";
    /** A file path that overrides where the library is looked for. */
    static final String LIBRARY_ENV = "SCHEMAGUARD_PG_QUERY_LIB";
    /** Where the image puts the library (Dockerfile). */
    static final String IMAGE_LIBRARY = "/usr/lib/schemaguard/libpg_query.so";
    /** PostgreSQL 18 syntax that PostgreSQL 17's grammar rejects: a library that fails it is not the one we pinned. */
    static final String GRAMMAR_PROBE = "ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS (1) VIRTUAL";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Scanner tokens that are comments (pg_query.proto, enum Token). */
    private static final int SQL_COMMENT = 275;

    private static final int C_COMMENT = 276;

    private static volatile PgQueryParser shared;

    private final PgQuery lib;

    private PgQueryParser(PgQuery lib) {
        this.lib = lib;
    }

    /**
     * The parser over libpg_query 18.1.0 ({@link #locate}); throws {@link IllegalStateException} when it
     * is not found or is not PostgreSQL 18's grammar.
     */
    public static PgQueryParser get() {
        PgQueryParser parser = shared;
        if (parser == null) {
            synchronized (PgQueryParser.class) {
                if (shared == null) {
                    shared = new PgQueryParser(load());
                }
                parser = shared;
            }
        }
        return parser;
    }

    /** The statements of {@code sql} in order; none for a blank or comment-only text. */
    public List<Statement> parse(String sql) {
        byte[] bytes = sql.getBytes(UTF_8);
        Source source = new Source(bytes);
        int nul = sql.indexOf('\0');
        if (nul >= 0) {
            // C strings end at NUL: the parser would see only a prefix, so the file cannot be analysed.
            return List.of(source.rejected(
                    0,
                    bytes.length,
                    "contains a NUL character (line "
                            + source.line(sql.substring(0, nul).getBytes(UTF_8).length) + ")"));
        }
        Outcome whole = parse(bytes, 0, bytes.length);
        if (whole.error == null) {
            return source.statements(whole.statements, tokens(bytes));
        }
        // Report every statement, not just the first error: split with the scanner, parse each piece alone.
        Split split = split(bytes);
        if (split.error != null) {
            return List.of(source.rejected(0, bytes.length, source.withLine(whole.error, whole.errorOffset)));
        }
        int[][] tokens = tokens(bytes);
        List<Statement> statements = new ArrayList<>();
        for (int[] piece : split.pieces) {
            Outcome outcome = parse(bytes, piece[0], piece[1]);
            if (outcome.error == null) {
                statements.addAll(source.statements(outcome.statements, tokens));
            } else {
                // Alone, a piece ends before its semicolon; the whole text's error, where it falls in this
                // piece, is what PostgreSQL says when it runs the file ("at or near ";"", not "at end of input").
                boolean first = whole.errorOffset >= piece[0] && whole.errorOffset <= piece[1];
                Outcome error = first ? whole : outcome;
                int[] range = source.trim(piece[0], piece[1], tokens);
                statements.add(source.rejected(range[0], range[1], source.withLine(error.error, error.errorOffset)));
            }
        }
        return statements;
    }

    /**
     * Parses PL/pgSQL: {@code sql} is a {@code DO} statement or a {@code CREATE FUNCTION ... LANGUAGE plpgsql}
     * (several are allowed), and the result holds each body's statement tree, where embedded SQL is
     * {@code PLpgSQL_stmt_execsql} and {@code EXECUTE} is {@code PLpgSQL_stmt_dynexecute}, each with its
     * query text in {@code PLpgSQL_expr.query}.
     */
    public PlpgsqlResult parsePlpgsql(String sql) {
        if (sql.indexOf('\0') >= 0) {
            return new PlpgsqlResult(null, "contains a NUL character"); // C strings end at NUL
        }
        byte[] bytes = sql.getBytes(UTF_8);
        PgQuery.PlpgsqlParseResult.ByValue result = lib.pg_query_parse_plpgsql(cString(bytes, 0, bytes.length));
        try {
            if (result.error != null) {
                PgQuery.Error error = new PgQuery.Error(result.error);
                int offset = error.cursorpos > 0 ? byteOffset(bytes, 0, error.cursorpos - 1) : -1;
                return new PlpgsqlResult(null, new Source(bytes).withLine(string(error.message), offset));
            }
            String functions = string(result.plpgsql_funcs);
            return functions == null
                    ? new PlpgsqlResult(null, "libpg_query returned no PL/pgSQL tree")
                    : new PlpgsqlResult(JSON.readTree(functions), null);
        } catch (IOException e) {
            throw new UncheckedIOException("libpg_query returned a PL/pgSQL tree that is not JSON", e);
        } finally {
            lib.pg_query_free_plpgsql_parse_result(result);
        }
    }

    // --- libpg_query calls --------------------------------------------------------------------------

    /** A statement the parser returned: its byte range in the file (comments around included) and tree. */
    private record Parsed(int start, int end, JsonNode tree) {}

    /** Parsed statements, or the parser's error and its byte offset in the file (-1 when unknown). */
    private record Outcome(List<Parsed> statements, String error, int errorOffset) {}

    private record Split(List<int[]> pieces, String error) {}

    private Outcome parse(byte[] bytes, int from, int to) {
        PgQuery.ParseResult.ByValue result = lib.pg_query_parse(cString(bytes, from, to));
        try {
            if (result.error != null) {
                PgQuery.Error error = new PgQuery.Error(result.error);
                int offset = error.cursorpos > 0 ? from + byteOffset(bytes, from, error.cursorpos - 1) : -1;
                return new Outcome(null, string(error.message), offset);
            }
            JsonNode tree = JSON.readTree(string(result.parse_tree));
            List<Parsed> statements = new ArrayList<>();
            for (JsonNode raw : tree.path("stmts")) {
                // stmt_location and stmt_len are byte offsets; protobuf JSON leaves out zeros, and a zero
                // length means "to the end of the text".
                int start = from + raw.path("stmt_location").asInt(0);
                int len = raw.path("stmt_len").asInt(0);
                statements.add(new Parsed(start, len == 0 ? to : start + len, raw.path("stmt")));
            }
            return new Outcome(statements, null, -1);
        } catch (IOException e) {
            throw new UncheckedIOException("libpg_query returned a parse tree that is not JSON", e);
        } finally {
            lib.pg_query_free_parse_result(result);
        }
    }

    private Split split(byte[] bytes) {
        PgQuery.SplitResult.ByValue result = lib.pg_query_split_with_scanner(cString(bytes, 0, bytes.length));
        try {
            if (result.error != null) {
                return new Split(null, string(new PgQuery.Error(result.error).message));
            }
            List<int[]> pieces = new ArrayList<>();
            Pointer[] stmts = result.n_stmts == 0 ? new Pointer[0] : result.stmts.getPointerArray(0, result.n_stmts);
            for (Pointer stmt : stmts) {
                int location = stmt.getInt(0);
                int len = stmt.getInt(4);
                pieces.add(new int[] {location, len == 0 ? bytes.length : location + len});
            }
            return new Split(pieces, null);
        } finally {
            lib.pg_query_free_split_result(result);
        }
    }

    /** The scanner's tokens that are not comments, as {start, end} byte offsets; empty when the scan fails. */
    private int[][] tokens(byte[] bytes) {
        PgQuery.ScanResult.ByValue result = lib.pg_query_scan(cString(bytes, 0, bytes.length));
        try {
            if (result.error != null || result.pbuf.data == null) {
                return new int[0][];
            }
            byte[] pbuf = result.pbuf.data.getByteArray(0, result.pbuf.len.intValue());
            return ScanTokens.decode(pbuf, SQL_COMMENT, C_COMMENT);
        } finally {
            lib.pg_query_free_scan_result(result);
        }
    }

    private static byte[] cString(byte[] bytes, int from, int to) {
        byte[] input = new byte[to - from + 1]; // the last byte stays 0: the terminating NUL
        System.arraycopy(bytes, from, input, 0, to - from);
        return input;
    }

    private static String string(Pointer p) {
        return p == null ? null : p.getString(0, UTF_8.name());
    }

    /** The byte offset, from {@code from}, of the code point at index {@code codePoints} (the parser counts characters). */
    private static int byteOffset(byte[] bytes, int from, int codePoints) {
        int i = from;
        for (int seen = 0; i < bytes.length; i++) {
            if ((bytes[i] & 0xC0) != 0x80 && seen++ == codePoints) {
                return i - from;
            }
        }
        return i - from;
    }

    // --- offsets to lines and texts -----------------------------------------------------------------

    private static final class Source {
        private final byte[] bytes;
        private final int[] lineStarts;

        Source(byte[] bytes) {
            this.bytes = bytes;
            List<Integer> starts = new ArrayList<>();
            starts.add(0);
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    starts.add(i + 1);
                }
            }
            lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
        }

        int line(int offset) {
            int i = Arrays.binarySearch(lineStarts, offset);
            return i >= 0 ? i + 1 : -i - 1;
        }

        List<Statement> statements(List<Parsed> parsed, int[][] tokens) {
            List<Statement> statements = new ArrayList<>(parsed.size());
            for (Parsed p : parsed) {
                int[] range = trim(p.start(), p.end(), tokens);
                statements.add(new Statement(line(range[0]), text(range), p.tree(), null));
            }
            return statements;
        }

        Statement rejected(int from, int to, String error) {
            int[] range = trimWhitespace(from, to);
            return new Statement(line(range[0]), text(range), null, error);
        }

        String withLine(String message, int offset) {
            return offset < 0 ? message : message + " (line " + line(offset) + ")";
        }

        /** [from, to) narrowed to its first and last token, so comments and blank lines around it are not part of it. */
        int[] trim(int from, int to, int[][] tokens) {
            int first = firstTokenAtOrAfter(tokens, from);
            int last = first;
            while (last < tokens.length && tokens[last][1] <= to) {
                last++;
            }
            if (first == tokens.length || last == first) {
                return trimWhitespace(from, to); // no scan: whitespace is the best we know
            }
            return new int[] {tokens[first][0], tokens[last - 1][1]};
        }

        private static int firstTokenAtOrAfter(int[][] tokens, int offset) {
            int lo = 0;
            int hi = tokens.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (tokens[mid][0] < offset) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        private int[] trimWhitespace(int from, int to) {
            while (from < to && Character.isWhitespace(bytes[from])) {
                from++;
            }
            while (to > from && Character.isWhitespace(bytes[to - 1])) {
                to--;
            }
            return new int[] {from, to};
        }

        private String text(int[] range) {
            return new String(bytes, range[0], range[1] - range[0], UTF_8);
        }
    }

    /** Reads pg_query.proto's ScanResult (field 2: repeated ScanToken {start = 1, end = 2, token = 4}). */
    private static final class ScanTokens {
        private final byte[] buf;
        private int pos;

        private ScanTokens(byte[] buf) {
            this.buf = buf;
        }

        static int[][] decode(byte[] pbuf, int... skipped) {
            ScanTokens in = new ScanTokens(pbuf);
            List<int[]> tokens = new ArrayList<>();
            while (in.pos < pbuf.length) {
                long tag = in.varint();
                if (tag == ((2 << 3) | 2)) {
                    int end = (int) in.varint() + in.pos;
                    int[] token = new int[3]; // start, end, token kind
                    while (in.pos < end) {
                        long field = in.varint();
                        if ((field & 7) != 0) {
                            in.skip(field);
                            continue;
                        }
                        long value = in.varint();
                        switch ((int) (field >>> 3)) {
                            case 1 -> token[0] = (int) value;
                            case 2 -> token[1] = (int) value;
                            case 4 -> token[2] = (int) value;
                            default -> {}
                        }
                    }
                    if (Arrays.stream(skipped).noneMatch(kind -> kind == token[2])) {
                        tokens.add(new int[] {token[0], token[1]});
                    }
                } else {
                    in.skip(tag);
                }
            }
            return tokens.toArray(new int[0][]);
        }

        private long varint() {
            long value = 0;
            for (int shift = 0; ; shift += 7) {
                byte b = buf[pos++];
                value |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return value;
                }
            }
        }

        private void skip(long tag) {
            switch ((int) (tag & 7)) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> pos += (int) varint();
                case 5 -> pos += 4;
                default -> throw new IllegalStateException("libpg_query scan result: unknown wire type in tag " + tag);
            }
        }
    }

    // --- loading --------------------------------------------------------------------------------------

    /** The library file {@link #get()} loads ({@link #locate}); throws {@link IllegalStateException} when there is none. */
    public static Path library() {
        return locate(System.getenv(LIBRARY_ENV), Path.of(IMAGE_LIBRARY), Path.of(System.getProperty("user.home")));
    }

    private static PgQuery load() {
        Path path = library();
        PgQuery lib;
        try {
            lib = Native.load(path.toString(), PgQuery.class);
        } catch (UnsatisfiedLinkError e) {
            // JNA's message lists every place it tried, over several lines; the finding's message is one line.
            throw new IllegalStateException(
                    "cannot load libpg_query from " + path + ": "
                            + e.getMessage().replaceAll("\\s+", " ")
                            + " (scripts/build-pg-query.sh builds it for this machine)",
                    e);
        }
        byte[] probeSql = GRAMMAR_PROBE.getBytes(UTF_8);
        PgQuery.ParseResult.ByValue probe = lib.pg_query_parse(cString(probeSql, 0, probeSql.length));
        try {
            if (probe.error != null) {
                throw new IllegalStateException(path + " is not libpg_query for PostgreSQL 18 (it rejects a virtual "
                        + "generated column): build pg_query " + VERSION + " with scripts/build-pg-query.sh");
            }
        } finally {
            lib.pg_query_free_parse_result(probe);
        }
        return lib;
    }

    /**
     * The library file: {@code SCHEMAGUARD_PG_QUERY_LIB} when set (it must then name a file, so a wrong
     * setting is not silently replaced by another build), else the image's path, else the cache that
     * scripts/build-pg-query.sh fills. Never the system's libpg_query (Debian's is PostgreSQL 15).
     */
    static Path locate(String envValue, Path imageLibrary, Path home) {
        if (envValue != null && !envValue.isBlank()) {
            Path path = Path.of(envValue);
            if (!Files.isRegularFile(path)) {
                throw new IllegalStateException(LIBRARY_ENV + "=" + envValue + " is not a file: set it to the path "
                        + "scripts/build-pg-query.sh prints");
            }
            return path;
        }
        Path cached = home.resolve(".cache/schemaguard/pg-query/" + VERSION + "/libpg_query.so");
        for (Path candidate : List.of(imageLibrary, cached)) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("libpg_query " + VERSION + " (PostgreSQL 18's parser), which the migration "
                + "lint needs, is not at " + imageLibrary + " or " + cached
                + ": build it with scripts/build-pg-query.sh "
                + "(or set " + LIBRARY_ENV + " to the path it prints)");
    }

    /** The part of pg_query.h we call. Inputs are NUL-terminated UTF-8; outputs are freed by the matching free call. */
    interface PgQuery extends Library {
        ParseResult.ByValue pg_query_parse(byte[] input);

        void pg_query_free_parse_result(ParseResult.ByValue result);

        SplitResult.ByValue pg_query_split_with_scanner(byte[] input);

        void pg_query_free_split_result(SplitResult.ByValue result);

        ScanResult.ByValue pg_query_scan(byte[] input);

        void pg_query_free_scan_result(ScanResult.ByValue result);

        PlpgsqlParseResult.ByValue pg_query_parse_plpgsql(byte[] input);

        void pg_query_free_plpgsql_parse_result(PlpgsqlParseResult.ByValue result);

        @Structure.FieldOrder({"message", "funcname", "filename", "lineno", "cursorpos", "context"})
        class Error extends Structure {
            public Pointer message;
            public Pointer funcname;
            public Pointer filename;
            public int lineno;
            /** 1-based character position of the error in the input, 0 when unknown. */
            public int cursorpos;

            public Pointer context;

            public Error() {}

            Error(Pointer p) {
                super(p);
                read();
            }
        }

        @Structure.FieldOrder({"parse_tree", "stderr_buffer", "error"})
        class ParseResult extends Structure {
            public Pointer parse_tree;
            public Pointer stderr_buffer;
            public Pointer error;

            public static class ByValue extends ParseResult implements Structure.ByValue {}
        }

        @Structure.FieldOrder({"stmts", "n_stmts", "stderr_buffer", "error"})
        class SplitResult extends Structure {
            public Pointer stmts;
            public int n_stmts;
            public Pointer stderr_buffer;
            public Pointer error;

            public static class ByValue extends SplitResult implements Structure.ByValue {}
        }

        @Structure.FieldOrder({"plpgsql_funcs", "error"})
        class PlpgsqlParseResult extends Structure {
            public Pointer plpgsql_funcs;
            public Pointer error;

            public static class ByValue extends PlpgsqlParseResult implements Structure.ByValue {}
        }

        @Structure.FieldOrder({"len", "data"})
        class Protobuf extends Structure {
            public NativeLong len; // size_t
            public Pointer data;
        }

        @Structure.FieldOrder({"pbuf", "stderr_buffer", "error"})
        class ScanResult extends Structure {
            public Protobuf pbuf;
            public Pointer stderr_buffer;
            public Pointer error;

            public static class ByValue extends ScanResult implements Structure.ByValue {}
        }
    }
}
