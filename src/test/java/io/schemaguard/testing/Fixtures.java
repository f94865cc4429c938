package io.schemaguard.testing;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupSpec;
import io.schemaguard.api.DatabaseConnection;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.DatabaseRestoreSpec;
import io.schemaguard.api.RestoreSource;
import io.schemaguard.api.S3Storage;
import io.schemaguard.api.SecretKeySelector;
import io.schemaguard.api.StorageSpec;
import io.schemaguard.operator.OperatorConfig;
import java.util.List;
import java.util.Optional;

/** Resources and settings for operator tests. */
public final class Fixtures {
    private Fixtures() {}

    public static DatabaseBackup backup(
            String namespace, String name, String dbHost, int dbPort, String dbName, StorageSpec storage) {
        DatabaseBackup b = new DatabaseBackup();
        b.setMetadata(
                new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        DatabaseBackupSpec spec = new DatabaseBackupSpec();
        DatabaseConnection db = new DatabaseConnection();
        db.setHost(dbHost);
        db.setPort(dbPort);
        db.setName(dbName);
        db.setUser("postgres");
        db.setPasswordSecretRef(new SecretKeySelector("db-credentials", null));
        spec.setDatabase(db);
        spec.setStorage(storage);
        b.setSpec(spec);
        return b;
    }

    public static DatabaseRestore restoreFromBackup(
            String namespace, String name, String backupName, String dbHost, int dbPort, String targetDb) {
        DatabaseRestore r = new DatabaseRestore();
        r.setMetadata(
                new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        DatabaseRestoreSpec spec = new DatabaseRestoreSpec();
        RestoreSource source = new RestoreSource();
        source.setBackupName(backupName);
        spec.setSource(source);
        DatabaseConnection db = new DatabaseConnection();
        db.setHost(dbHost);
        db.setPort(dbPort);
        db.setName(targetDb);
        db.setUser("postgres");
        db.setPasswordSecretRef(new SecretKeySelector("db-credentials", null));
        spec.setTarget(db);
        r.setSpec(spec);
        return r;
    }

    public static StorageSpec s3(String bucket, String endpoint, String credentialsSecret) {
        S3Storage s3 = new S3Storage();
        s3.setBucket(bucket);
        s3.setPrefix("backups");
        s3.setEndpoint(endpoint);
        s3.setForcePathStyle(true);
        s3.setCredentialsSecretRef(new S3Storage.S3Credentials(credentialsSecret));
        StorageSpec storage = new StorageSpec();
        storage.setS3(s3);
        return storage;
    }

    public record Runner(
            String image,
            String imagePullPolicy,
            Optional<List<String>> imagePullSecrets,
            String cpuRequest,
            Optional<String> cpuLimit,
            String memoryRequest,
            String memoryLimit,
            long runAsUser,
            String progressInterval)
            implements OperatorConfig.Runner {}

    public static OperatorConfig.Runner runner() {
        return new Runner(
                "registry.example/schemaguard:1.2.3",
                "IfNotPresent",
                Optional.of(List.of("regcred")),
                "100m",
                Optional.empty(),
                "256Mi",
                "512Mi",
                65532,
                "30s");
    }

    public record DefaultStorage(
            Optional<String> bucket,
            Optional<String> prefix,
            Optional<String> endpoint,
            String region,
            boolean forcePathStyle,
            Optional<String> credentialsSecret,
            OperatorConfig.DefaultStorage.Azure azure,
            OperatorConfig.DefaultStorage.Gcs gcs)
            implements OperatorConfig.DefaultStorage {

        /** An S3 default (or none, with an empty bucket). */
        public DefaultStorage(
                Optional<String> bucket,
                Optional<String> prefix,
                Optional<String> endpoint,
                String region,
                boolean forcePathStyle,
                Optional<String> credentialsSecret) {
            this(bucket, prefix, endpoint, region, forcePathStyle, credentialsSecret, noAzure(), noGcs());
        }

        @Override
        public OperatorConfig.DefaultStorage.Encryption encryption() {
            return noEncryption();
        }
    }

    public record EncryptionDefault(Optional<String> secretName, String secretKey)
            implements OperatorConfig.DefaultStorage.Encryption {}

    public static OperatorConfig.DefaultStorage.Encryption noEncryption() {
        return new EncryptionDefault(Optional.empty(), "encryption-key");
    }

    public record AzureDefault(
            Optional<String> container,
            Optional<String> prefix,
            Optional<String> storageAccount,
            Optional<String> endpoint,
            Optional<String> credentialsSecret,
            Optional<String> connectionStringKey,
            String accountKeyKey)
            implements OperatorConfig.DefaultStorage.Azure {}

    public record GcsDefault(
            Optional<String> bucket,
            Optional<String> prefix,
            Optional<String> endpoint,
            Optional<String> credentialsSecret,
            String credentialsKey)
            implements OperatorConfig.DefaultStorage.Gcs {}

    public static OperatorConfig.DefaultStorage.Azure noAzure() {
        return new AzureDefault(
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                "accountKey");
    }

    public static OperatorConfig.DefaultStorage.Gcs noGcs() {
        return new GcsDefault(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), "key.json");
    }

    public static OperatorConfig.DefaultStorage noDefaultStorage() {
        return new DefaultStorage(
                Optional.empty(), Optional.empty(), Optional.empty(), "us-east-1", false, Optional.empty());
    }
}
