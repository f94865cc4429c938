package io.schemaguard.runner.pipeline;

import io.schemaguard.api.DumpFormat;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.Streams;
import io.schemaguard.runner.postgres.PgTarget;
import io.schemaguard.runner.postgres.PgTools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Feeds a decompressed dump to pg_restore (custom, directory) or psql (plain), with exit-on-error
 * semantics, and reports the first failing statement when it fails. Custom and plain dumps stream
 * through stdin in one transaction, so a failure leaves the target as it was; their last
 * {@link #HELD_BACK} bytes are held back until a {@link Gate} (the stored object's checksum) has
 * passed, so the transaction cannot commit before it. A directory dump must be unpacked into a
 * scratch directory first (pg_restore needs the files), is checked before pg_restore starts, and
 * restores with parallel workers without the single transaction.
 */
public final class RestoreProcess {

    public record Options(DumpFormat format, boolean clean, boolean skipOwnership, Integer jobs, Path workDir) {
        boolean singleTransaction() {
            return format != DumpFormat.DIRECTORY || jobs == null || jobs <= 1;
        }

        String restorer() {
            return format == DumpFormat.PLAIN ? "psql" : "pg_restore";
        }
    }

    /**
     * Bytes of a streamed dump withheld until the gate passes. pg_restore needs a custom archive's last
     * bytes (the end marker of its last data block, or its table of contents) and psql --single-transaction
     * commits only at the end of its input, so neither can commit while any byte is missing.
     */
    static final int HELD_BACK = 64 * 1024;

    /** Runs once the whole dump has been read, before its last bytes are released; throws to stop the restore. */
    @FunctionalInterface
    public interface Gate {
        Gate OPEN = () -> {};

        void check() throws IOException;
    }

    private RestoreProcess() {}

    /**
     * Restores {@code dump} (already decompressed) into the target; returns the bytes fed. When {@code gate}
     * throws, pg_restore or psql is killed before it has the whole dump, so its transaction rolls back.
     */
    static long run(PgTools tools, PgTarget target, Options o, InputStream dump, AtomicLong fed, Gate gate)
            throws IOException, InterruptedException {
        Path scratch = null;
        try {
            List<String> command = new ArrayList<>();
            if (o.format() == DumpFormat.PLAIN) {
                command.addAll(List.of(
                        tools.psql().toString(),
                        "-X",
                        "-q",
                        "--no-password",
                        "-v",
                        "ON_ERROR_STOP=1",
                        "--single-transaction",
                        "--dbname=" + target.database(),
                        "--file=-"));
            } else {
                command.addAll(List.of(
                        tools.pgRestore().toString(),
                        "--exit-on-error",
                        "--no-password",
                        "--dbname=" + target.database()));
                if (o.singleTransaction()) {
                    command.add("--single-transaction");
                }
                if (o.clean()) {
                    command.addAll(List.of("--clean", "--if-exists"));
                }
                if (o.skipOwnership()) {
                    command.addAll(List.of("--no-owner", "--no-privileges"));
                }
                if (o.format() == DumpFormat.DIRECTORY) {
                    scratch = StagingDirs.create(o.workDir(), "pg_restore-");
                    fed.addAndGet(untar(dump, scratch));
                    // the files are on scratch disk and pg_restore has not started: the target is untouched
                    gate.check();
                    if (o.jobs() != null && o.jobs() > 1) {
                        command.add("--jobs=" + o.jobs());
                    }
                    command.add(scratch.toString());
                }
            }
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
            pb.environment().putAll(target.libpqEnvironment());
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            ErrorLog errors = new ErrorLog(p.getErrorStream());
            long total = 0;
            // a failure to read the dump, apart from a failure to write to pg_restore
            FailureRecordingStream source = new FailureRecordingStream(dump);
            OutputStream in = p.getOutputStream();
            try {
                if (o.format() != DumpFormat.DIRECTORY) {
                    total = copyHoldingBack(source, in, fed, HELD_BACK, () -> release(gate, p));
                }
                // end of input only now: psql --single-transaction commits when its input ends
                in.close();
            } catch (GateClosed e) {
                throw e.reason(); // pg_restore/psql was killed before it had the last bytes
            } catch (IOException e) {
                if (source.failure != null) {
                    // The backup stopped coming (storage died, the stream broke off): kill pg_restore before its
                    // input ends (psql would commit what it has, pg_restore read a short dump), report the cause.
                    kill(p);
                    throw source.failure;
                }
                // pg_restore stopped reading: it failed, and its own error says why
                if (p.waitFor() == 0) {
                    throw e;
                }
            } catch (RuntimeException | Error e) {
                kill(p);
                throw e;
            } finally {
                closeQuietly(in);
            }
            int exit = p.waitFor();
            errors.join();
            if (exit != 0) {
                throw new RunnerException(
                        FailureReason.RestoreFailed,
                        o.restorer() + " failed: " + errors.firstError()
                                + (o.singleTransaction()
                                        ? "; the restore ran in one transaction and was rolled back"
                                        : "; the target may be partly restored (parallel restores are not one transaction)"));
            }
            return total;
        } finally {
            if (scratch != null) {
                try (Stream<Path> files = Files.walk(scratch)) {
                    files.sorted(Comparator.reverseOrder())
                            .forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    /**
     * Runs the gate with the last bytes still held back; when it fails, kills the process and waits for it
     * to be gone before anything closes its input.
     */
    private static void release(Gate gate, Process p) throws InterruptedException {
        try {
            gate.check();
        } catch (IOException | RuntimeException | Error e) {
            kill(p);
            throw new GateClosed(e);
        }
        if (!p.isAlive() && p.exitValue() == 0) {
            // a complete custom archive or plain script cannot finish without its last bytes: this would be a bug
            throw new RunnerException(
                    FailureReason.Internal,
                    "pg_restore finished before it had the whole dump: the stored object was checked only after"
                            + " the restore committed");
        }
    }

    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        p.waitFor();
    }

    private static void closeQuietly(OutputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // the process is gone or going; its exit code tells the rest
        }
    }

    /** Something to run once all of a stream but its held-back tail has been written. */
    @FunctionalInterface
    interface Release {
        void run() throws InterruptedException;
    }

    /**
     * Copies {@code in} to {@code out}, always keeping the last {@code hold} bytes back; at the end of
     * {@code in} runs {@code release}, then writes them. Returns the bytes copied.
     */
    static long copyHoldingBack(InputStream in, OutputStream out, AtomicLong counter, int hold, Release release)
            throws IOException, InterruptedException {
        byte[] buffer = new byte[hold + Streams.BUFFER];
        int kept = 0; // buffer[0, kept) is read but not written
        long total = 0;
        int n;
        while ((n = in.read(buffer, kept, buffer.length - kept)) >= 0) {
            kept += n;
            total += n;
            if (kept > hold) {
                int write = kept - hold;
                out.write(buffer, 0, write);
                counter.addAndGet(write);
                System.arraycopy(buffer, write, buffer, 0, hold);
                kept = hold;
            }
        }
        release.run();
        out.write(buffer, 0, kept);
        counter.addAndGet(kept);
        return total;
    }

    /** The gate failed; the process is already dead. */
    private static final class GateClosed extends RuntimeException {
        GateClosed(Throwable cause) {
            super(cause);
        }

        /** The gate's own exception, rethrown as it was. */
        IOException reason() {
            if (getCause() instanceof IOException io) {
                return io;
            }
            if (getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw (Error) getCause();
        }
    }

    private static long untar(InputStream tarStream, Path dir) throws IOException {
        long total = 0;
        // not closed: the caller still drains the stream to the end, which the checksum needs
        TarArchiveInputStream tar = new TarArchiveInputStream(tarStream);
        for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
            Path file = dir.resolve(e.getName()).normalize();
            if (!file.startsWith(dir) || !e.isFile()) {
                throw new IOException("unexpected entry in directory dump: " + e.getName());
            }
            total += Files.copy(tar, file);
        }
        return total;
    }

    /** Keeps pg_restore's (or psql's) first error and the statement it names. */
    private static final class ErrorLog {
        private final Thread pump;
        private final List<String> lines = new ArrayList<>();

        ErrorLog(InputStream stderr) {
            pump = new Thread(
                    () -> {
                        try (BufferedReader r =
                                new BufferedReader(new InputStreamReader(stderr, StandardCharsets.UTF_8))) {
                            for (String line = r.readLine(); line != null; line = r.readLine()) {
                                System.err.println(line);
                                synchronized (lines) {
                                    if (lines.size() < 200) {
                                        lines.add(line);
                                    }
                                }
                            }
                        } catch (IOException e) {
                            // the process is gone; its exit code tells the rest
                        }
                    },
                    "restore-stderr");
            pump.setDaemon(true);
            pump.start();
        }

        void join() throws InterruptedException {
            pump.join(5000);
        }

        String firstError() {
            synchronized (lines) {
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    if (line.contains("ERROR:") || line.contains("error:")) {
                        String message =
                                line.replaceFirst("^pg_restore: error: ", "").replaceFirst("^psql:[^ ]* ", "");
                        for (int j = i + 1; j < Math.min(lines.size(), i + 4); j++) {
                            if (lines.get(j).startsWith("Command was:")) {
                                return message + " (statement: "
                                        + lines.get(j)
                                                .substring("Command was:".length())
                                                .strip() + ")";
                            }
                        }
                        return message;
                    }
                }
                return lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
            }
        }
    }
}
