package io.schemaguard.runner.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParallelDumpLogTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                // what pg_dump 15 -j 2 -v prints, seen in a real run
                "pg_dump: finished item 3358 TABLE DATA pgbench_accounts | 3358",
                "pg_dump: finished item 7 TABLE DATA my table | 7",
                // leader and worker share stderr: a message's text stays whole, its prefix or newline may move
                "finished item 3357 TABLE DATA pgbench_tellers | 3357",
                "pg_dump: pg_dump: finished item 12 TABLE DATA t | 12",
                "pg_dump: finished item 12 TABLE DATA tpg_dump: dumping contents of table \"public.x\" | 12",
                // not a finished table's data
                "pg_dump: dumping contents of table \"public.pgbench_accounts\" | -1",
                "pg_dump: finished item 3360 BLOBS BLOBS | -1",
                "pg_dump: finished item 3358 TABLE DATA| -1",
                "pg_dump: error: finished item x TABLE DATA t | -1",
                "pg_dump: finished item 99999999999 TABLE DATA t | -1",
                // a table named like the message: two texts in one line is never the leader's own
                "pg_dump: dumping contents of table \"public.finished item 9 TABLE DATA x\"finished item 4 TABLE DATA y"
                        + " | -1",
            })
    void findsTheDumpIdOfAFinishedTable(String line, int expected) {
        assertThat(ParallelDumpLog.finishedTableData(line)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "pg_dump: reading extensions | true",
                "pg_dump: finished item 3358 TABLE DATA pgbench_accounts | true",
                "pg_dump: pg_dump: dumping contents of table \"public.a\" | true",
                "pg_dump: error: a worker process died unexpectedly | false",
                "pg_dump: warning: could not find where to insert IF EXISTS | false",
                "pg_dump: detail: Command was: COPY public.t TO stdout; | false",
                "pg_dump: pg_dump: error: connection to server lost | false",
                "pg_dump: reading tablespg_dump: error: query failed: ERROR:  canceling | false",
                "Command was: LOCK TABLE public.t IN ACCESS SHARE MODE NOWAIT | false",
            })
    void verboseChatterIsToldFromErrors(String line, boolean progress) {
        assertThat(ParallelDumpLog.isProgress(line)).isEqualTo(progress);
    }

    @ParameterizedTest(name = "[{0}] whole={1} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "1\\tab\\n\\\\.\\n\\n\\n | false | true",
                "\\\\.\\n\\n\\n | true | true", // an empty table
                "\\\\.\\n\\n\\n | false | false", // the last 5 bytes of a longer file: a row must precede it
                "1\\tab\\n | false | false", // cut after a row
                "1\\tab\\n\\\\.\\n\\n | false | false", // cut inside the marker
                "1\\tab\\n\\\\.\\n\\n\\nx | false | false", // something after the marker
                "1\\ta\\\\\\\\.\\n\\n\\n | false | false", // a row ending in an escaped backslash and a dot
            })
    void aFileEndsAsAFinishedOneOnlyWithTheCopyEndMarkerAfterARow(String escaped, boolean whole, boolean finished) {
        byte[] all = unescape(escaped.strip()).getBytes(StandardCharsets.UTF_8);
        byte[] tail = java.util.Arrays.copyOfRange(all, Math.max(0, all.length - 6), all.length);
        assertThat(ParallelDumpLog.endsWithCopyEnd(tail, whole)).isEqualTo(finished);
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(
                        switch (n) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            default -> n;
                        });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
