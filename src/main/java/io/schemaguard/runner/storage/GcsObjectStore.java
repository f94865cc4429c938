package io.schemaguard.runner.storage;

import com.google.api.gax.retrying.RetrySettings;
import com.google.auth.Credentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.cloud.BaseServiceException;
import com.google.cloud.NoCredentials;
import com.google.cloud.ReadChannel;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.Storage.BlobListOption;
import com.google.cloud.storage.StorageOptions;
import com.google.cloud.storage.StorageRetryStrategy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bucket of Google Cloud Storage through Google's SDK (the JSON API over HTTP). Dumps are resumable
 * uploads fed chunk by chunk from the part pool; nothing is visible until the last chunk finalizes
 * the object, so a cut upload leaves nothing a reader sees.
 *
 * <p>Credentials, in order: {@code SCHEMAGUARD_GCS_CREDENTIALS_JSON}, a service account key's JSON
 * itself (the operator passes it from a Secret's key); otherwise Application Default Credentials
 * ({@code GOOGLE_APPLICATION_CREDENTIALS}, or the pod's workload identity on GKE). With an
 * {@code --endpoint} and neither variable set, the endpoint is taken for an emulator and no
 * credentials are sent.
 */
public final class GcsObjectStore implements ObjectStore {

    static final String CREDENTIALS_JSON = "SCHEMAGUARD_GCS_CREDENTIALS_JSON";

    /** Resumable chunks must be multiples of 256 KiB. */
    private static final int CHUNK_ALIGNMENT = 256 * 1024;

    /** What a 404 can mean: a read of a named object may miss the object; anything else misses the bucket. */
    enum On {
        BUCKET,
        OBJECT
    }

    private final StorageLocation location;
    private final StoreSettings chunkSettings;
    private final boolean anonymous;
    private final String endpointName;
    private final Storage storage;

    public GcsObjectStore(StorageLocation location, StoreSettings settings) {
        this(location, settings, System.getenv(CREDENTIALS_JSON), System.getenv("GOOGLE_APPLICATION_CREDENTIALS"));
    }

    GcsObjectStore(StorageLocation location, StoreSettings settings, String keyJson, String keyFile) {
        this.location = location;
        // a resumable session takes one chunk at a time, in order: one uploader, chunks aligned as GCS requires
        int chunk = settings.partSize() / CHUNK_ALIGNMENT * CHUNK_ALIGNMENT;
        this.chunkSettings = new StoreSettings(settings.endpoint(), settings.region(), settings.pathStyle(), chunk, 1);
        boolean emulator = present(settings.endpoint());
        this.endpointName = emulator ? settings.endpoint() : "Google Cloud Storage";
        Credentials credentials = credentials(keyJson, keyFile, emulator);
        this.anonymous = credentials instanceof NoCredentials;
        StorageOptions.Builder builder = StorageOptions.http()
                .setCredentials(credentials)
                .setTransportOptions(HttpTransportOptions.newBuilder()
                        .setConnectTimeout((int) Duration.ofSeconds(10).toMillis())
                        .setReadTimeout((int) Duration.ofSeconds(60).toMillis())
                        .build())
                // the SDK's default tries 6 times over 50 s; a storage that is down should be named in seconds
                .setRetrySettings(RetrySettings.newBuilder()
                        .setMaxAttempts(4)
                        .setInitialRetryDelayDuration(Duration.ofMillis(500))
                        .setRetryDelayMultiplier(2.0)
                        .setMaxRetryDelayDuration(Duration.ofSeconds(8))
                        .setInitialRpcTimeoutDuration(Duration.ofSeconds(60))
                        .setMaxRpcTimeoutDuration(Duration.ofSeconds(60))
                        .setTotalTimeoutDuration(Duration.ofSeconds(60))
                        .build())
                // every write is a whole object under a key only this runner writes, so repeating one is safe;
                // the default strategy would not retry an upload that has no generation precondition
                .setStorageRetryStrategy(StorageRetryStrategy.getUniformStorageRetryStrategy());
        if (emulator) {
            builder.setHost(settings.endpoint());
        }
        if (anonymous) {
            // object requests need no project; without one the SDK would go looking for it (gcloud, the metadata
            // server)
            builder.setProjectId("emulator");
        }
        this.storage = builder.build().getService();
    }

    private static Credentials credentials(String keyJson, String keyFile, boolean emulator) {
        if (present(keyJson)) {
            try {
                return ServiceAccountCredentials.fromStream(
                        new ByteArrayInputStream(keyJson.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException | RuntimeException e) {
                throw new StorageException(
                        StorageException.Kind.ACCESS_DENIED,
                        CREDENTIALS_JSON + " is not a service account key's JSON ("
                                + S3ObjectStore.firstLine(e.getMessage())
                                + "): check the storage credentials (the Secret's key must hold the key file itself)",
                        e);
            }
        }
        if (emulator && !present(keyFile)) {
            return NoCredentials.getInstance();
        }
        try {
            return GoogleCredentials.getApplicationDefault();
        } catch (IOException e) {
            throw new StorageException(
                    StorageException.Kind.ACCESS_DENIED,
                    "no Google Cloud credentials: set " + CREDENTIALS_JSON + " (a service account key's JSON, a"
                            + " Secret's key in a Job) or GOOGLE_APPLICATION_CREDENTIALS, or give the pod a workload"
                            + " identity (GKE: Workload Identity Federation for its service account); check the"
                            + " storage credentials",
                    e);
        }
    }

    @Override
    public StorageLocation location() {
        return location;
    }

    /** The part pool's settings for resumable chunks: aligned size, one uploader. */
    StoreSettings chunkSettings() {
        return chunkSettings;
    }

    Storage client() {
        return storage;
    }

    @Override
    public void checkAccess() {
        try {
            // listing needs the same role as the backup's writes (storage.objects.*), where reading the bucket's own
            // metadata would need storage.buckets.get, which object roles lack; a missing bucket is a 404 here
            storage.list(location.bucket(), BlobListOption.pageSize(1))
                    .getValues()
                    .iterator()
                    .hasNext();
        } catch (RuntimeException e) {
            throw classify(e, "access bucket " + location.bucket(), On.BUCKET);
        }
    }

    @Override
    public UploadSink openUpload(String key) {
        return new GcsResumableSink(this, key);
    }

    @Override
    public void put(String key, byte[] content, String contentType) {
        try {
            storage.create(
                    BlobInfo.newBuilder(location.bucket(), location.fullKey(key))
                            .setContentType(contentType)
                            .build(),
                    content);
        } catch (RuntimeException e) {
            throw classify(e, "write " + location.url(key), On.BUCKET);
        }
    }

    /**
     * Reads in ranged requests that the SDK resumes where a broken one stopped, pinned to the generation
     * found first: an object replaced mid-read fails rather than splicing two versions.
     */
    @Override
    public InputStream open(String key) {
        String url = location.url(key);
        ReadChannel reader;
        try {
            Blob blob = storage.get(BlobId.of(location.bucket(), location.fullKey(key)));
            if (blob == null) {
                throw new StorageException(
                        StorageException.Kind.OBJECT_NOT_FOUND, "cannot read " + url + ": not found");
            }
            reader = storage.reader(BlobId.of(location.bucket(), location.fullKey(key), blob.getGeneration()));
        } catch (RuntimeException e) {
            throw classify(e, "read " + url, On.OBJECT);
        }
        InputStream in = Channels.newInputStream(reader);
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return in.read(b, off, len);
                } catch (IOException | RuntimeException e) {
                    // the SDK has retried already; what is left is said once, classified
                    StorageException classified = classify(
                            e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e),
                            "read " + url,
                            On.OBJECT);
                    throw new IOException(classified.getMessage(), classified);
                }
            }

            @Override
            public void close() {
                reader.close();
            }
        };
    }

    @Override
    public List<StoredObject> list(String keyPrefix) {
        List<StoredObject> result = new ArrayList<>();
        try {
            for (Blob b : storage.list(location.bucket(), BlobListOption.prefix(fullPrefix(keyPrefix)))
                    .iterateAll()) {
                result.add(new StoredObject(
                        relative(b.getName()),
                        b.getSize() == null ? 0 : b.getSize(),
                        b.getUpdateTimeOffsetDateTime() == null
                                ? Instant.EPOCH
                                : b.getUpdateTimeOffsetDateTime().toInstant()));
            }
        } catch (RuntimeException e) {
            throw classify(e, "list " + location, On.BUCKET);
        }
        return result;
    }

    /**
     * None can be named: an unfinalized resumable session is known only to the client that holds its URL,
     * and Cloud Storage drops it a week after it began. It holds nothing that {@link #list} or a reader
     * sees, so the orphan scan has nothing to abort here.
     */
    @Override
    public List<UnfinishedUpload> unfinished(String keyPrefix) {
        return List.of();
    }

    /** Nothing to abort: {@link #unfinished} names no upload. */
    @Override
    public void abandon(UnfinishedUpload upload) {}

    @Override
    public void delete(String key) {
        try {
            storage.delete(BlobId.of(location.bucket(), location.fullKey(key)));
        } catch (RuntimeException e) {
            BaseServiceException se = find(e, BaseServiceException.class);
            if (se != null && se.getCode() == 404) {
                return; // gone already
            }
            throw classify(e, "delete " + location.url(key), On.OBJECT);
        }
    }

    @Override
    public void close() {
        try {
            storage.close();
        } catch (Exception e) {
            // nothing held that outlives the process
        }
    }

    private String fullPrefix(String keyPrefix) {
        return location.prefix().isEmpty()
                ? keyPrefix
                : keyPrefix.isEmpty() ? location.prefix() + "/" : location.fullKey(keyPrefix);
    }

    private String relative(String name) {
        return location.prefix().isEmpty()
                ? name
                : name.substring(location.prefix().length() + 1);
    }

    /** Turns an SDK failure into a one-line, classified error naming what was attempted. */
    StorageException classify(RuntimeException e, String action, On on) {
        if (e instanceof StorageException se) {
            return se;
        }
        boolean network = find(e, ConnectException.class) != null
                || find(e, UnknownHostException.class) != null
                || find(e, NoRouteToHostException.class) != null
                || find(e, SocketTimeoutException.class) != null
                || find(e, SocketException.class) != null
                || rootMessage(e).contains("connection refused")
                || rootMessage(e).contains("connection reset")
                || rootMessage(e).contains("unexpected end of file");
        // before the HTTP status: a refused key fails at Google's token endpoint, which the SDK carries as an
        // IOException inside its own exception
        if (fromAuth(e)) {
            return network
                    ? new StorageException(
                            StorageException.Kind.UNREACHABLE,
                            "cannot " + action + ": the credentials' token endpoint is unreachable (" + rootMessage(e)
                                    + ")",
                            e)
                    : new StorageException(
                            StorageException.Kind.ACCESS_DENIED,
                            "cannot " + action + ": access denied: the token endpoint refused the credentials ("
                                    + tokenRefusal(e) + "): check the storage credentials (a deleted or rotated key,"
                                    + " or a workload identity without its binding)",
                            e);
        }
        BaseServiceException bse = find(e, BaseServiceException.class);
        int status = bse == null ? 0 : bse.getCode();
        if (status > 0) {
            String reason = bse.getReason();
            String detail = reason != null ? reason : "HTTP " + status;
            String message = bse.getMessage() == null ? "" : bse.getMessage().toLowerCase(Locale.ROOT);
            if (status == 404 && (on == On.BUCKET || message.contains("bucket does not exist"))) {
                return new StorageException(
                        StorageException.Kind.BUCKET_NOT_FOUND,
                        "bucket '" + location.bucket() + "' does not exist at " + endpointName,
                        e);
            }
            if (status == 404) {
                return new StorageException(
                        StorageException.Kind.OBJECT_NOT_FOUND, "cannot " + action + ": not found", e);
            }
            // a project's quota comes as 403 with a quota reason, so it is told apart before access errors; 429 is
            // throttling, retried by the SDK, not a full store
            if (status == 507
                    || (status != 429
                            && reason != null
                            && reason.toLowerCase(Locale.ROOT).contains("quota"))) {
                return new StorageException(
                        StorageException.Kind.FULL,
                        "cannot " + action + ": storage is full or over quota (" + detail + ")",
                        e);
            }
            if (status == 403 || status == 401) {
                return new StorageException(
                        StorageException.Kind.ACCESS_DENIED,
                        "cannot " + action + ": access denied by " + endpointName + " (" + detail + ")"
                                + (anonymous ? ", and no credentials were sent (an --endpoint without a key)" : "")
                                + ": check the storage credentials and their permissions",
                        e);
            }
            if (status == 501) {
                // an emulator or proxy without this part of the API
                return new StorageException(
                        StorageException.Kind.UNSUPPORTED,
                        "cannot " + action + ": " + endpointName + " does not implement this request (" + detail + ")",
                        e);
            }
            return new StorageException(
                    StorageException.Kind.OTHER,
                    "cannot " + action + ": " + endpointName + " answered HTTP " + status + " " + detail
                            + (status >= 500 ? ": the storage server itself failed; check its health and logs" : ""),
                    e);
        }
        if (network) {
            return new StorageException(
                    StorageException.Kind.UNREACHABLE,
                    "cannot " + action + ": storage endpoint " + endpointName + " is unreachable (" + rootMessage(e)
                            + ")",
                    e);
        }
        return new StorageException(
                StorageException.Kind.OTHER, "cannot " + action + ": " + S3ObjectStore.firstLine(e.getMessage()), e);
    }

    private static final Pattern OAUTH_ERROR = Pattern.compile("\"error\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern OAUTH_DESCRIPTION = Pattern.compile("\"error_description\"\\s*:\\s*\"([^\"]+)\"");

    /** The OAuth error and its description from the token endpoint's answer (invalid_grant: Invalid JWT Signature.). */
    private static String tokenRefusal(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            Matcher error = OAUTH_ERROR.matcher(String.valueOf(c.getMessage()));
            if (error.find()) {
                Matcher description = OAUTH_DESCRIPTION.matcher(c.getMessage());
                return error.group(1) + (description.find() ? ": " + description.group(1) : "");
            }
        }
        return rootMessage(t);
    }

    private static boolean fromAuth(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getClass().getName().startsWith("com.google.auth.")) {
                return true;
            }
        }
        return false;
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
            for (Throwable s : c.getSuppressed()) {
                if (type.isInstance(s)) {
                    return type.cast(s);
                }
            }
        }
        return null;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        String lower = m.toLowerCase(Locale.ROOT);
        return lower.contains("refused") ? "connection refused" : S3ObjectStore.firstLine(lower);
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }
}
