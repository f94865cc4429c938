package io.schemaguard.storage;

import java.time.Instant;

/** An object in a store, by its location-relative key. */
public record StoredObject(String key, long size, Instant lastModified) {
}
