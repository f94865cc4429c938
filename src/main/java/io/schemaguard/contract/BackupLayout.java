package io.schemaguard.contract;

import io.schemaguard.api.CompressionAlgorithm;
import io.schemaguard.api.DumpFormat;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * Object layout under a storage location:
 * {@code <namespace>/<database>/<timestamp>-<id>/dump.<ext>} plus {@code manifest.json}, which is
 * written last and is the commit marker of the backup.
 */
public final class BackupLayout {

    public static final String MANIFEST = "manifest.json";
    /** Written by the runner writing a backup, removed once its manifest is written: who owns the folder. */
    public static final String WRITER = "writer";

    public static final String DUMP_BASENAME = "dump.";
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");
    private static final Pattern BACKUP_ID = Pattern.compile("^\\d{8}T\\d{6}Z-[a-z0-9]{1,16}$");

    private BackupLayout() {}

    /** {@code 20261125T031500Z-1a2b3c4d}: sorts by time, unique by suffix. */
    public static String backupId(Instant time, String suffix) {
        String clean = suffix.toLowerCase().replaceAll("[^a-z0-9]", "");
        if (clean.isEmpty()) {
            throw new IllegalArgumentException("backup id suffix must contain letters or digits");
        }
        return TIMESTAMP.format(time) + "-" + clean.substring(0, Math.min(16, clean.length()));
    }

    public static boolean isBackupId(String value) {
        return value != null && BACKUP_ID.matcher(value).matches();
    }

    public static String folder(String namespace, String database, String backupId) {
        if (!isBackupId(backupId)) {
            throw new IllegalArgumentException("not a backup id: " + backupId);
        }
        return segment(namespace) + "/" + segment(database) + "/" + backupId;
    }

    public static String dumpFileName(DumpFormat format, CompressionAlgorithm compression) {
        String ext = DUMP_BASENAME + format.extension();
        return compression == CompressionAlgorithm.NONE ? ext : ext + "." + compression.extension();
    }

    /**
     * A path segment that is safe in any object store and file system, and one to one: a name made of
     * {@code [A-Za-z0-9._-]} is its own segment (every backup written so far stays where it is); any
     * other name is its readable part, a {@code ~} (which no safe name holds) and 16 hex digits of its
     * SHA-256, so {@code shop eu} and {@code shop_eu}, or two names that differ only outside ASCII,
     * never share a folder. Empty names become "_".
     */
    public static String segment(String name) {
        if (name == null || name.isEmpty()) {
            return "_";
        }
        if (!UNSAFE.matcher(name).find() && !name.equals(".") && !name.equals("..")) {
            return name;
        }
        return legacySegment(name) + "~" + Sha256.hex(name).substring(0, 16);
    }

    /**
     * The segment of a name as versions before the one-to-one layout wrote it (unsafe characters
     * replaced by "_"): where older backups of such a name are. It is not one to one, so what is
     * found there counts only when its manifest names the database asked for.
     */
    public static String legacySegment(String name) {
        if (name == null || name.isEmpty()) {
            return "_";
        }
        String s = UNSAFE.matcher(name).replaceAll("_");
        return s.equals(".") || s.equals("..") ? "_" + s : s;
    }
}
