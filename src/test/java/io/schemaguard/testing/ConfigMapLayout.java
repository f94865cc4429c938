package io.schemaguard.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * Writes files as the kubelet's atomic writer lays out a ConfigMap volume: the payload in a hidden
 * {@code ..<timestamp>} directory, {@code ..data} linking to it, and each file a link through
 * {@code ..data}. Used by the local executors so that code reading a mounted ConfigMap meets the
 * layout it meets in a pod.
 */
public final class ConfigMapLayout {
    private ConfigMapLayout() {}

    /** @param files relative path to content; {@code dir} must not hold a payload yet */
    public static void write(Map<String, String> files, Path dir) throws IOException {
        String stamp = ".." + Instant.now().toString().replaceAll("[^0-9]", "_");
        Path payload = dir.resolve(stamp);
        Files.createDirectories(payload);
        for (var f : files.entrySet()) {
            Path file = payload.resolve(f.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, f.getValue(), StandardCharsets.UTF_8);
        }
        Files.createSymbolicLink(dir.resolve("..data"), Path.of(stamp));
        for (String key : files.keySet()) {
            String top = key.split("/")[0];
            if (!Files.exists(dir.resolve(top), LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(dir.resolve(top), Path.of("..data").resolve(top));
            }
        }
    }
}
