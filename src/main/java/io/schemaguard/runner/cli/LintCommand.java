package io.schemaguard.runner.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.runner.migration.lint.Finding;
import io.schemaguard.runner.migration.lint.MigrationFile;
import io.schemaguard.runner.migration.lint.PgQueryParser;
import io.schemaguard.runner.migration.lint.SqlLint;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Lints SQL files with no database, for a CI job or a pre-commit hook. Unlike the Job commands it
 * writes no termination message and its exit code is the verdict, so a usage error has a code of
 * its own (3) instead of the runner's configuration code 2, which here means data loss.
 */
@Command(
        name = "lint",
        sortOptions = false,
        description = {
            "Lint SQL migration files with PostgreSQL's own parser and no database: what a CI job or a pre-commit "
                    + "hook runs. The files are linted as one ordered list, as pending migrations are: a table an earlier "
                    + "file creates is new for the later ones. Directories are walked for *.sql files, and all files are "
                    + "sorted together by path, numbers by value (V2__a.sql before V10__b.sql), as the engines apply "
                    + "versions, whatever order they are given in."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:clean (notes at most)",
            "1:lock or downtime hazards, no data loss",
            "2:data loss (what plan and migrate block unless approved)",
            "3:not linted: bad arguments, a file missing, unreadable or not UTF-8, a directory without .sql "
                    + "files, libpg_query missing (not the runner's usual 2, which means data loss here)"
        })
final class LintCommand implements Callable<Integer> {

    static final int CLEAN = 0;
    static final int HAZARDS = 1;
    static final int DATA_LOSS = 2;
    static final int NOT_LINTED = 3;

    enum Format {
        text,
        json,
        sarif
    }

    @Parameters(
            arity = "1..*",
            paramLabel = "FILE|DIR",
            description = "SQL files, or directories walked for *.sql files")
    List<Path> paths = new ArrayList<>();

    @Option(
            names = "--format",
            defaultValue = "text",
            paramLabel = "FORMAT",
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}); json and sarif are UTF-8 on stdout")
    Format format;

    @Override
    public Integer call() {
        List<MigrationFile> files;
        try {
            files = read(paths);
        } catch (IllegalArgumentException e) {
            return refuse(FailureReason.InvalidArguments, e.getMessage());
        }
        try {
            PgQueryParser.get(); // loaded first, so a missing libpg_query is told apart from a failure of the lint
        } catch (IllegalStateException e) {
            return refuse(FailureReason.PrerequisitesMissing, e.getMessage());
        }
        List<Finding> findings;
        try {
            findings = SqlLint.lint(files);
        } catch (RuntimeException e) {
            e.printStackTrace();
            return refuse(FailureReason.Internal, e.toString());
        }
        LintReport report = new LintReport(findings, files.size());
        PrintStream out = new PrintStream(System.out, true, UTF_8);
        switch (format) {
            case text -> report.text(out);
            case json -> report.json(out);
            case sarif -> report.sarif(out);
        }
        out.flush();
        return report.exitCode();
    }

    /** One line on stderr, the same for bad options (from picocli) and bad input: a CI log shows nothing else. */
    static int refuse(FailureReason reason, String message) {
        System.err.println(reason + ": " + message);
        return NOT_LINTED;
    }

    static int usageError(String message) {
        return refuse(FailureReason.InvalidArguments, message + " (schemaguard lint --help)");
    }

    /**
     * The files in lint order: every file of every argument sorted together by its name, so the order
     * does not depend on how a hook or a script happened to list them. Names are as given (forward
     * slashes; an absolute path inside the working directory made relative to it, as SARIF viewers
     * resolve names against the checkout). A file reached twice is linted once.
     */
    static List<MigrationFile> read(List<Path> arguments) {
        Path cwd = Path.of("").toAbsolutePath();
        Map<Path, String> names = new LinkedHashMap<>();
        for (Path argument : arguments) {
            for (Path file : expand(argument)) {
                names.putIfAbsent(file.toAbsolutePath().normalize(), name(file, cwd));
            }
        }
        List<Map.Entry<Path, String>> ordered = new ArrayList<>(names.entrySet());
        ordered.sort(Map.Entry.comparingByValue(LintCommand::byPath));
        List<MigrationFile> files = new ArrayList<>();
        for (Map.Entry<Path, String> file : ordered) {
            files.add(new MigrationFile(file.getValue(), readUtf8(file.getKey(), file.getValue())));
        }
        return files;
    }

    private static List<Path> expand(Path argument) {
        if (!Files.exists(argument)) {
            throw new IllegalArgumentException(argument + ": no such file or directory");
        }
        if (!Files.isDirectory(argument)) {
            return List.of(argument);
        }
        List<Path> sql;
        try (Stream<Path> walk = Files.walk(argument)) {
            sql = walk.filter(p ->
                            p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".sql"))
                    .filter(Files::isRegularFile)
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException(argument + ": cannot be read (" + e.getMessage() + ")");
        }
        if (sql.isEmpty()) {
            // A CI step pointed at the wrong directory would pass forever: no lint is not a clean lint.
            throw new IllegalArgumentException(argument + ": holds no .sql file");
        }
        return sql;
    }

    private static String readUtf8(Path file, String name) {
        try {
            // Strict decoding: a file in another encoding would be linted as different text than the engine applies.
            return UTF_8.newDecoder()
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(name + ": not UTF-8");
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(name + ": no such file or directory");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(name + ": not readable (permission denied)");
        } catch (IOException e) {
            throw new IllegalArgumentException(name + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    private static String name(Path file, Path cwd) {
        Path p = file.normalize();
        if (p.isAbsolute() && p.startsWith(cwd)) {
            p = cwd.relativize(p);
        }
        return slashes(p);
    }

    private static String slashes(Path p) {
        return p.toString().replace(p.getFileSystem().getSeparator(), "/");
    }

    /** Path order with digit runs compared by value, so V2__x.sql comes before V10__y.sql as Flyway applies them. */
    static int byPath(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i);
            char cb = b.charAt(j);
            if (digit(ca) && digit(cb)) {
                int si = i;
                int sj = j;
                while (i < a.length() && digit(a.charAt(i))) {
                    i++;
                }
                while (j < b.length() && digit(b.charAt(j))) {
                    j++;
                }
                String na = stripZeros(a.substring(si, i));
                String nb = stripZeros(b.substring(sj, j));
                int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
                if (c != 0) {
                    return c;
                }
            } else {
                if (ca != cb) {
                    return Character.compare(ca, cb);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b); // V01 and V1: any fixed order
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String stripZeros(String digits) {
        int k = 0;
        while (k < digits.length() - 1 && digits.charAt(k) == '0') {
            k++;
        }
        return digits.substring(k);
    }
}
