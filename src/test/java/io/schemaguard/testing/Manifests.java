package io.schemaguard.testing;

/** YAML as a person writes it for {@code kubectl apply -f}: DatabaseBackups, DatabaseRestores and their Secrets. */
public final class Manifests {
    private Manifests() {}

    /** Secret db-credentials (key password) and s3-credentials (the S3Server's keys). */
    public static String secrets(String namespace, String dbPassword) {
        return dbCredentials(namespace, dbPassword) + "---\n"
                + """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: s3-credentials
                  namespace: %s
                stringData:
                  AWS_ACCESS_KEY_ID: %s
                  AWS_SECRET_ACCESS_KEY: %s
                """.formatted(namespace, S3Server.ACCESS_KEY, S3Server.SECRET_KEY);
    }

    public static String dbCredentials(String namespace, String dbPassword) {
        return """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: db-credentials
                  namespace: %s
                stringData:
                  password: "%s"
                """.formatted(namespace, dbPassword);
    }

    /**
     * A DatabaseBackup of {@code database} on {@code pg} into {@code bucket} on {@code s3} (prefix
     * backups), with {@code extraSpec} (YAML lines at spec level, indented two spaces) appended.
     */
    public static String backup(
            String namespace,
            String name,
            PostgresServer pg,
            String database,
            S3Server s3,
            String bucket,
            String extraSpec) {
        return """
                apiVersion: schemaguard.io/v1alpha1
                kind: DatabaseBackup
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  database:
                    host: 127.0.0.1
                    port: %d
                    name: %s
                    user: postgres
                    passwordSecretRef:
                      name: db-credentials
                  storage:
                    s3:
                      bucket: %s
                      prefix: backups
                      endpoint: %s
                      forcePathStyle: true
                      credentialsSecretRef:
                        name: s3-credentials
                %s""".formatted(
                name, namespace, pg.port(), database, bucket, s3.endpoint(), extraSpec == null ? "" : extraSpec);
    }

    /**
     * A DatabaseRestore of DatabaseBackup {@code backupName} into {@code database} on {@code pg}, with
     * {@code extraSpec} (YAML lines at spec level, indented two spaces) appended.
     */
    public static String restore(
            String namespace, String name, String backupName, PostgresServer pg, String database, String extraSpec) {
        return """
                apiVersion: schemaguard.io/v1alpha1
                kind: DatabaseRestore
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  source:
                    backupName: %s
                  target:
                    host: 127.0.0.1
                    port: %d
                    name: %s
                    user: postgres
                    passwordSecretRef:
                      name: db-credentials
                %s""".formatted(name, namespace, backupName, pg.port(), database, extraSpec == null ? "" : extraSpec);
    }
}
