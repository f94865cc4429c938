package io.schemaguard.runner.storage;

import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** An S3-compatible bucket through the AWS SDK v2 (endpoint override and path-style for MinIO, Ceph, ...). */
public final class S3ObjectStore implements ObjectStore {

    private final StorageLocation location;
    private final StoreSettings settings;
    private final S3Client s3;

    public S3ObjectStore(StorageLocation location, StoreSettings settings) {
        this.location = location;
        this.settings = settings;
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(120))
                        .build())
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .forcePathStyle(settings.pathStyle());
        String region = firstNonBlank(
                settings.region(), System.getenv("AWS_REGION"), System.getenv("AWS_DEFAULT_REGION"), "us-east-1");
        builder.region(Region.of(region));
        if (settings.endpoint() != null && !settings.endpoint().isBlank()) {
            builder.endpointOverride(URI.create(settings.endpoint()));
        }
        this.s3 = builder.build();
    }

    @Override
    public StorageLocation location() {
        return location;
    }

    @Override
    public void checkAccess() {
        try {
            s3.headBucket(b -> b.bucket(location.bucket()));
        } catch (SdkException e) {
            throw classify(e, "access bucket " + location.bucket());
        }
    }

    @Override
    public UploadSink openUpload(String key) {
        return new S3MultipartSink(this, key);
    }

    @Override
    public void put(String key, byte[] content, String contentType) {
        try {
            s3.putObject(
                    b -> b.bucket(location.bucket())
                            .key(location.fullKey(key))
                            .contentType(contentType)
                            .checksumAlgorithm(ChecksumAlgorithm.CRC32)
                            .serverSideEncryption(settings.serverSideEncryption())
                            .ssekmsKeyId(settings.kmsKeyId()),
                    RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw classify(e, "write " + location.url(key));
        }
    }

    @Override
    public InputStream open(String key) {
        return ResumingS3Stream.open(this, key);
    }

    @Override
    public List<StoredObject> list(String keyPrefix) {
        String fullPrefix = location.fullKey(keyPrefix);
        if (!location.prefix().isEmpty() && keyPrefix.isEmpty()) {
            fullPrefix = location.prefix() + "/";
        }
        int strip = location.prefix().isEmpty() ? 0 : location.prefix().length() + 1;
        List<StoredObject> result = new ArrayList<>();
        try {
            String finalPrefix = fullPrefix;
            for (S3Object o : s3.listObjectsV2Paginator(
                            b -> b.bucket(location.bucket()).prefix(finalPrefix))
                    .contents()) {
                result.add(new StoredObject(o.key().substring(strip), o.size(), o.lastModified()));
            }
        } catch (SdkException e) {
            throw classify(e, "list " + location);
        }
        return result;
    }

    @Override
    public List<UnfinishedUpload> unfinished(String keyPrefix) {
        String fullPrefix = location.prefix().isEmpty()
                ? keyPrefix
                : keyPrefix.isEmpty() ? location.prefix() + "/" : location.fullKey(keyPrefix);
        int strip = location.prefix().isEmpty() ? 0 : location.prefix().length() + 1;
        List<UnfinishedUpload> result = new ArrayList<>();
        try {
            for (var u : s3.listMultipartUploadsPaginator(
                            b -> b.bucket(location.bucket()).prefix(fullPrefix))
                    .uploads()) {
                result.add(new UnfinishedUpload(u.key().substring(strip), u.uploadId(), u.initiated()));
            }
        } catch (SdkException e) {
            throw classify(e, "list unfinished uploads under " + location);
        }
        return result;
    }

    @Override
    public void abandon(UnfinishedUpload upload) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(location.bucket())
                    .key(location.fullKey(upload.key()))
                    .uploadId(upload.id()));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw classify(e, "abort upload of " + location.url(upload.key()));
            }
        } catch (SdkException e) {
            throw classify(e, "abort upload of " + location.url(upload.key()));
        }
    }

    @Override
    public void delete(String key) {
        try {
            s3.deleteObject(b -> b.bucket(location.bucket()).key(location.fullKey(key)));
        } catch (SdkException e) {
            throw classify(e, "delete " + location.url(key));
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    S3Client client() {
        return s3;
    }

    StoreSettings settings() {
        return settings;
    }

    /** Turns an SDK failure into a one-line, classified error naming what was attempted. */
    StorageException classify(SdkException e, String action) {
        if (e instanceof S3Exception s3e) {
            String code =
                    s3e.awsErrorDetails() == null ? null : s3e.awsErrorDetails().errorCode();
            int status = s3e.statusCode();
            String detail = code != null ? code : "HTTP " + status;
            if ("NoSuchBucket".equals(code) || (status == 404 && action.startsWith("access bucket"))) {
                return new StorageException(
                        StorageException.Kind.BUCKET_NOT_FOUND,
                        "bucket '" + location.bucket() + "' does not exist at " + endpointName(),
                        e);
            }
            if ("NoSuchKey".equals(code) || status == 404) {
                return new StorageException(
                        StorageException.Kind.OBJECT_NOT_FOUND, "cannot " + action + ": not found", e);
            }
            // quota errors come as 403 from some stores, so they are told apart before access errors
            if (status == 507
                    || (code != null
                            && (code.contains("Quota")
                                    || code.contains("StorageFull")
                                    || code.equals("EntityTooLarge")
                                    || code.equals("InsufficientStorage")))) {
                return new StorageException(
                        StorageException.Kind.FULL,
                        "cannot " + action + ": storage is full or over quota (" + detail + ")",
                        e);
            }
            if (status == 403
                    || status == 401
                    || "InvalidAccessKeyId".equals(code)
                    || "SignatureDoesNotMatch".equals(code)
                    || "AccessDenied".equals(code)) {
                return new StorageException(
                        StorageException.Kind.ACCESS_DENIED,
                        "cannot " + action + ": access denied by " + endpointName() + " (" + detail
                                + "): check the storage credentials and their permissions",
                        e);
            }
            if (status == 501 || "NotImplemented".equals(code)) {
                return new StorageException(
                        StorageException.Kind.UNSUPPORTED,
                        "cannot " + action + ": " + endpointName() + " does not implement this request (" + detail + ")"
                                + (settings.serverSideEncryption() != null
                                        ? ": it was asked for server-side encryption " + settings.serverSideEncryption()
                                                + "; remove serverSideEncryption (--sse) or use a server that supports it"
                                        : ""),
                        e);
            }
            return new StorageException(
                    StorageException.Kind.OTHER, "cannot " + action + ": " + answered(s3e, status, code), e);
        }
        if (hasMessage(e, "Error writing request body")) {
            // HttpURLConnection's words when the server stops reading mid-upload; its answer is lost with them
            return new StorageException(
                    StorageException.Kind.OTHER,
                    "cannot " + action + ": " + endpointName()
                            + " closed the connection while the request body was being sent" + attempts(e)
                            + " (a server refusing a request, or a proxy with a body size limit, does that): see its logs",
                    e);
        }
        if (e instanceof SdkClientException
                && hasCause(
                        e,
                        ConnectException.class,
                        UnknownHostException.class,
                        NoRouteToHostException.class,
                        SocketTimeoutException.class,
                        SocketException.class)) {
            return new StorageException(
                    StorageException.Kind.UNREACHABLE,
                    "cannot " + action + ": storage endpoint " + endpointName() + " is unreachable (" + rootMessage(e)
                            + ")",
                    e);
        }
        if (e instanceof SdkClientException
                && e.getMessage() != null
                && e.getMessage().startsWith("Unable to load credentials")) {
            // The SDK lists every provider it tried in about a thousand characters; one line says what to do.
            return new StorageException(
                    StorageException.Kind.ACCESS_DENIED,
                    "cannot " + action + ": no storage"
                            + " credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (a Secret's keys in a Job), or"
                            + " give the pod a web identity or instance role",
                    e);
        }
        return new StorageException(
                StorageException.Kind.OTHER, "cannot " + action + ": " + firstLine(e.getMessage()), e);
    }

    /** "the storage answered HTTP 500 InternalError (message) on each of 4 attempts: ...", without the SDK's noise. */
    private String answered(S3Exception e, int status, String code) {
        String message =
                e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        StringBuilder b =
                new StringBuilder(endpointName()).append(" answered HTTP ").append(status);
        b.append(code != null ? " " + code : "");
        if (message != null && !message.isBlank()) {
            b.append(" (").append(firstLine(message)).append(')');
        }
        b.append(attempts(e));
        if (status >= 500) {
            b.append(": the storage server itself failed; check its health and logs");
        }
        if (e.requestId() != null && !e.requestId().isBlank()) {
            b.append(" (request id ").append(e.requestId()).append(')');
        }
        return b.toString();
    }

    private static String attempts(SdkException e) {
        Integer n = e.numAttempts();
        return n == null || n <= 1 ? "" : " on each of " + n + " attempts";
    }

    private static boolean hasMessage(Throwable t, String fragment) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains(fragment)) {
                return true;
            }
        }
        return false;
    }

    private String endpointName() {
        return settings.endpoint() != null && !settings.endpoint().isBlank() ? settings.endpoint() : "AWS S3";
    }

    @SafeVarargs
    private static boolean hasCause(Throwable t, Class<? extends Throwable>... types) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(c)) {
                    return true;
                }
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return (m == null ? c.getClass().getSimpleName() : m)
                        .toLowerCase(Locale.ROOT)
                        .contains("refused")
                ? "connection refused"
                : firstLine(m == null ? c.getClass().getSimpleName() : m);
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
