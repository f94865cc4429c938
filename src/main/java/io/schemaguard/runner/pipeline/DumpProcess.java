package io.schemaguard.runner.pipeline;

import io.schemaguard.api.DumpFormat;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.Sizes;
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
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * One pg_dump run. Custom and plain dumps are read from pg_dump's stdout as it writes them. A
 * directory dump (the only format pg_dump can write with parallel workers) lands in a scratch
 * directory and goes out as a tar archive. With --jobs 2 or more, each table's file joins the tar
 * stream, and leaves the disk, as soon as pg_dump's log says it is finished and the file ends as a
 * finished one does ({@link ParallelDumpLog}); everything else (toc.dat, large objects, any file
 * not certainly finished) follows once pg_dump exited 0. Without --jobs there is no such signal and
 * the whole directory is staged first. The restore unpacks every member before pg_restore starts,
 * so member order does not matter.
 */
final class DumpProcess {
    private static final int STDERR_LINES = 20;

    private final Process process;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Thread stderrPump;
    private final Path scratch;
    /** Whether finished files are streamed while pg_dump runs (a parallel directory dump). */
    private final boolean streaming;
    /** dumpIds pg_dump reported finished, in order, for the streaming loop. */
    private final BlockingQueue<Integer> finished = new LinkedBlockingQueue<>();

    private final Set<Integer> reported = ConcurrentHashMap.newKeySet();
    /** A dumpId reported twice: the log cannot be trusted, and the dump is failed. */
    private volatile int reportedTwice = -1;

    private DumpProcess(Process process, Path scratch, boolean streaming) {
        this.process = process;
        this.scratch = scratch;
        this.streaming = streaming;
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
        boolean streaming = false;
        if (format != DumpFormat.PLAIN) {
            // pg_dump's own compression is single-threaded zlib; the runner compresses instead.
            command.add("--compress=0");
        }
        if (format == DumpFormat.DIRECTORY) {
            scratch = StagingDirs.create(workDir, "pg_dump-");
            command.add("--file=" + scratch.resolve("dump"));
            if (jobs != null && jobs > 1) {
                command.add("--jobs=" + jobs);
                command.add("--verbose"); // its "finished item" lines say which files are complete
                streaming = true;
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
        return new DumpProcess(p, scratch, streaming);
    }

    /** Writes the whole dump to {@code out}, counting raw bytes; returns once pg_dump's output ends. */
    long writeTo(OutputStream out, AtomicLong rawCounter) throws IOException, InterruptedException {
        if (scratch == null) {
            try (InputStream in = process.getInputStream()) {
                return Streams.copy(in, out, rawCounter);
            }
        }
        TarArchiveOutputStream tar = new TarArchiveOutputStream(Streams.countingUnclosable(out, rawCounter));
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        Path dir = scratch.resolve("dump");
        long total = 0;
        int early = 0;
        if (streaming) {
            // until stderr closes, which is when the leader and every worker are gone
            while (stderrPump.isAlive() || !finished.isEmpty()) {
                Integer id = finished.poll(100, TimeUnit.MILLISECONDS);
                requireLogTrusted();
                if (id != null) {
                    long sent = streamIfFinished(tar, dir.resolve(id + ".dat"));
                    if (sent >= 0) {
                        total += sent;
                        early++;
                    }
                }
            }
        }
        awaitSuccess();
        requireLogTrusted();
        List<Path> rest;
        try (Stream<Path> s = Files.list(dir)) {
            rest = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : rest) {
            total += addFile(tar, f, Files.size(f));
        }
        tar.finish();
        tar.flush();
        if (streaming) {
            Console.info(
                    "pg_dump: %d data %s uploaded while it ran, %d %s after it ended",
                    early, early == 1 ? "file" : "files", rest.size(), rest.size() == 1 ? "file" : "files");
        }
        return total;
    }

    /**
     * Adds a file pg_dump reported finished to the tar stream and deletes it; returns its size, or -1
     * when it is left for the end (missing, or not ending as a finished data file does).
     */
    private long streamIfFinished(TarArchiveOutputStream tar, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return -1;
        }
        long size = Files.size(file);
        byte[] tail = new byte[(int) Math.min(size, 6)];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.read(ByteBuffer.wrap(tail), size - tail.length);
        }
        if (!ParallelDumpLog.endsWithCopyEnd(tail, size == tail.length)) {
            return -1;
        }
        long sent = addFile(tar, file, size);
        if (Files.size(file) != size) {
            // cannot happen to a finished file; if it does, the log was wrong and this dump is not trusted
            throw new RunnerException(
                    FailureReason.DumpFailed,
                    "pg_dump was still writing " + file.getFileName() + " after reporting it finished");
        }
        Files.delete(file);
        Console.info("pg_dump: %s (%s) finished, uploaded and removed", file.getFileName(), Sizes.bytes(size));
        return sent;
    }

    private void requireLogTrusted() {
        if (reportedTwice >= 0) {
            throw new RunnerException(
                    FailureReason.DumpFailed,
                    "pg_dump's log reported item " + reportedTwice + " finished twice (a table name imitating"
                            + " its messages?): the files already uploaded may be incomplete, so this backup is"
                            + " failed; back it up without --jobs");
        }
    }

    /** Adds exactly {@code size} bytes of {@code f} as one tar member. */
    private static long addFile(TarArchiveOutputStream tar, Path f, long size) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(f.toFile(), f.getFileName().toString());
        entry.setSize(size);
        tar.putArchiveEntry(entry);
        long copied = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(f)) {
            for (int n; copied < size && (n = in.read(buf, 0, (int) Math.min(buf.length, size - copied))) > 0; ) {
                tar.write(buf, 0, n);
                copied += n;
            }
        }
        if (copied != size) {
            throw new IOException(f.getFileName() + " ended at " + copied + " of " + size + " bytes");
        }
        tar.closeArchiveEntry();
        return copied;
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
                                + (streaming
                                        ? "): with --jobs each table's file is uploaded once pg_dump finished it, so"
                                                + " --work-dir (the pod's emptyDir) needs room for the largest tables"
                                                + " dumped at the same time"
                                        : "): without --jobs a directory-format dump is staged whole before upload,"
                                                + " so --work-dir (the pod's emptyDir) needs room for all of it"));
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
                int id = streaming ? ParallelDumpLog.finishedTableData(line) : -1;
                if (id >= 0) {
                    if (reported.add(id)) {
                        finished.add(id);
                    } else {
                        reportedTwice = id;
                    }
                }
                if (streaming && ParallelDumpLog.isProgress(line)) {
                    continue;
                }
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
}
