package io.schemaguard.runner.pipeline;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a parallel pg_dump's verbose log says about its data files. The leader logs {@code finished
 * item <dumpId> TABLE DATA <table>} only after the worker that dumped the item reported back, and a
 * worker reports only after it closed the item's file ({@code <dumpId>.dat}): the one signal, while
 * pg_dump still runs, that a file is complete (PostgreSQL 15's pg_backup_archiver.c
 * mark_dump_job_done; a dump without --jobs logs no such line). Workers and the leader share stderr
 * and write a message in pieces (prefix, text, newline), so a line may hold parts of two messages;
 * the text itself is one write and stays whole.
 */
final class ParallelDumpLog {
    private static final Pattern FINISHED = Pattern.compile("finished item (\\d+) TABLE DATA ");
    private static final String PREFIX = "pg_dump: ";
    private static final byte[] COPY_END = {'\\', '.', '\n', '\n', '\n'};

    private ParallelDumpLog() {}

    /**
     * The dumpId of the table data this line says is finished, or -1. A line with two such texts is
     * not trusted: the leader writes them one after the other, so a second one can only be a table
     * name imitating the message.
     */
    static int finishedTableData(String line) {
        Matcher m = FINISHED.matcher(line);
        if (!m.find()) {
            return -1;
        }
        String id = m.group(1);
        if (m.find() || id.length() > 9) {
            return -1;
        }
        return Integer.parseInt(id);
    }

    /** pg_dump's --verbose chatter: neither echoed nor kept as its last words; errors and warnings are. */
    static boolean isProgress(String line) {
        if (!line.startsWith(PREFIX)) {
            return false; // a continuation line, or a worker's output split by the leader's
        }
        String rest = line;
        while (rest.startsWith(PREFIX)) {
            rest = rest.substring(PREFIX.length());
        }
        if (rest.startsWith("error:")
                || rest.startsWith("warning:")
                || rest.startsWith("detail:")
                || rest.startsWith("hint:")) {
            return false;
        }
        return !(line.contains("error:") || line.contains("ERROR") || line.contains("FATAL"));
    }

    /**
     * Whether a data file's last bytes are the end-of-copy marker pg_dump writes after a table's last
     * row, and nothing after it (uncompressed files only). COPY text escapes every backslash, so no
     * row can end a file this way: a file cut short mid-write cannot pass.
     *
     * @param tail the file's last bytes (up to 6), and {@code wholeFile} when that is all of it
     */
    static boolean endsWithCopyEnd(byte[] tail, boolean wholeFile) {
        int n = COPY_END.length;
        if (tail.length < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (tail[tail.length - n + i] != COPY_END[i]) {
                return false;
            }
        }
        if (tail.length == n) {
            return wholeFile; // an empty table's file is the marker alone
        }
        return tail[tail.length - n - 1] == '\n';
    }
}
