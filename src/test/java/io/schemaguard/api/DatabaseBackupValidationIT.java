package io.schemaguard.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.testing.cluster.Kubectl;
import io.schemaguard.testing.cluster.RealCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The CRD's schema and CEL rules as the real API server enforces them: each invalid manifest is
 * refused by {@code kubectl apply} (as cluster admin: this is about the schema, not RBAC) with a
 * message that names the field and says what is wrong. No operator runs here.
 */
class DatabaseBackupValidationIT {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    static String ns;

    @BeforeAll
    static void namespace() {
        ns = cluster.namespace("validation");
    }

    static final String DATABASE = """
              database:
                host: orders-db.shop.svc
                name: shop
                user: backup
                passwordSecretRef:
                  name: db-credentials
            """;
    static final String STORAGE = """
              storage:
                s3:
                  bucket: team-backups
                  credentialsSecretRef:
                    name: s3-credentials
            """;

    static String manifest(String name, String spec) {
        if (spec == null) {
            return "apiVersion: schemaguard.io/v1alpha1\nkind: DatabaseBackup\nmetadata:\n  name: %s\n  namespace: %s\n"
                    .formatted(name, ns);
        }
        return """
                apiVersion: schemaguard.io/v1alpha1
                kind: DatabaseBackup
                metadata:
                  name: %s
                  namespace: %s
                spec:
                %s""".formatted(name, ns, spec);
    }

    /** One invalid manifest: its spec (YAML at spec level) and the parts of the message a person must read. */
    record Invalid(String name, String spec, List<String> message) {
        Invalid(String name, String spec, String... message) {
            this(name, spec, List.of(message));
        }
    }

    static Stream<Invalid> invalidManifests() {
        return Stream.of(
                new Invalid(
                        "bad-format",
                        DATABASE + STORAGE + "  format: tar\n",
                        "spec.format: Unsupported value: \"tar\"",
                        "\"Custom\"",
                        "\"Directory\"",
                        "\"Plain\""),
                new Invalid(
                        "bad-compression",
                        DATABASE + STORAGE + "  compression: lz4\n",
                        "spec.compression: Unsupported value: \"lz4\"",
                        "\"Gzip\"",
                        "\"None\"",
                        "\"Zstd\""),
                new Invalid(
                        "bad-sslmode",
                        DATABASE.replace("  name: db-credentials\n", "  name: db-credentials\n    sslMode: verify\n")
                                + STORAGE,
                        "spec.database.sslMode: Unsupported value: \"verify\"",
                        "\"VerifyFull\""),
                new Invalid("no-database", STORAGE, "spec.database: Required value"),
                new Invalid("no-spec", null, "Invalid value", "spec is required"),
                new Invalid(
                        "no-bucket",
                        DATABASE + "  storage:\n    s3:\n      prefix: nightly\n",
                        "spec.storage.s3.bucket: Required value"),
                new Invalid(
                        "negative-backoff",
                        DATABASE + STORAGE + "  backoffLimit: -1\n",
                        "spec.backoffLimit: Invalid value: -1",
                        "should be greater than or equal to 0"),
                new Invalid(
                        "short-deadline",
                        DATABASE + STORAGE + "  activeDeadlineSeconds: 30\n",
                        "spec.activeDeadlineSeconds: Invalid value: 30",
                        "should be greater than or equal to 60"),
                new Invalid(
                        "port-out-of-range",
                        DATABASE.replace("  user: backup\n", "  user: backup\n    port: 70000\n") + STORAGE,
                        "spec.database.port: Invalid value: 70000",
                        "should be less than or equal to 65535"),
                new Invalid(
                        "zstd-level-20",
                        DATABASE + STORAGE + "  compressionLevel: 20\n",
                        "spec.compressionLevel: Invalid value: 20",
                        "should be less than or equal to 19"),
                new Invalid(
                        "s3-and-volume",
                        DATABASE + STORAGE + "    volume:\n      claimName: backups\n",
                        "spec.storage: Invalid value",
                        "set exactly one of s3, azure, gcs or volume"),
                new Invalid(
                        "azure-and-gcs",
                        DATABASE + "  storage:\n    azure:\n      container: backups\n      storageAccount: prod\n"
                                + "    gcs:\n      bucket: backups\n",
                        "spec.storage: Invalid value",
                        "set exactly one of s3, azure, gcs or volume"),
                new Invalid(
                        "azure-identity-without-account",
                        DATABASE + "  storage:\n    azure:\n      container: backups\n",
                        "spec.storage.azure: Invalid value",
                        "set storageAccount (or endpoint), unless credentialsSecretRef holds a connection string"),
                new Invalid(
                        "azure-two-secret-keys",
                        DATABASE + "  storage:\n    azure:\n      container: backups\n      storageAccount: prod\n"
                                + "      credentialsSecretRef:\n        name: az\n        connectionStringKey: cs\n"
                                + "        accountKeyKey: key\n",
                        "spec.storage.azure.credentialsSecretRef: Invalid value",
                        "set exactly one of connectionStringKey or accountKeyKey"),
                new Invalid(
                        "azure-bad-container",
                        DATABASE + "  storage:\n    azure:\n      container: Backups_1\n      storageAccount: prod\n",
                        "spec.storage.azure.container: Invalid value: \"Backups_1\""),
                new Invalid(
                        "uri-and-host",
                        DATABASE + "    uriSecretRef:\n      name: db-uri\n" + STORAGE,
                        "spec.database: Invalid value",
                        "set either uriSecretRef, or host and name (not both)"),
                new Invalid(
                        "no-user",
                        DATABASE.replace("    user: backup\n", "") + STORAGE,
                        "spec.database: Invalid value",
                        "host, name and user are required unless uriSecretRef is set"),
                new Invalid(
                        "level-without-compression",
                        DATABASE + STORAGE + "  compression: None\n  compressionLevel: 3\n",
                        "spec: Invalid value",
                        "compressionLevel cannot be set when compression is None"),
                new Invalid(
                        "gzip-level-12",
                        DATABASE + STORAGE + "  compression: Gzip\n  compressionLevel: 12\n",
                        "spec: Invalid value",
                        "Gzip compressionLevel must be between 1 and 9"),
                new Invalid(
                        "path-dot-dot",
                        DATABASE + "  storage:\n    volume:\n      claimName: backups\n"
                                + "      path: nightly/../../etc\n",
                        "spec.storage.volume: Invalid value",
                        "path must not contain '..'"),
                new Invalid(
                        "bad-bucket",
                        DATABASE + STORAGE.replace("team-backups", "Team_Backups"),
                        "spec.storage.s3.bucket: Invalid value: \"Team_Backups\"",
                        "should match '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$'"),
                new Invalid(
                        "absolute-prefix",
                        DATABASE
                                + STORAGE.replace(
                                        "bucket: team-backups\n", "bucket: team-backups\n      prefix: /nightly\n"),
                        "spec.storage.s3.prefix: Invalid value: \"/nightly\""),
                new Invalid(
                        "secret-without-name",
                        DATABASE.replace("name: db-credentials", "key: password") + STORAGE,
                        "spec.database.passwordSecretRef.name: Required value"),
                new Invalid(
                        "jobs-with-custom-format",
                        DATABASE + STORAGE + "  jobs: 4\n",
                        "spec: Invalid value",
                        "jobs (parallel pg_dump workers) needs format: Directory"));
    }

    static Stream<Invalid> invalidMigrations() {
        String migrations = "  migrations:\n    configMaps:\n    - name: shop-migrations\n";
        return Stream.of(
                new Invalid(
                        "empty-configmaps",
                        DATABASE + "  migrations:\n    configMaps: []\n",
                        "spec.migrations: Invalid value",
                        "configMaps needs at least one ConfigMap"),
                new Invalid(
                        "zero-max-age",
                        DATABASE + migrations + "  backup:\n    maxAge: 0s\n",
                        "spec.backup.maxAge: Invalid value",
                        "maxAge must be longer than zero"),
                new Invalid(
                        "zero-max-age-spelled-long",
                        DATABASE + migrations + "  backup:\n    maxAge: 0h0m00s\n",
                        "maxAge must be longer than zero"),
                new Invalid(
                        "lock-retries-100",
                        DATABASE + migrations + "  safety:\n    lockRetries: 100\n",
                        "spec.safety.lockRetries: Invalid value: 100"),
                new Invalid(
                        "lock-hazards-sometimes",
                        DATABASE + migrations + "  safety:\n    lockHazards: Sometimes\n",
                        "spec.safety.lockHazards: Unsupported value: \"Sometimes\""));
    }

    @TestFactory
    Stream<DynamicTest> theApiServerRefusesSafeMigrationsThatCouldNeverRun() {
        Kubectl kubectl = cluster.kubectl();
        return invalidMigrations()
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> {
                    String manifest =
                            manifest(c.name(), c.spec()).replace("kind: DatabaseBackup", "kind: SafeMigration");
                    Kubectl.Result r = kubectl.apply(manifest);
                    assertThat(r.exitCode())
                            .as("kubectl apply of %s was accepted:%n%s", c.name(), r.stdout())
                            .isNotZero();
                    assertThat(r.stderr())
                            .as("message for %s", c.name())
                            .contains("The SafeMigration \"" + c.name() + "\" is invalid")
                            .contains(c.message());
                }));
    }

    @TestFactory
    Stream<DynamicTest> theApiServerRefusesInvalidManifestsWithAReadableMessage() {
        Kubectl kubectl = cluster.kubectl();
        return invalidManifests()
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> {
                    Kubectl.Result r = kubectl.apply(manifest(c.name(), c.spec()));
                    assertThat(r.exitCode())
                            .as("kubectl apply of %s was accepted:%n%s", c.name(), r.stdout())
                            .isNotZero();
                    assertThat(r.stderr())
                            .as("message for %s", c.name())
                            .contains("The DatabaseBackup \"" + c.name() + "\" is invalid")
                            .contains(c.message());
                    assertThat(cluster.admin()
                                    .resources(DatabaseBackup.class)
                                    .inNamespace(ns)
                                    .withName(c.name())
                                    .get())
                            .isNull();
                }));
    }

    @TestFactory
    Stream<DynamicTest> everyExampleIsAcceptedByTheApiServer() throws Exception {
        try (var files = Files.list(Path.of("examples"))) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream()
                    .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
                        Kubectl.Result r = cluster.kubectl()
                                .run(
                                        null,
                                        "apply",
                                        "--dry-run=server",
                                        "-n",
                                        ns,
                                        "-f",
                                        f.toAbsolutePath().toString());
                        assertThat(r.exitCode()).as("%s:%n%s", f, r.stderr()).isZero();
                    }));
        }
    }

    static String schedule(String name, String extra) {
        return """
                apiVersion: schemaguard.io/v1alpha1
                kind: BackupSchedule
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  schedule: "0 2 * * *"
                %s  template:
                %s%s""".formatted(name, ns, extra, DATABASE.indent(2), STORAGE.indent(2));
    }

    @Test
    void aScheduleTemplateMayChangeButItsFieldsAreValidated() {
        cluster.kubectl().apply(schedule("nightly", "")).orThrow();
        BackupSchedule s = cluster.admin()
                .resources(BackupSchedule.class)
                .inNamespace(ns)
                .withName("nightly")
                .get();
        assertThat(s.getSpec().getTimeZone()).isEqualTo("UTC");
        assertThat(s.getSpec().getConcurrencyPolicy()).isEqualTo(BackupScheduleSpec.ConcurrencyPolicy.Forbid);
        assertThat(s.getSpec().getFailedBackupsHistoryLimit()).isEqualTo(3);
        assertThat(s.getSpec().getOrphanScanInterval()).isEqualTo("24h");
        assertThat(s.getSpec().getTemplate().getDeletionPolicy()).isEqualTo(DeletionPolicy.Delete);
        // unlike a DatabaseBackup's spec, the template can change: the next run uses it
        cluster.kubectl()
                .apply(schedule("nightly", "").replace("name: shop", "name: billing"))
                .orThrow();

        Kubectl.Result jitter = cluster.kubectl().apply(schedule("bad-jitter", "  jitter: 5 minutes\n"));
        assertThat(jitter.exitCode()).isNotZero();
        assertThat(jitter.stderr()).contains("spec.jitter");
        Kubectl.Result keep = cluster.kubectl().apply(schedule("bad-keep", "  retention:\n    keepLast: -1\n"));
        assertThat(keep.exitCode()).isNotZero();
        assertThat(keep.stderr()).contains("spec.retention.keepLast");
        Kubectl.Result policy = cluster.kubectl().apply(schedule("bad-policy", "  concurrencyPolicy: Allow\n"));
        assertThat(policy.exitCode()).isNotZero();
        assertThat(policy.stderr()).contains("spec.concurrencyPolicy").contains("Forbid");
    }

    @Test
    void aValidManifestIsAcceptedWithTheSchemaDefaults() {
        Kubectl.Result r = cluster.kubectl().apply(manifest("valid", DATABASE + STORAGE));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        DatabaseBackup b = cluster.admin()
                .resources(DatabaseBackup.class)
                .inNamespace(ns)
                .withName("valid")
                .get();
        DatabaseBackupSpec spec = b.getSpec();
        assertThat(spec.getDatabase().getPort()).isEqualTo(5432);
        assertThat(spec.getDatabase().getSslMode()).isEqualTo(SslMode.PREFER);
        assertThat(spec.getFormat()).isEqualTo(DumpFormat.CUSTOM);
        assertThat(spec.getCompression()).isEqualTo(CompressionAlgorithm.ZSTD);
        assertThat(spec.getBackoffLimit()).isEqualTo(2);
        assertThat(spec.getActiveDeadlineSeconds()).isEqualTo(21600L);
        assertThat(spec.getStorage().getS3().getRegion()).isEqualTo("us-east-1");
        assertThat(spec.getStorage().getS3().getCredentialsSecretRef().getAccessKeyIdKey())
                .isEqualTo("AWS_ACCESS_KEY_ID");
    }

    @Test
    void theSpecOfAnExistingBackupCannotBeChanged() {
        cluster.kubectl().apply(manifest("immutable", DATABASE + STORAGE)).orThrow();
        Kubectl.Result r = cluster.kubectl()
                .apply(manifest("immutable", DATABASE.replace("name: shop", "name: billing") + STORAGE));
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr())
                .contains("The DatabaseBackup \"immutable\" is invalid")
                .contains("spec: Invalid value")
                .contains("spec is immutable: create a new DatabaseBackup instead");
        assertThat(cluster.admin()
                        .resources(DatabaseBackup.class)
                        .inNamespace(ns)
                        .withName("immutable")
                        .get()
                        .getSpec()
                        .getDatabase()
                        .getName())
                .isEqualTo("shop");
        // Labels and annotations are not the spec: they can still change.
        assertThat(cluster.kubectl()
                        .run(null, "label", "-n", ns, "databasebackup", "immutable", "team=orders")
                        .exitCode())
                .isZero();
    }
}
