package io.schemaguard.runner.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A directory (a mounted volume, or {@code ./backups} on a laptop). Objects are written to a hidden
 * {@code .partial} file, synced and renamed into place on commit, so a reader never sees half a dump.
 */
public final class FileObjectStore implements ObjectStore {

    private static final String PARTIAL_SUFFIX = ".partial";

    private final StorageLocation location;
    private final Path root;

    public FileObjectStore(StorageLocation location) {
        this.location = location;
        this.root = location.directory();
    }

    @Override
    public StorageLocation location() {
        return location;
    }

    @Override
    public void checkAccess() {
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw classify(e, "create directory " + root);
        }
        if (!Files.isWritable(root)) {
            throw new StorageException(StorageException.Kind.ACCESS_DENIED, "directory " + root + " is not writable");
        }
    }

    @Override
    public UploadSink openUpload(String key) {
        Path target = resolve(key);
        Path partial = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + PARTIAL_SUFFIX);
        try {
            Files.createDirectories(target.getParent());
            FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new FileSink(key, target, partial, channel);
        } catch (IOException e) {
            throw classify(e, "write " + target);
        }
    }

    @Override
    public void put(String key, byte[] content, String contentType) {
        try (UploadSink sink = openUpload(key)) {
            sink.write(content);
            sink.commit();
        } catch (IOException e) {
            throw classify(e, "write " + resolve(key));
        }
    }

    @Override
    public InputStream open(String key) {
        Path path = resolve(key);
        try {
            return Files.newInputStream(path);
        } catch (IOException e) {
            throw classify(e, "read " + path);
        }
    }

    @Override
    public List<StoredObject> list(String keyPrefix) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<StoredObject> result = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String key = root.relativize(p).toString().replace('\\', '/');
                if (key.startsWith(keyPrefix) && !p.getFileName().toString().endsWith(PARTIAL_SUFFIX)) {
                    result.add(new StoredObject(
                            key, Files.size(p), Files.getLastModifiedTime(p).toInstant()));
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw classify(e instanceof UncheckedIOException u ? u.getCause() : (IOException) e, "list " + root);
        }
        return result;
    }

    @Override
    public List<UnfinishedUpload> unfinished(String keyPrefix) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<UnfinishedUpload> result = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String name = p.getFileName().toString();
                // .<target>.<uuid>.partial, beside the file it would have become
                if (!name.startsWith(".")
                        || !name.endsWith(PARTIAL_SUFFIX)
                        || name.length() <= 38 + PARTIAL_SUFFIX.length()) {
                    continue;
                }
                String target = name.substring(1, name.length() - PARTIAL_SUFFIX.length() - 37);
                Path relativeDir = root.relativize(p.getParent());
                String key = (relativeDir.toString().isEmpty()
                                ? ""
                                : relativeDir.toString().replace('\\', '/') + "/")
                        + target;
                if (key.startsWith(keyPrefix)) {
                    result.add(new UnfinishedUpload(
                            key, name, Files.getLastModifiedTime(p).toInstant()));
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw classify(e instanceof UncheckedIOException u ? u.getCause() : (IOException) e, "list " + root);
        }
        return result;
    }

    @Override
    public void abandon(UnfinishedUpload upload) {
        Path partial = resolve(upload.key()).resolveSibling(upload.id());
        try {
            Files.deleteIfExists(partial);
        } catch (IOException e) {
            throw classify(e, "delete " + partial);
        }
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(resolve(key));
        } catch (IOException e) {
            throw classify(e, "delete " + resolve(key));
        }
    }

    @Override
    public void close() {}

    private Path resolve(String key) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("key escapes the storage directory: " + key);
        }
        return p;
    }

    static StorageException classify(IOException e, String action) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (message.contains("No space left on device") || message.contains("Disk quota exceeded")) {
            return new StorageException(
                    StorageException.Kind.FULL, "cannot " + action + ": no space left on device", e);
        }
        if (e instanceof AccessDeniedException) {
            return new StorageException(
                    StorageException.Kind.ACCESS_DENIED, "cannot " + action + ": permission denied", e);
        }
        if (e instanceof NoSuchFileException) {
            return new StorageException(StorageException.Kind.OBJECT_NOT_FOUND, "cannot " + action + ": not found", e);
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return new StorageException(StorageException.Kind.OTHER, "cannot " + action + ": " + fse.getReason(), e);
        }
        return new StorageException(StorageException.Kind.OTHER, "cannot " + action + ": " + message, e);
    }

    private static final class FileSink extends UploadSink {
        private final String key;
        private final Path target;
        private final Path partial;
        private final FileChannel channel;
        private long total;
        private boolean finished;

        FileSink(String key, Path target, Path partial, FileChannel channel) {
            this.key = key;
            this.target = target;
            this.partial = partial;
            this.channel = channel;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (finished) {
                throw new IOException("upload of " + key + " is already finished");
            }
            try {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
                total += len;
            } catch (IOException e) {
                throw classify(e, "write " + target);
            }
        }

        @Override
        public StoredObject commit() {
            finished = true;
            try {
                channel.force(true);
                channel.close();
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return new StoredObject(
                        key, total, Files.getLastModifiedTime(target).toInstant(), 1);
            } catch (IOException e) {
                abort();
                throw classify(e, "write " + target);
            }
        }

        @Override
        public void abort() {
            finished = true;
            try {
                channel.close();
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                System.err.println("warning: could not remove " + partial + ": " + e.getMessage());
            }
        }

        @Override
        public void close() {
            if (!finished) {
                abort();
            }
        }
    }
}
