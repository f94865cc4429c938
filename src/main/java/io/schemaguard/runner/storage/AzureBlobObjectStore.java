package io.schemaguard.runner.storage;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * A container of Azure Blob Storage through Microsoft's SDK. Dumps are block blobs: blocks are staged
 * from the part pool and become one blob only when the block list is committed, so a cut upload leaves
 * nothing a reader sees (the service drops uncommitted blocks after a week).
 *
 * <p>Credentials, in order: {@code AZURE_STORAGE_CONNECTION_STRING}; {@code AZURE_STORAGE_ACCOUNT}
 * with {@code AZURE_STORAGE_KEY}; otherwise the account's Entra ID identity (workload identity on AKS,
 * through azure-identity's default chain). The endpoint is the connection string's, the
 * {@code --endpoint} given (Azurite, a sovereign cloud), or {@code https://ACCOUNT.blob.core.windows.net}.
 */
public final class AzureBlobObjectStore implements ObjectStore {

    private final StorageLocation location;
    private final StoreSettings settings;
    private final BlobContainerClient container;
    private final String endpointName;

    public AzureBlobObjectStore(StorageLocation location, StoreSettings settings) {
        this.location = location;
        this.settings = settings;
        String connectionString = System.getenv("AZURE_STORAGE_CONNECTION_STRING");
        String account = System.getenv("AZURE_STORAGE_ACCOUNT");
        String accountKey = System.getenv("AZURE_STORAGE_KEY");
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder()
                // the SDK's default waits 4 s doubling to 2 min; a storage that is down should be named in seconds
                .retryOptions(new RequestRetryOptions(
                        RetryPolicyType.EXPONENTIAL,
                        4,
                        Duration.ofSeconds(120),
                        Duration.ofMillis(500),
                        Duration.ofSeconds(8),
                        null));
        if (present(connectionString)) {
            builder.connectionString(connectionString);
            if (present(settings.endpoint())) {
                builder.endpoint(settings.endpoint());
            }
        } else {
            String endpoint = present(settings.endpoint())
                    ? settings.endpoint()
                    : present(account) ? "https://" + account + ".blob.core.windows.net" : null;
            if (endpoint == null) {
                throw new StorageException(
                        StorageException.Kind.ACCESS_DENIED,
                        "no Azure storage account: set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT"
                                + " (with AZURE_STORAGE_KEY, or a workload identity), or --endpoint");
            }
            builder.endpoint(endpoint);
            if (present(accountKey)) {
                if (!present(account)) {
                    throw new StorageException(
                            StorageException.Kind.ACCESS_DENIED,
                            "AZURE_STORAGE_KEY is set but AZURE_STORAGE_ACCOUNT is not: a shared key needs its account");
                }
                builder.credential(new StorageSharedKeyCredential(account, accountKey));
            } else {
                TokenCredential identity = new DefaultAzureCredentialBuilder().build();
                builder.credential(identity);
            }
        }
        BlobServiceClient service = builder.buildClient();
        this.container = service.getBlobContainerClient(location.bucket());
        this.endpointName = service.getAccountUrl();
    }

    @Override
    public StorageLocation location() {
        return location;
    }

    StoreSettings settings() {
        return settings;
    }

    BlobContainerClient container() {
        return container;
    }

    @Override
    public void checkAccess() {
        try {
            // listing one name needs the same rights as the backup's writes' neighbours and fails on a missing
            // container
            container
                    .listBlobs(new ListBlobsOptions().setMaxResultsPerPage(1), null)
                    .iterator()
                    .hasNext();
        } catch (RuntimeException e) {
            throw classify(e, "access container " + location.bucket());
        }
    }

    @Override
    public UploadSink openUpload(String key) {
        return new AzureBlockSink(this, key);
    }

    @Override
    public void put(String key, byte[] content, String contentType) {
        try {
            container
                    .getBlobClient(location.fullKey(key))
                    .uploadWithResponse(
                            new BlobParallelUploadOptions(BinaryData.fromBytes(content))
                                    .setHeaders(new BlobHttpHeaders().setContentType(contentType)),
                            null,
                            Context.NONE);
        } catch (RuntimeException e) {
            throw classify(e, "write " + location.url(key));
        }
    }

    @Override
    public InputStream open(String key) {
        try {
            // ranged reads, each retried by the SDK, pinned to the blob's ETag so a blob replaced mid-read fails
            return container.getBlobClient(location.fullKey(key)).openInputStream();
        } catch (RuntimeException e) {
            throw classify(e, "read " + location.url(key));
        }
    }

    @Override
    public List<StoredObject> list(String keyPrefix) {
        List<StoredObject> result = new ArrayList<>();
        try {
            for (BlobItem b : container.listBlobs(new ListBlobsOptions().setPrefix(fullPrefix(keyPrefix)), null)) {
                result.add(new StoredObject(
                        relative(b.getName()),
                        b.getProperties().getContentLength(),
                        b.getProperties().getLastModified().toInstant()));
            }
        } catch (RuntimeException e) {
            throw classify(e, "list " + location);
        }
        return result;
    }

    /**
     * Blobs that have staged blocks and were never committed: listed only when uncommitted blobs are
     * asked for, and absent from the plain listing. Their start is not recorded by the service, so they
     * carry the listing's time and look young: the caller's age rule leaves them to the next scan.
     */
    @Override
    public List<UnfinishedUpload> unfinished(String keyPrefix) {
        String prefix = fullPrefix(keyPrefix);
        try {
            Set<String> committed = new HashSet<>();
            for (BlobItem b : container.listBlobs(new ListBlobsOptions().setPrefix(prefix), null)) {
                committed.add(b.getName());
            }
            List<UnfinishedUpload> result = new ArrayList<>();
            ListBlobsOptions withUncommitted = new ListBlobsOptions()
                    .setPrefix(prefix)
                    .setDetails(new BlobListDetails().setRetrieveUncommittedBlobs(true));
            for (BlobItem b : container.listBlobs(withUncommitted, null)) {
                if (!committed.contains(b.getName())) {
                    Instant seen = b.getProperties().getCreationTime() != null
                            ? b.getProperties().getCreationTime().toInstant()
                            : Instant.now();
                    result.add(new UnfinishedUpload(relative(b.getName()), b.getName(), seen));
                }
            }
            return result;
        } catch (RuntimeException e) {
            throw classify(e, "list unfinished uploads under " + location);
        }
    }

    /** Uncommitted blocks cannot be deleted one by one: committing an empty list makes a blob that can be. */
    @Override
    public void abandon(UnfinishedUpload upload) {
        var blob = container.getBlobClient(location.fullKey(upload.key())).getBlockBlobClient();
        try {
            if (!blob.exists()) {
                blob.commitBlockList(List.of(), false);
                blob.delete();
            }
        } catch (BlobStorageException e) {
            if (e.getStatusCode() != 404 && e.getStatusCode() != 409) {
                throw classify(e, "abort upload of " + location.url(upload.key()));
            }
        } catch (RuntimeException e) {
            throw classify(e, "abort upload of " + location.url(upload.key()));
        }
    }

    @Override
    public void delete(String key) {
        try {
            container.getBlobClient(location.fullKey(key)).deleteIfExists();
        } catch (RuntimeException e) {
            throw classify(e, "delete " + location.url(key));
        }
    }

    @Override
    public void close() {
        // the SDK's clients share Netty's event loops, which are daemon threads; nothing to release per store
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
    StorageException classify(RuntimeException e, String action) {
        if (e instanceof StorageException se) {
            return se;
        }
        BlobStorageException bse = find(e, BlobStorageException.class);
        if (bse != null) {
            int status = bse.getStatusCode();
            BlobErrorCode code = bse.getErrorCode();
            String detail = code != null ? code.toString() : "HTTP " + status;
            if (BlobErrorCode.CONTAINER_NOT_FOUND.equals(code)) {
                return new StorageException(
                        StorageException.Kind.BUCKET_NOT_FOUND,
                        "container '" + location.bucket() + "' does not exist at " + endpointName,
                        e);
            }
            if (status == 404) {
                return new StorageException(
                        StorageException.Kind.OBJECT_NOT_FOUND, "cannot " + action + ": not found", e);
            }
            if (status == 507
                    || BlobErrorCode.ACCOUNT_IS_DISABLED.equals(code)
                    || (code != null && code.toString().contains("Quota"))) {
                return new StorageException(
                        StorageException.Kind.FULL,
                        "cannot " + action + ": storage is full or over quota (" + detail + ")",
                        e);
            }
            if (status == 403 || status == 401) {
                return new StorageException(
                        StorageException.Kind.ACCESS_DENIED,
                        "cannot " + action + ": access denied by " + endpointName + " (" + detail
                                + "): check the storage credentials and their permissions",
                        e);
            }
            return new StorageException(
                    StorageException.Kind.OTHER,
                    "cannot " + action + ": " + endpointName + " answered HTTP " + status + " " + detail
                            + (status >= 500 ? ": the storage server itself failed; check its health and logs" : ""),
                    e);
        }
        if (find(e, ConnectException.class) != null
                || find(e, UnknownHostException.class) != null
                || find(e, NoRouteToHostException.class) != null
                || find(e, SocketTimeoutException.class) != null
                || find(e, SocketException.class) != null
                || find(e, TimeoutException.class) != null
                || rootMessage(e).contains("connection refused")
                || rootMessage(e).contains("connection reset")) {
            return new StorageException(
                    StorageException.Kind.UNREACHABLE,
                    "cannot " + action + ": storage endpoint " + endpointName + " is unreachable (" + rootMessage(e)
                            + ")",
                    e);
        }
        if (find(e, ClientAuthenticationException.class) != null || fromIdentity(e)) {
            // azure-identity's chain names every source it tried and then "see inner exception"; one line says what to
            // do
            return new StorageException(
                    StorageException.Kind.ACCESS_DENIED,
                    "cannot " + action + ": no Azure credentials: set AZURE_STORAGE_CONNECTION_STRING, or"
                            + " AZURE_STORAGE_KEY (a Secret's key in a Job), or give the pod a workload identity"
                            + " (AKS: the azure.workload.identity/use label and a federated service account)",
                    e);
        }
        return new StorageException(
                StorageException.Kind.OTHER, "cannot " + action + ": " + S3ObjectStore.firstLine(e.getMessage()), e);
    }

    private static boolean fromIdentity(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getClass().getName().startsWith("com.azure.identity")) {
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
