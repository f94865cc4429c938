package io.schemaguard.runner.pipeline;

import io.schemaguard.api.DumpFormat;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.runner.Console;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * One pg_dump run. Custom and plain dumps are read from pg_dump's stdout as it writes them. A
 * directory dump (the only format pg_dump can write with parallel workers) has to land in a scratch
 * directory first; it is then streamed as a tar archive and the scratch directory removed.
 */
final class DumpProcess {
    private static final int STDERR_LINES = 20;

    private final Process process;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Thread stderrPump;
    private final Path scratch;

    private DumpProcess(Process process, Path scratch) {
        this.process = process;
        this.scratch = scratch;
        this.stderrPump = new Thread(this::pumpStderr, "pg_dump-stderr");
        this.stderrPump.setDaemon(true);
        this.stderrPump.start();
    }

    /** @param snapshot an exported snapshot for pg_dump to read in ({@code --snapshot}), or null */
    static DumpProcess start(
            PgTools tools, PgTarget target, DumpFormat format, Integer jobs, Path workDir, String snapshot)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(tools.pgDump().toString());
        command.add("--format=" + format.pgDumpName());
        command.add("--no-password");
        if (snapshot != null) {
            command.add("--snapshot=" + snapshot);
        }
        Path scratch = null;
        if (format != DumpFormat.PLAIN) {
            // pg_dump's own compression is single-threaded zlib; the runner compresses instead.
            command.add("--compress=0");
        }
        if (format == DumpFormat.DIRECTORY) {
            scratch = StagingDirs.create(workDir, "pg_dump-");
            command.add("--file=" + scratch.resolve("dump"));
            if (jobs != null && jobs > 1) {
                command.add("--jobs=" + jobs);
            }
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().putAll(target.libpqEnvironment());
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        if (scratch != null) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        Process p = pb.start();
        p.getOutputStream().close();
        return new DumpProcess(p, scratch);
    }

    /** Writes the whole dump to {@code out}, counting raw bytes; returns once pg_dump's output ends. */
    long writeTo(OutputStream out, AtomicLong rawCounter) throws IOException, InterruptedException {
        if (scratch == null) {
            try (InputStream in = process.getInputStream()) {
                return Streams.copy(in, out, rawCounter);
            }
        }
        awaitSuccess();
        return tarDirectory(scratch.resolve("dump"), out, rawCounter);
    }

    /** Waits for pg_dump and fails with its own last words when it did not succeed. */
    void awaitSuccess() throws InterruptedException {
        int exit = process.waitFor();
        stderrPump.join(TimeUnit.SECONDS.toMillis(5));
        if (exit != 0) {
            // parallel workers end with "a worker process died": the full disk that killed one is said earlier
            String full = firstLineWith("No space left on device");
            if (full != null && scratch != null) {
                throw new RunnerException(
                        FailureReason.DumpFailed,
                        "pg_dump ran out of disk in its staging folder under "
                                + scratch.getParent() + " (" + full
                                + "): a directory-format dump is staged whole before"
                                + " upload, so --work-dir (the pod's emptyDir) needs room for all of it");
            }
            throw new RunnerException(
                    FailureReason.DumpFailed,
                    "pg_dump exited with code " + exit + ": " + (full != null ? full : lastError()));
        }
    }

    void destroy() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    void cleanup() {
        if (scratch == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(scratch)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            Console.info("warning: could not remove scratch directory %s: %s", scratch, e.getMessage());
        }
    }

    private String firstLineWith(String fragment) {
        synchronized (stderrTail) {
            return stderrTail.stream()
                    .filter(l -> l.contains(fragment))
                    .findFirst()
                    .map(l -> l.replaceFirst("^pg_dump: ", ""))
                    .orElse(null);
        }
    }

    private String lastError() {
        synchronized (stderrTail) {
            for (var it = stderrTail.descendingIterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.contains("error:") || line.contains("FATAL") || line.contains("ERROR")) {
                    return line.replaceFirst("^pg_dump: ", "");
                }
            }
            return stderrTail.isEmpty() ? "(no output)" : stderrTail.getLast().replaceFirst("^pg_dump: ", "");
        }
    }

    private void pumpStderr() {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                System.err.println(line.startsWith("pg_dump") ? line : "pg_dump: " + line);
                synchronized (stderrTail) {
                    if (stderrTail.size() == STDERR_LINES) {
                        stderrTail.removeFirst();
                    }
                    stderrTail.addLast(line);
                }
            }
        } catch (IOException e) {
            // the process is gone; its exit code tells the rest
        }
    }

    private static long tarDirectory(Path dir, OutputStream out, AtomicLong rawCounter) throws IOException {
        long total = 0;
        TarArchiveOutputStream tar = new TarArchiveOutputStream(Streams.countingUnclosable(out, rawCounter));
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            TarArchiveEntry entry =
                    new TarArchiveEntry(f.toFile(), f.getFileName().toString());
            tar.putArchiveEntry(entry);
            try (InputStream in = Files.newInputStream(f)) {
                total += in.transferTo(tar);
            }
            tar.closeArchiveEntry();
        }
        tar.finish();
        tar.flush();
        return total;
    }
}
