package io.schemaguard.runner.postgres;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.Streams;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * SHA-256 of a database's schema as {@code pg_dump --schema-only} prints it, without the lines that
 * differ between two dumps of the same schema (comments, session settings, the random key of
 * {@code \restrict}). Two databases with the same fingerprint have the same tables, columns, types,
 * indexes, constraints, views, functions and sequences' definitions.
 */
public final class SchemaFingerprint {
    private SchemaFingerprint() {}

    /** @param snapshot an exported snapshot to read in, or null */
    public static String of(PgTools tools, PgTarget target, String snapshot) {
        // owners and privileges left out, so a copy restored without them (another server) compares equal
        List<String> command = new ArrayList<>(
                List.of(tools.pgDump().toString(), "--schema-only", "--no-owner", "--no-privileges", "--no-password"));
        if (snapshot != null) {
            command.add("--snapshot=" + snapshot);
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().putAll(target.libpqEnvironment());
        pb.environment().put("PGAPPNAME", "schemaguard-fingerprint");
        pb.redirectError(ProcessBuilder.Redirect.PIPE);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            MessageDigest sha = Streams.sha256();
            try (InputStream in = p.getInputStream()) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    if (significant(line)) {
                        sha.update(line.getBytes(StandardCharsets.UTF_8));
                        sha.update((byte) '\n');
                    }
                }
            }
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new RunnerException(
                        FailureReason.DumpFailed,
                        "pg_dump --schema-only failed: " + DatabaseInspector.firstLine(err.strip()));
            }
            return Streams.hex(sha.digest());
        } catch (IOException e) {
            throw new RunnerException(
                    FailureReason.DumpFailed, "cannot run pg_dump --schema-only: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunnerException(FailureReason.Internal, "interrupted", e);
        }
    }

    static boolean significant(String line) {
        return !line.isBlank()
                && !line.startsWith("--")
                && !line.startsWith("SET ")
                && !line.startsWith("SELECT pg_catalog.set_config")
                && !line.startsWith("\\restrict")
                && !line.startsWith("\\unrestrict");
    }
}
