package io.schemaguard.runner.storage;

import java.time.Instant;

/** An object in a store, by its location-relative key; {@code parts} is how many uploads made it (0: unknown). */
public record StoredObject(String key, long size, Instant lastModified, int parts) {
    public StoredObject(String key, long size, Instant lastModified) {
        this(key, size, lastModified, 0);
    }
}
