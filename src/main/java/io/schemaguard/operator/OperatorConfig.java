package io.schemaguard.operator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/** Operator settings, from application.properties, environment variables or the Helm chart's values. */
@ConfigMapping(prefix = "schemaguard")
public interface OperatorConfig {

    Runner runner();

    /** Storage used by resources that name none. Absent bucket means there is no default. */
    DefaultStorage defaultStorage();

    interface Runner {
        /** Image of the Jobs' runner container: the operator's own image, which holds pg_dump too. */
        @WithDefault("ghcr.io/schemaguard/schemaguard:0.1.0")
        String image();

        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        Optional<List<String>> imagePullSecrets();

        @WithDefault("100m")
        String cpuRequest();

        Optional<String> cpuLimit();

        @WithDefault("256Mi")
        String memoryRequest();

        @WithDefault("512Mi")
        String memoryLimit();

        /** UID and GID of the runner; must match a non-root user of the image. */
        @WithDefault("65532")
        long runAsUser();

        /** Interval of the runner's progress lines in the pod log. */
        @WithDefault("30s")
        String progressInterval();
    }

    interface DefaultStorage {
        Optional<String> bucket();

        Optional<String> prefix();

        Optional<String> endpoint();

        @WithDefault("us-east-1")
        String region();

        @WithDefault("false")
        boolean forcePathStyle();

        /**
         * Name of the Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; it must exist in each
         * namespace that uses the default storage. Absent means ambient credentials (e.g. IRSA).
         */
        Optional<String> credentialsSecret();

        /** An Azure container instead of the S3 bucket (schemaguard.default-storage.azure.*). */
        Azure azure();

        /** A GCS bucket instead of the S3 bucket (schemaguard.default-storage.gcs.*). */
        Gcs gcs();

        /** Client-side encryption of the default store's dumps (schemaguard.default-storage.encryption.*). */
        Encryption encryption();

        interface Encryption {
            /** A Secret with the key in each namespace using the default; absent means no client-side encryption. */
            Optional<String> secretName();

            @WithDefault("encryption-key")
            String secretKey();
        }

        interface Azure {
            Optional<String> container();

            Optional<String> prefix();

            Optional<String> storageAccount();

            Optional<String> endpoint();

            /** A Secret in each namespace using the default; absent means workload identity. */
            Optional<String> credentialsSecret();

            /** The Secret's key with a connection string; when absent, {@link #accountKeyKey()} is used. */
            Optional<String> connectionStringKey();

            @WithDefault("accountKey")
            String accountKeyKey();
        }

        interface Gcs {
            Optional<String> bucket();

            Optional<String> prefix();

            Optional<String> endpoint();

            /** A Secret with a service account key in each namespace using the default; absent means workload identity. */
            Optional<String> credentialsSecret();

            @WithDefault("key.json")
            String credentialsKey();
        }
    }
}
