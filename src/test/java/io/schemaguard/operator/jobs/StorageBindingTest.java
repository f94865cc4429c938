package io.schemaguard.operator.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.schemaguard.api.AzureStorage;
import io.schemaguard.api.GcsStorage;
import io.schemaguard.api.SecretKeySelector;
import io.schemaguard.api.StorageSpec;
import io.schemaguard.testing.Fixtures;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How each object store becomes the runner's location, options and environment: secrets only as secretKeyRef. */
class StorageBindingTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(
                        "azure, connection string",
                        azure("backups", "team", null, null, "az", "conn", null),
                        "azure://backups/team",
                        List.of(),
                        List.of("AZURE_STORAGE_CONNECTION_STRING<-az/conn")),
                Arguments.of(
                        "azure, account key, Azurite endpoint",
                        azure(
                                "backups",
                                null,
                                "devstoreaccount1",
                                "http://azurite:10000/devstoreaccount1",
                                "az",
                                null,
                                "key"),
                        "azure://backups",
                        List.of("--endpoint=http://azurite:10000/devstoreaccount1"),
                        List.of("AZURE_STORAGE_ACCOUNT=devstoreaccount1", "AZURE_STORAGE_KEY<-az/key")),
                Arguments.of(
                        "azure, workload identity",
                        azure("backups", "p", "prodbackups", null, null, null, null),
                        "azure://backups/p",
                        List.of(),
                        List.of("AZURE_STORAGE_ACCOUNT=prodbackups")),
                Arguments.of(
                        "gcs, key from a Secret's default key",
                        gcs("team-backups", "pg", null, new SecretKeySelector("gcs-key", null)),
                        "gs://team-backups/pg",
                        List.of(),
                        List.of("SCHEMAGUARD_GCS_CREDENTIALS_JSON<-gcs-key/key.json")),
                Arguments.of(
                        "gcs, workload identity, emulator",
                        gcs("b", null, "http://fake-gcs:4443", null),
                        "gs://b",
                        List.of("--endpoint=http://fake-gcs:4443"),
                        List.of()),
                Arguments.of(
                        "s3 with SSE-KMS and a key",
                        sseKms("b", "alias/backups"),
                        "s3://b",
                        List.of("--sse=aws:kms", "--sse-kms-key-id=alias/backups"),
                        List.of("AWS_REGION=us-east-1")),
                Arguments.of(
                        "gcs with client-side encryption, the key's default name",
                        encrypted(gcs("b", null, null, null), new SecretKeySelector("backup-key", null)),
                        "gs://b",
                        List.of(),
                        List.of("SCHEMAGUARD_ENCRYPTION_KEY<-backup-key/encryption-key")),
                Arguments.of(
                        "azure with client-side encryption, a named key",
                        encrypted(
                                azure("c", null, null, null, "az", "conn", null),
                                new SecretKeySelector("vault", "dumps")),
                        "azure://c",
                        List.of(),
                        List.of(
                                "AZURE_STORAGE_CONNECTION_STRING<-az/conn",
                                "SCHEMAGUARD_ENCRYPTION_KEY<-vault/dumps")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachStoreBindsToItsLocationOptionsAndEnvironment(
            String name, StorageSpec spec, String location, List<String> args, List<String> env) {
        StorageBinding b = StorageBinding.resolve(spec, Fixtures.noDefaultStorage());
        assertThat(b.location()).isEqualTo(location);
        assertThat(b.args()).isEqualTo(args);
        assertThat(b.env().stream().map(StorageBindingTest::describe).toList()).isEqualTo(env);
        assertThat(b.volume()).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void theOperatorsDefaultMayBeAnAzureContainerOrAGcsBucketButNotBoth() {
        var azure = new Fixtures.AzureDefault(
                java.util.Optional.of("backups"),
                java.util.Optional.of("all"),
                java.util.Optional.of("prodbackups"),
                java.util.Optional.empty(),
                java.util.Optional.of("azure-credentials"),
                java.util.Optional.empty(),
                "accountKey");
        var gcs = new Fixtures.GcsDefault(
                java.util.Optional.of("team"),
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                java.util.Optional.of("gcs-key"),
                "key.json");
        var none = Fixtures.noDefaultStorage();
        var azureOnly = new Fixtures.DefaultStorage(
                none.bucket(),
                none.prefix(),
                none.endpoint(),
                "us-east-1",
                false,
                none.credentialsSecret(),
                azure,
                Fixtures.noGcs());
        StorageBinding b = StorageBinding.resolve(null, azureOnly);
        assertThat(b.location()).isEqualTo("azure://backups/all");
        assertThat(b.env().stream().map(StorageBindingTest::describe).toList())
                .containsExactly(
                        "AZURE_STORAGE_ACCOUNT=prodbackups", "AZURE_STORAGE_KEY<-azure-credentials/accountKey");

        var gcsOnly = new Fixtures.DefaultStorage(
                none.bucket(),
                none.prefix(),
                none.endpoint(),
                "us-east-1",
                false,
                none.credentialsSecret(),
                Fixtures.noAzure(),
                gcs);
        assertThat(StorageBinding.resolve(null, gcsOnly).location()).isEqualTo("gs://team");

        var both = new Fixtures.DefaultStorage(
                none.bucket(),
                none.prefix(),
                none.endpoint(),
                "us-east-1",
                false,
                none.credentialsSecret(),
                azure,
                gcs);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StorageBinding.resolve(null, both))
                .isInstanceOf(StorageBinding.NotConfigured.class)
                .hasMessageContaining("more than one store");
        // a resource's own storage wins over any default
        assertThat(StorageBinding.resolve(
                                cases().findFirst()
                                        .map(a -> (StorageSpec) a.get()[1])
                                        .orElseThrow(),
                                both)
                        .location())
                .isEqualTo("azure://backups/team");
    }

    /** The S3 default with the operator's default encryption key set. */
    private record EncryptedDefault(io.schemaguard.operator.OperatorConfig.DefaultStorage base, String secret)
            implements io.schemaguard.operator.OperatorConfig.DefaultStorage {
        public java.util.Optional<String> bucket() {
            return base.bucket();
        }

        public java.util.Optional<String> prefix() {
            return base.prefix();
        }

        public java.util.Optional<String> endpoint() {
            return base.endpoint();
        }

        public String region() {
            return base.region();
        }

        public boolean forcePathStyle() {
            return base.forcePathStyle();
        }

        public java.util.Optional<String> credentialsSecret() {
            return base.credentialsSecret();
        }

        public Azure azure() {
            return base.azure();
        }

        public Gcs gcs() {
            return base.gcs();
        }

        public Encryption encryption() {
            return new Fixtures.EncryptionDefault(java.util.Optional.of(secret), "encryption-key");
        }
    }

    @org.junit.jupiter.api.Test
    void theDefaultStoresEncryptionKeyGoesWithTheDefaultStoreOnly() {
        var defaults = new EncryptedDefault(
                new Fixtures.DefaultStorage(
                        java.util.Optional.of("shared"),
                        java.util.Optional.empty(),
                        java.util.Optional.empty(),
                        "us-east-1",
                        false,
                        java.util.Optional.empty()),
                "backup-key");
        assertThat(StorageBinding.resolve(null, defaults).env().stream()
                        .map(StorageBindingTest::describe)
                        .toList())
                .containsExactly("AWS_REGION=us-east-1", "SCHEMAGUARD_ENCRYPTION_KEY<-backup-key/encryption-key");
        // a resource naming its own store, without encryption, is not encrypted with the default's key
        StorageSpec own = gcs("b", null, null, null);
        assertThat(StorageBinding.resolve(own, defaults).env()).isEmpty();
    }

    private static String describe(EnvVar e) {
        if (e.getValueFrom() != null) {
            var ref = e.getValueFrom().getSecretKeyRef();
            assertThat(e.getValue()).as("a secret's value never in the Job").isNull();
            return e.getName() + "<-" + ref.getName() + "/" + ref.getKey();
        }
        return e.getName() + "=" + e.getValue();
    }

    private static StorageSpec azure(
            String container,
            String prefix,
            String account,
            String endpoint,
            String secret,
            String csKey,
            String keyKey) {
        AzureStorage a = new AzureStorage();
        a.setContainer(container);
        a.setPrefix(prefix);
        a.setStorageAccount(account);
        a.setEndpoint(endpoint);
        if (secret != null) {
            AzureStorage.AzureCredentials c = new AzureStorage.AzureCredentials();
            c.setName(secret);
            c.setConnectionStringKey(csKey);
            c.setAccountKeyKey(keyKey);
            a.setCredentialsSecretRef(c);
        }
        StorageSpec s = new StorageSpec();
        s.setAzure(a);
        return s;
    }

    private static StorageSpec gcs(String bucket, String prefix, String endpoint, SecretKeySelector key) {
        GcsStorage g = new GcsStorage();
        g.setBucket(bucket);
        g.setPrefix(prefix);
        g.setEndpoint(endpoint);
        g.setCredentialsSecretRef(key);
        StorageSpec s = new StorageSpec();
        s.setGcs(g);
        return s;
    }

    private static StorageSpec encrypted(StorageSpec s, SecretKeySelector key) {
        io.schemaguard.api.EncryptionSpec e = new io.schemaguard.api.EncryptionSpec();
        e.setKeySecretRef(key);
        s.setEncryption(e);
        return s;
    }

    private static StorageSpec sseKms(String bucket, String keyId) {
        io.schemaguard.api.S3Storage s3 = new io.schemaguard.api.S3Storage();
        s3.setBucket(bucket);
        s3.setServerSideEncryption("aws:kms");
        s3.setKmsKeyId(keyId);
        StorageSpec s = new StorageSpec();
        s.setS3(s3);
        return s;
    }
}
