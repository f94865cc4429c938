package io.schemaguard.runner.storage;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where backups live: {@code s3://bucket[/prefix]} or {@code file:///dir} (a bare path is a file
 * location too, so {@code --to ./backups} works like the seed's {@code backups/} folder).
 */
public record StorageLocation(String scheme, String bucket, String prefix, Path directory) {

    public static StorageLocation parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("storage location is empty");
        }
        if (value.startsWith("s3://")) {
            String rest = value.substring("s3://".length());
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String prefix = slash < 0 ? "" : trimSlashes(rest.substring(slash + 1));
            if (bucket.isEmpty()) {
                throw new IllegalArgumentException("no bucket in '" + value + "' (expected s3://bucket/prefix)");
            }
            return new StorageLocation("s3", bucket, prefix, null);
        }
        if (value.startsWith("file:")) {
            URI uri = URI.create(value);
            if (uri.getPath() == null || uri.getPath().isEmpty()) {
                throw new IllegalArgumentException("no path in '" + value + "' (expected file:///dir)");
            }
            return new StorageLocation("file", null, "", Path.of(uri.getPath()));
        }
        if (value.contains("://")) {
            throw new IllegalArgumentException(
                    "unsupported storage '" + value + "' (use s3://bucket/prefix or file:///dir)");
        }
        return new StorageLocation(
                "file", null, "", Path.of(value).toAbsolutePath().normalize());
    }

    public boolean isS3() {
        return "s3".equals(scheme);
    }

    /** The full key of a location-relative key. */
    public String fullKey(String relativeKey) {
        return prefix.isEmpty() ? relativeKey : prefix + "/" + relativeKey;
    }

    /** The URL of a location-relative key, as shown to users and in status. */
    public String url(String relativeKey) {
        return isS3()
                ? "s3://" + bucket + "/" + fullKey(relativeKey)
                : directory.resolve(relativeKey).toUri().toString();
    }

    @Override
    public String toString() {
        return isS3()
                ? "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix)
                : directory.toUri().toString();
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
