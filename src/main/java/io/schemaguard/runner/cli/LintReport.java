package io.schemaguard.runner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.schemaguard.runner.migration.lint.Finding;
import io.schemaguard.runner.migration.lint.Finding.Severity;
import io.schemaguard.runner.migration.lint.LintRules;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code schemaguard lint} prints: findings as text, JSON or SARIF 2.1.0, and the exit code they make. */
final class LintReport {

    static final String SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
    /** The fingerprint's name carries a version, so a future change of the hash is not matched against old alerts. */
    static final String FINGERPRINT = "statementHash/v1";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final List<Finding> findings;
    private final int files;

    LintReport(List<Finding> findings, int files) {
        this.findings = List.copyOf(findings);
        this.files = files;
    }

    long count(Severity severity) {
        return findings.stream().filter(f -> f.severity() == severity).count();
    }

    int exitCode() {
        return count(Severity.DATA_LOSS) > 0
                ? LintCommand.DATA_LOSS
                : count(Severity.HAZARD) > 0 ? LintCommand.HAZARDS : LintCommand.CLEAN;
    }

    // --- text: as plan prints its findings --------------------------------------------------------------

    void text(PrintStream out) {
        for (Finding f : findings) {
            String mark = switch (f.severity()) {
                case DATA_LOSS -> "BLOCKS ";
                case HAZARD -> "WARNING";
                case NOTE -> "note   ";
            };
            out.printf(
                    "  %s %s:%d %s: %s%n    sha256 %s%n",
                    mark, f.file(), f.line(), f.rule(), f.message(), f.statementHash());
        }
        out.println(summaryLine());
    }

    String summaryLine() {
        long hazards = count(Severity.HAZARD);
        long notes = count(Severity.NOTE);
        return count(Severity.DATA_LOSS) + " data loss, " + hazards + (hazards == 1 ? " hazard, " : " hazards, ")
                + notes + (notes == 1 ? " note" : " notes") + " in " + files + (files == 1 ? " file" : " files");
    }

    // --- json: every field of every finding ---------------------------------------------------------------

    record JsonFinding(
            String file,
            int line,
            String rule,
            Severity severity,
            boolean serverWide,
            String statementHash,
            String statement,
            String message,
            List<String> losses) {
        static JsonFinding of(Finding f) {
            return new JsonFinding(
                    f.file(),
                    f.line(),
                    f.rule(),
                    f.severity(),
                    f.serverWide(),
                    f.statementHash(),
                    f.statement(),
                    f.message(),
                    f.losses().stream().map(Finding.Loss::display).toList());
        }
    }

    record Summary(long dataLoss, long hazards, long notes, int files, int exitCode) {}

    record JsonReport(List<JsonFinding> findings, Summary summary) {}

    void json(PrintStream out) {
        write(
                out,
                new JsonReport(
                        findings.stream().map(JsonFinding::of).toList(),
                        new Summary(
                                count(Severity.DATA_LOSS),
                                count(Severity.HAZARD),
                                count(Severity.NOTE),
                                files,
                                exitCode())));
    }

    // --- sarif: for code scanning (GitHub, GitLab, IDEs) ------------------------------------------------

    void sarif(PrintStream out) {
        // Every known rule is listed, not only those found, so a viewer can show a rule that stopped firing;
        // a rule the table does not know yet is added from its findings.
        Map<String, String> rules = new LinkedHashMap<>(LintRules.all());
        findings.forEach(f -> rules.putIfAbsent(f.rule(), LintRules.describe(f.rule())));
        List<String> ruleIds = new ArrayList<>(rules.keySet());

        ObjectNode log = JSON.createObjectNode();
        log.put("$schema", SARIF_SCHEMA);
        log.put("version", "2.1.0");
        ObjectNode run = log.putArray("runs").addObject();
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", "schemaguard");
        String version = LintReport.class.getPackage().getImplementationVersion();
        if (version != null) {
            driver.put("version", version);
        }
        ArrayNode ruleNodes = driver.putArray("rules");
        rules.forEach((id, description) -> {
            ObjectNode rule = ruleNodes.addObject();
            rule.put("id", id);
            rule.putObject("shortDescription").put("text", description);
        });
        ArrayNode results = run.putArray("results");
        for (Finding f : findings) {
            ObjectNode result = results.addObject();
            result.put("ruleId", f.rule());
            result.put("ruleIndex", ruleIds.indexOf(f.rule()));
            result.put("level", level(f.severity()));
            result.putObject("message").put("text", f.message());
            ObjectNode location = result.putArray("locations").addObject().putObject("physicalLocation");
            location.putObject("artifactLocation").put("uri", uri(f.file()));
            location.putObject("region").put("startLine", Math.max(1, f.line()));
            result.putObject("partialFingerprints").put(FINGERPRINT, f.statementHash());
            if (f.serverWide()) {
                result.putObject("properties").put("serverWide", true);
            }
        }
        write(out, log);
    }

    static String level(Severity severity) {
        return switch (severity) {
            case DATA_LOSS -> "error";
            case HAZARD -> "warning";
            case NOTE -> "note";
        };
    }

    /**
     * A file name as a SARIF URI reference: relative names stay relative (resolved against the
     * checkout), spaces and other reserved characters are percent-encoded; an absolute path outside
     * the working directory becomes a file: URI.
     */
    static String uri(String file) {
        if (file.startsWith("/")) {
            return Path.of(file).toUri().toString();
        }
        // A colon in the first segment would read as a scheme ("c:x.sql"); "./" keeps it a path.
        String path = file.indexOf(':') >= 0 && (file.indexOf('/') < 0 || file.indexOf(':') < file.indexOf('/'))
                ? "./" + file
                : file;
        try {
            return new URI(null, null, path, null).getRawPath();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("file name " + file + " makes no URI", e);
        }
    }

    private static void write(PrintStream out, Object value) {
        try {
            // Bytes, not a String through the stream's charset: JSON and SARIF are UTF-8 whatever the locale.
            out.write(JSON.writeValueAsBytes(value));
            out.println();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
