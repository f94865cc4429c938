package io.schemaguard.runner.storage;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * Where backups live: {@code s3://bucket[/prefix]}, {@code azure://container[/prefix]},
 * {@code gs://bucket[/prefix]} or {@code file:///dir} (a bare path is a file location too, so
 * {@code --to ./backups} works like the seed's {@code backups/} folder). For Azure the container
 * is kept as {@link #bucket()}.
 */
public record StorageLocation(String scheme, String bucket, String prefix, Path directory) {

    public static StorageLocation parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("storage location is empty");
        }
        for (String scheme : OBJECT_SCHEMES) {
            if (value.startsWith(scheme + "://")) {
                String rest = value.substring(scheme.length() + 3);
                int slash = rest.indexOf('/');
                String bucket = slash < 0 ? rest : rest.substring(0, slash);
                String prefix = slash < 0 ? "" : trimSlashes(rest.substring(slash + 1));
                if (bucket.isEmpty()) {
                    String what = scheme.equals("azure") ? "container" : "bucket";
                    throw new IllegalArgumentException(
                            "no " + what + " in '" + value + "' (expected " + scheme + "://" + what + "/prefix)");
                }
                return new StorageLocation(scheme, bucket, prefix, null);
            }
        }
        if (value.startsWith("file:")) {
            URI uri = URI.create(value);
            if (uri.getPath() == null || uri.getPath().isEmpty()) {
                throw new IllegalArgumentException("no path in '" + value + "' (expected file:///dir)");
            }
            return new StorageLocation("file", null, "", Path.of(uri.getPath()));
        }
        if (value.contains("://")) {
            throw new IllegalArgumentException("unsupported storage '" + value
                    + "' (use s3://bucket/prefix, azure://container/prefix, gs://bucket/prefix or file:///dir)");
        }
        return new StorageLocation(
                "file", null, "", Path.of(value).toAbsolutePath().normalize());
    }

    private static final List<String> OBJECT_SCHEMES = List.of("s3", "azure", "gs");

    public boolean isS3() {
        return "s3".equals(scheme);
    }

    /** A directory on a volume, as opposed to a bucket or container of an object store. */
    public boolean isFile() {
        return "file".equals(scheme);
    }

    /** The full key of a location-relative key. */
    public String fullKey(String relativeKey) {
        return prefix.isEmpty() ? relativeKey : prefix + "/" + relativeKey;
    }

    /** The URL of a location-relative key, as shown to users and in status. */
    public String url(String relativeKey) {
        return isFile()
                ? directory.resolve(relativeKey).toUri().toString()
                : scheme + "://" + bucket + "/" + fullKey(relativeKey);
    }

    @Override
    public String toString() {
        return isFile()
                ? directory.toUri().toString()
                : scheme + "://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    private static String trimSlashes(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '/') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(start, end);
    }
}
