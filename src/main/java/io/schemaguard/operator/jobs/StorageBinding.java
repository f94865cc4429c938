package io.schemaguard.operator.jobs;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.SecretKeySelectorBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.schemaguard.api.AzureStorage;
import io.schemaguard.api.Defaults;
import io.schemaguard.api.GcsStorage;
import io.schemaguard.api.S3Storage;
import io.schemaguard.api.StorageSpec;
import io.schemaguard.api.VolumeStorage;
import io.schemaguard.operator.OperatorConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a runner reaches its storage: the location URL, the options for it, the credentials as
 * {@code secretKeyRef} environment, and for a volume the PVC and where it is mounted.
 */
public record StorageBinding(
        String location, List<String> args, List<EnvVar> env, Optional<Volume> volume, Optional<VolumeMount> mount) {

    public static final String VOLUME_NAME = "backups";
    public static final String MOUNT_PATH = "/backups";

    /** Thrown when a resource names no storage and the operator has no default. */
    public static final class NotConfigured extends RuntimeException {
        NotConfigured() {
            this("spec.storage is not set and the operator has no default storage (Helm value"
                    + " defaultStorage.s3.bucket, defaultStorage.azure.container or defaultStorage.gcs.bucket)");
        }

        NotConfigured(String message) {
            super(message);
        }
    }

    public static StorageBinding resolve(StorageSpec spec, OperatorConfig.DefaultStorage defaults) {
        StorageBinding store = store(spec, defaults);
        boolean ownStorage = spec != null
                && (spec.getS3() != null
                        || spec.getAzure() != null
                        || spec.getGcs() != null
                        || spec.getVolume() != null);
        // a resource's own storage carries its own encryption; the operator's default store carries the default's
        io.schemaguard.api.SecretKeySelector key;
        if (spec != null && spec.getEncryption() != null && spec.getEncryption().getKeySecretRef() != null) {
            key = spec.getEncryption().getKeySecretRef();
        } else if (!ownStorage && defaults.encryption().secretName().isPresent()) {
            key = new io.schemaguard.api.SecretKeySelector(
                    defaults.encryption().secretName().get(),
                    defaults.encryption().secretKey());
        } else {
            return store;
        }
        // the key is the kubelet's to read, like every credential: the operator only names it
        List<EnvVar> env = new ArrayList<>(store.env());
        env.add(RunnerPods.secretEnv("SCHEMAGUARD_ENCRYPTION_KEY", key.toKubernetes(Defaults.ENCRYPTION_KEY)));
        return new StorageBinding(store.location(), store.args(), List.copyOf(env), store.volume(), store.mount());
    }

    private static StorageBinding store(StorageSpec spec, OperatorConfig.DefaultStorage defaults) {
        if (spec != null && spec.getS3() != null) {
            return s3(spec.getS3());
        }
        if (spec != null && spec.getAzure() != null) {
            return azure(spec.getAzure());
        }
        if (spec != null && spec.getGcs() != null) {
            return gcs(spec.getGcs());
        }
        if (spec != null && spec.getVolume() != null) {
            return volume(spec.getVolume());
        }
        return fromDefaults(defaults);
    }

    /** The operator's default storage: at most one of S3, Azure or GCS may be configured. */
    private static StorageBinding fromDefaults(OperatorConfig.DefaultStorage defaults) {
        OperatorConfig.DefaultStorage.Azure az = defaults.azure();
        OperatorConfig.DefaultStorage.Gcs gs = defaults.gcs();
        int configured = (defaults.bucket().isPresent() ? 1 : 0)
                + (az.container().isPresent() ? 1 : 0)
                + (gs.bucket().isPresent() ? 1 : 0);
        if (configured == 0) {
            throw new NotConfigured();
        }
        if (configured > 1) {
            throw new NotConfigured("the operator's default storage names more than one store (Helm values"
                    + " defaultStorage.s3.bucket, defaultStorage.azure.container, defaultStorage.gcs.bucket):"
                    + " keep one, or set spec.storage");
        }
        if (az.container().isPresent()) {
            AzureStorage azure = new AzureStorage();
            azure.setContainer(az.container().get());
            azure.setPrefix(az.prefix().orElse(null));
            azure.setStorageAccount(az.storageAccount().orElse(null));
            azure.setEndpoint(az.endpoint().orElse(null));
            az.credentialsSecret().ifPresent(name -> {
                AzureStorage.AzureCredentials c = new AzureStorage.AzureCredentials();
                c.setName(name);
                if (az.connectionStringKey().isPresent()) {
                    c.setConnectionStringKey(az.connectionStringKey().get());
                } else {
                    c.setAccountKeyKey(az.accountKeyKey());
                }
                azure.setCredentialsSecretRef(c);
            });
            return azure(azure);
        }
        if (gs.bucket().isPresent()) {
            GcsStorage gcs = new GcsStorage();
            gcs.setBucket(gs.bucket().get());
            gcs.setPrefix(gs.prefix().orElse(null));
            gcs.setEndpoint(gs.endpoint().orElse(null));
            gs.credentialsSecret()
                    .ifPresent(name -> gcs.setCredentialsSecretRef(
                            new io.schemaguard.api.SecretKeySelector(name, gs.credentialsKey())));
            return gcs(gcs);
        }
        S3Storage s3 = new S3Storage();
        s3.setBucket(defaults.bucket().get());
        s3.setPrefix(defaults.prefix().orElse(null));
        s3.setEndpoint(defaults.endpoint().orElse(null));
        s3.setRegion(defaults.region());
        s3.setForcePathStyle(defaults.forcePathStyle());
        defaults.credentialsSecret().ifPresent(name -> s3.setCredentialsSecretRef(new S3Storage.S3Credentials(name)));
        return s3(s3);
    }

    private static StorageBinding s3(S3Storage s3) {
        String prefix = s3.getPrefix() == null || s3.getPrefix().isBlank() ? "" : "/" + s3.getPrefix();
        List<String> args = new ArrayList<>();
        List<EnvVar> env = new ArrayList<>();
        if (s3.getEndpoint() != null && !s3.getEndpoint().isBlank()) {
            args.add("--endpoint=" + s3.getEndpoint());
        }
        if (Boolean.TRUE.equals(s3.getForcePathStyle())) {
            args.add("--path-style");
        }
        if (s3.getServerSideEncryption() != null
                && !s3.getServerSideEncryption().isBlank()) {
            args.add("--sse=" + s3.getServerSideEncryption());
        }
        if (s3.getKmsKeyId() != null && !s3.getKmsKeyId().isBlank()) {
            args.add("--sse-kms-key-id=" + s3.getKmsKeyId());
        }
        env.add(RunnerPods.plainEnv("AWS_REGION", s3.getRegion() == null ? Defaults.S3_REGION : s3.getRegion()));
        S3Storage.S3Credentials creds = s3.getCredentialsSecretRef();
        if (creds != null) {
            env.add(RunnerPods.secretEnv(
                    "AWS_ACCESS_KEY_ID",
                    new SecretKeySelectorBuilder()
                            .withName(creds.getName())
                            .withKey(creds.getAccessKeyIdKey())
                            .withOptional(false)
                            .build()));
            env.add(RunnerPods.secretEnv(
                    "AWS_SECRET_ACCESS_KEY",
                    new SecretKeySelectorBuilder()
                            .withName(creds.getName())
                            .withKey(creds.getSecretAccessKeyKey())
                            .withOptional(false)
                            .build()));
        }
        return new StorageBinding(
                "s3://" + s3.getBucket() + prefix,
                List.copyOf(args),
                List.copyOf(env),
                Optional.empty(),
                Optional.empty());
    }

    /** The runner's Azure environment (see AzureBlobObjectStore); no Secret means workload identity. */
    private static StorageBinding azure(AzureStorage azure) {
        List<String> args = new ArrayList<>();
        List<EnvVar> env = new ArrayList<>();
        if (azure.getEndpoint() != null && !azure.getEndpoint().isBlank()) {
            args.add("--endpoint=" + azure.getEndpoint());
        }
        if (azure.getStorageAccount() != null && !azure.getStorageAccount().isBlank()) {
            env.add(RunnerPods.plainEnv("AZURE_STORAGE_ACCOUNT", azure.getStorageAccount()));
        }
        AzureStorage.AzureCredentials creds = azure.getCredentialsSecretRef();
        if (creds != null) {
            boolean connectionString = creds.getConnectionStringKey() != null;
            env.add(RunnerPods.secretEnv(
                    connectionString ? "AZURE_STORAGE_CONNECTION_STRING" : "AZURE_STORAGE_KEY",
                    new SecretKeySelectorBuilder()
                            .withName(creds.getName())
                            .withKey(connectionString ? creds.getConnectionStringKey() : creds.getAccountKeyKey())
                            .withOptional(false)
                            .build()));
        }
        return new StorageBinding(
                "azure://" + azure.getContainer() + prefix(azure.getPrefix()),
                List.copyOf(args),
                List.copyOf(env),
                Optional.empty(),
                Optional.empty());
    }

    /** The runner's GCS environment: the key's JSON itself from the Secret, or the pod's workload identity. */
    private static StorageBinding gcs(GcsStorage gcs) {
        List<String> args = new ArrayList<>();
        List<EnvVar> env = new ArrayList<>();
        if (gcs.getEndpoint() != null && !gcs.getEndpoint().isBlank()) {
            args.add("--endpoint=" + gcs.getEndpoint());
        }
        if (gcs.getCredentialsSecretRef() != null) {
            env.add(RunnerPods.secretEnv(
                    "SCHEMAGUARD_GCS_CREDENTIALS_JSON",
                    gcs.getCredentialsSecretRef().toKubernetes(Defaults.GCS_CREDENTIALS_KEY)));
        }
        return new StorageBinding(
                "gs://" + gcs.getBucket() + prefix(gcs.getPrefix()),
                List.copyOf(args),
                List.copyOf(env),
                Optional.empty(),
                Optional.empty());
    }

    private static String prefix(String prefix) {
        return prefix == null || prefix.isBlank() ? "" : "/" + prefix;
    }

    private static StorageBinding volume(VolumeStorage v) {
        String path = v.getPath() == null || v.getPath().isBlank() ? "" : "/" + v.getPath();
        Volume volume = new VolumeBuilder()
                .withName(VOLUME_NAME)
                .withNewPersistentVolumeClaim()
                .withClaimName(v.getClaimName())
                .endPersistentVolumeClaim()
                .build();
        VolumeMount mount = new VolumeMountBuilder()
                .withName(VOLUME_NAME)
                .withMountPath(MOUNT_PATH)
                .build();
        return new StorageBinding(
                "file://" + MOUNT_PATH + path, List.of(), List.of(), Optional.of(volume), Optional.of(mount));
    }
}
