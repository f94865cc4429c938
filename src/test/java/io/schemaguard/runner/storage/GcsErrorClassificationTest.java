package io.schemaguard.runner.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.schemaguard.testing.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What each Cloud Storage answer means to the user. fake-gcs-server checks no credentials and has no
 * quotas, so the answers it never gives are covered here, on the SDK's own exception types.
 */
class GcsErrorClassificationTest {
    private static final StoreSettings EMULATOR =
            new StoreSettings("http://127.0.0.1:1", null, false, StoreSettings.MIN_PART_SIZE, 2);

    private final GcsObjectStore store =
            new GcsObjectStore(StorageLocation.parse("gs://team-backups/pg"), EMULATOR, null, null);

    @ParameterizedTest(name = "{0} {1} on {3}")
    @CsvSource({
        "404, notFound, The specified bucket does not exist., OBJECT, BUCKET_NOT_FOUND",
        "404, notFound, No such object: team-backups/pg/x, OBJECT, OBJECT_NOT_FOUND",
        "404, , , BUCKET, BUCKET_NOT_FOUND",
        "403, forbidden, caller does not have storage.objects.create access, BUCKET, ACCESS_DENIED",
        "401, required, Anonymous caller does not have storage.objects.list access, BUCKET, ACCESS_DENIED",
        "403, quotaExceeded, The project exceeded its quota, BUCKET, FULL",
        "507, , , BUCKET, FULL",
        "429, rateLimitExceeded, slow down, BUCKET, OTHER",
        "501, notImplemented, , BUCKET, UNSUPPORTED",
        "503, backendError, , BUCKET, OTHER"
    })
    void serverAnswers(int status, String reason, String message, GcsObjectStore.On on, StorageException.Kind kind) {
        var e = new com.google.cloud.storage.StorageException(status, message == null ? "" : message, reason, null);
        assertThat(store.classify(e, "write x", on).kind()).isEqualTo(kind);
    }

    @Test
    void accessDeniedWithoutAKeySaysNoCredentialsWereSent() {
        var e = new com.google.cloud.storage.StorageException(401, "Anonymous caller", "required", null);
        assertThat(store.classify(e, "write x", GcsObjectStore.On.BUCKET).getMessage())
                .contains("check the storage credentials")
                .contains("no credentials were sent");
    }

    @Test
    void aRefusedConnectionIsUnreachable() {
        var e = new com.google.cloud.storage.StorageException(new ConnectException("Connection refused"));
        StorageException classified = store.classify(e, "write x", GcsObjectStore.On.BUCKET);
        assertThat(classified.kind()).isEqualTo(StorageException.Kind.UNREACHABLE);
        assertThat(classified.getMessage()).contains("http://127.0.0.1:1").contains("connection refused");
    }

    @Test
    void aKeyThatIsNotAServiceAccountKeyIsRefusedBeforeAnyRequest() {
        assertThatThrownBy(() -> new GcsObjectStore(
                        StorageLocation.parse("gs://b"), EMULATOR, "{\"type\": \"authorized_user\"}", null))
                .isInstanceOfSatisfying(
                        StorageException.class,
                        e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.ACCESS_DENIED))
                .hasMessageContaining("SCHEMAGUARD_GCS_CREDENTIALS_JSON is not a service account key's JSON")
                .hasMessageContaining("check the storage credentials");
    }

    /**
     * A deleted or wrong key fails at Google's token endpoint (400 invalid_grant), before Cloud Storage
     * sees a request. A loopback stand-in for that endpoint gives the answer, so the real auth library
     * and SDK carry it the way they do in production.
     */
    @Test
    void aKeyTheTokenEndpointRefusesIsAccessDenied() throws IOException {
        HttpServer tokens = HttpServer.create(new InetSocketAddress("127.0.0.1", Ports.free()), 0);
        tokens.createContext("/token", exchange -> {
            byte[] body = "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(400, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        tokens.start();
        try {
            String key =
                    serviceAccountKey("http://127.0.0.1:" + tokens.getAddress().getPort() + "/token");
            GcsObjectStore keyed = new GcsObjectStore(StorageLocation.parse("gs://b"), EMULATOR, key, null);
            long start = System.nanoTime();
            assertThatThrownBy(keyed::checkAccess)
                    .isInstanceOfSatisfying(
                            StorageException.class,
                            e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.ACCESS_DENIED))
                    .hasMessageContaining("access denied")
                    .hasMessageContaining("invalid_grant")
                    .hasMessageContaining("check the storage credentials");
            assertThat(System.nanoTime() - start).as("a refusal is not retried").isLessThan(10_000_000_000L);
        } finally {
            tokens.stop(0);
        }
    }

    private static String serviceAccountKey(String tokenUri) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            String pem = "-----BEGIN PRIVATE KEY-----\\n"
                    + Base64.getEncoder()
                            .encodeToString(
                                    generator.generateKeyPair().getPrivate().getEncoded())
                    + "\\n-----END PRIVATE KEY-----\\n";
            return """
                    {"type": "service_account", "project_id": "p", "private_key_id": "k1", "private_key": "%s",
                     "client_email": "backups@p.iam.gserviceaccount.com", "client_id": "1", "token_uri": "%s"}
                    """.formatted(pem, tokenUri);
        } catch (NoSuchAlgorithmException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
