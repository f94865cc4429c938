package io.schemaguard.migration.lint;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * Splits SQL into statements and parses each with PostgreSQL's own parser: libpg_query, the
 * PostgreSQL 15 server's grammar and scanner as a C library (Debian: {@code libpg-query1504.0}), called
 * through JNA. It accepts exactly what a PostgreSQL 15 server accepts, so a legitimate migration is
 * never refused for its syntax.
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

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Scanner tokens that are comments (pg_query.proto, enum Token). */
    private static final int SQL_COMMENT = 275;
    private static final int C_COMMENT = 276;

    private static volatile PgQueryParser shared;

    private final PgQuery lib;

    private PgQueryParser(PgQuery lib) {
        this.lib = lib;
    }

    /** The parser over the system's libpg_query; throws {@link IllegalStateException} when it is not installed. */
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
            return List.of(source.rejected(0, bytes.length, "contains a NUL character (line "
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

    /** A DO block's or function's PL/pgSQL tree (libpg_query's JSON array of functions), or the parser's error. */
    public record PlpgsqlResult(JsonNode functions, String error) {
    }

    public PlpgsqlResult parsePlpgsql(String sql) {
        PgQuery.PlpgsqlParseResult.ByValue result = lib.pg_query_parse_plpgsql(cString(sql.getBytes(UTF_8), 0,
                sql.getBytes(UTF_8).length));
        try {
            if (result.error != null) {
                return new PlpgsqlResult(null, string(new PgQuery.Error(result.error).message));
            }
            return new PlpgsqlResult(JSON.readTree(string(result.plpgsql_funcs)), null);
        } catch (IOException e) {
            throw new UncheckedIOException("libpg_query returned a PL/pgSQL tree that is not JSON", e);
        } finally {
            lib.pg_query_free_plpgsql_parse_result(result);
        }
    }

    // --- libpg_query calls --------------------------------------------------------------------------

    /** A statement the parser returned: its byte range in the file (comments around included) and tree. */
    private record Parsed(int start, int end, JsonNode tree) {
    }

    /** Parsed statements, or the parser's error and its byte offset in the file (-1 when unknown). */
    private record Outcome(List<Parsed> statements, String error, int errorOffset) {
    }

    private record Split(List<int[]> pieces, String error) {
    }

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
                pieces.add(new int[] { location, len == 0 ? bytes.length : location + len });
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
            return new int[] { tokens[first][0], tokens[last - 1][1] };
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
            return new int[] { from, to };
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
                            default -> {
                            }
                        }
                    }
                    if (Arrays.stream(skipped).noneMatch(kind -> kind == token[2])) {
                        tokens.add(new int[] { token[0], token[1] });
                    }
                } else {
                    in.skip(tag);
                }
            }
            return tokens.toArray(new int[0][]);
        }

        private long varint() {
            long value = 0;
            for (int shift = 0;; shift += 7) {
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

    private static PgQuery load() {
        try {
            return Native.load("pg_query", PgQuery.class);
        } catch (UnsatisfiedLinkError unversioned) {
            // The runtime package (libpg-query1504.0) ships only the versioned file; the unversioned
            // libpg_query.so link comes with libpg-query-dev. JNA's own search usually finds the
            // versioned file too; this covers the directories it may not search.
            for (Path candidate : versionedCandidates()) {
                try {
                    return Native.load(candidate.toString(), PgQuery.class);
                } catch (UnsatisfiedLinkError e) {
                    unversioned.addSuppressed(e);
                }
            }
            throw new IllegalStateException("libpg_query (PostgreSQL's parser) is not installed: the migration lint "
                    + "needs it (Debian: apt-get install libpg-query1504.0)", unversioned);
        }
    }

    private static List<Path> versionedCandidates() {
        List<Path> found = new ArrayList<>();
        for (String dir : new String[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib",
                "/usr/local/lib" }) {
            Path path = Path.of(dir);
            if (!Files.isDirectory(path)) {
                continue;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(path, "libpg_query.so.*")) {
                files.forEach(found::add);
            } catch (IOException e) {
                // an unreadable directory holds no candidate
            }
        }
        found.sort((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()));
        return found;
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

        @Structure.FieldOrder({ "plpgsql_funcs", "error" })
        class PlpgsqlParseResult extends Structure {
            public Pointer plpgsql_funcs;
            public Pointer error;

            public static class ByValue extends PlpgsqlParseResult implements Structure.ByValue {
            }
        }

        @Structure.FieldOrder({ "message", "funcname", "filename", "lineno", "cursorpos", "context" })
        class Error extends Structure {
            public Pointer message;
            public Pointer funcname;
            public Pointer filename;
            public int lineno;
            /** 1-based character position of the error in the input, 0 when unknown. */
            public int cursorpos;
            public Pointer context;

            public Error() {
            }

            Error(Pointer p) {
                super(p);
                read();
            }
        }

        @Structure.FieldOrder({ "parse_tree", "stderr_buffer", "error" })
        class ParseResult extends Structure {
            public Pointer parse_tree;
            public Pointer stderr_buffer;
            public Pointer error;

            public static class ByValue extends ParseResult implements Structure.ByValue {
            }
        }

        @Structure.FieldOrder({ "stmts", "n_stmts", "stderr_buffer", "error" })
        class SplitResult extends Structure {
            public Pointer stmts;
            public int n_stmts;
            public Pointer stderr_buffer;
            public Pointer error;

            public static class ByValue extends SplitResult implements Structure.ByValue {
            }
        }

        @Structure.FieldOrder({ "len", "data" })
        class Protobuf extends Structure {
            public NativeLong len; // size_t
            public Pointer data;
        }

        @Structure.FieldOrder({ "pbuf", "stderr_buffer", "error" })
        class ScanResult extends Structure {
            public Protobuf pbuf;
            public Pointer stderr_buffer;
            public Pointer error;

            public static class ByValue extends ScanResult implements Structure.ByValue {
            }
        }
    }
}
