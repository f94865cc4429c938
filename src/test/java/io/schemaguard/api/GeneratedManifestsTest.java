package io.schemaguard.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Assertions on what users install: the CRD carries its validation (so the API server refuses bad
 * manifests), and no RBAC we ship lets the operator touch Secrets. The committed crds/ are checked
 * against the build by scripts/check-crds.sh.
 */
class GeneratedManifestsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static JsonNode crd() throws Exception {
        return YAML.readTree(new File("crds/databasebackups.schemaguard.io-v1.yml"));
    }

    private static JsonNode spec() throws Exception {
        return crd().at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
    }

    @Test
    void theCrdValidatesWhatItCan() throws Exception {
        JsonNode crd = crd();
        assertThat(crd.at("/spec/group").asText()).isEqualTo("schemaguard.io");
        assertThat(crd.at("/spec/versions/0/name").asText()).isEqualTo("v1alpha1");
        assertThat(crd.at("/spec/versions/0/subresources/status").isObject()).isTrue();
        assertThat(crd.at("/spec/names/shortNames").toString()).contains("dbb");
        List<String> columns = new ArrayList<>();
        crd.at("/spec/versions/0/additionalPrinterColumns")
                .forEach(c -> columns.add(c.get("name").asText()));
        assertThat(columns).contains("Phase", "Database", "Size", "Age");

        JsonNode spec = spec();
        assertThat(spec.at("/required").toString()).contains("database");
        assertThat(spec.at("/properties/format/enum").toString()).contains("Custom", "Plain", "Directory");
        assertThat(spec.at("/properties/compression/enum").toString()).contains("Zstd", "Gzip", "None");
        assertThat(spec.at("/properties/backoffLimit/minimum").asInt()).isZero();
        assertThat(spec.at("/properties/activeDeadlineSeconds/minimum").asInt()).isEqualTo(60);
        assertThat(spec.at("/properties/database/properties/port/maximum").asInt())
                .isEqualTo(65535);
        assertThat(spec.at("/properties/database/properties/sslMode/enum").toString())
                .contains("VerifyFull");
        assertThat(spec.at("/x-kubernetes-validations").toString()).contains("self == oldSelf");
        assertThat(spec.at("/properties/database/x-kubernetes-validations").toString())
                .contains("uriSecretRef");
        assertThat(spec.at("/properties/storage/x-kubernetes-validations").toString())
                .contains("[has(self.s3), has(self.azure), has(self.gcs), has(self.volume)].filter(x, x).size() == 1");
        assertThat(spec.at("/properties/storage/properties/azure/required").toString())
                .contains("container");
        assertThat(spec.at("/properties/storage/properties/gcs/required").toString())
                .contains("bucket");
        assertThat(spec.at("/properties/storage/properties/s3/required").toString())
                .contains("bucket");
        assertThat(crd.at("/spec/versions/0/schema/openAPIV3Schema/x-kubernetes-validations")
                        .toString())
                .contains("has(self.spec)");
    }

    @Test
    void theRestoreCrdGuardsReplace() throws Exception {
        JsonNode crd = YAML.readTree(new File("crds/databaserestores.schemaguard.io-v1.yml"));
        JsonNode spec = crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
        assertThat(spec.at("/required").toString()).contains("source", "target");
        assertThat(spec.at("/properties/mode/enum").toString()).contains("NewDatabase", "Replace");
        assertThat(spec.at("/x-kubernetes-validations").toString())
                .contains("self.confirm == self.target.name")
                .contains("self == oldSelf");
        assertThat(spec.at("/properties/source/x-kubernetes-validations").toString())
                .contains("has(self.backupName) != has(self.backupId)");
        assertThat(spec.at("/properties/backoffLimit/default").asInt()).isZero();
    }

    @Test
    void noShippedRoleGrantsSecretsOrWildcards() throws Exception {
        List<Path> rbacFiles = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("deploy"))) {
            s.filter(p -> p.toString().endsWith(".yaml")).forEach(rbacFiles::add);
        }
        Path generated = Path.of("target/kubernetes/kubernetes.yml");
        if (Files.exists(generated)) {
            rbacFiles.add(generated);
        }
        int rules = 0;
        for (Path f : rbacFiles) {
            try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
                for (JsonNode doc : docs.readAll()) {
                    if (doc == null || !doc.path("kind").asText().matches("ClusterRole|Role")) {
                        continue;
                    }
                    for (JsonNode rule : doc.path("rules")) {
                        rules++;
                        assertThat(rule.path("resources").toString())
                                .as(f + " " + rule)
                                .doesNotContain("secrets")
                                .doesNotContain("\"*\"");
                        assertThat(rule.path("verbs").toString())
                                .as(f + " " + rule)
                                .doesNotContain("\"*\"");
                    }
                }
            }
        }
        assertThat(rules).as("RBAC rules found in deploy/").isGreaterThan(3);
    }

    @Test
    void deployAndTheOperatorAgreeOnWhatTheOperatorNeeds() throws Exception {
        String clusterRole = Files.readString(Path.of("deploy/030-clusterrole.yaml"));
        for (String needed : List.of(
                "databasebackups",
                "databasebackups/status",
                "databaserestores",
                "databaserestores/status",
                "jobs",
                "pods",
                "events")) {
            assertThat(clusterRole).contains(needed);
        }
        assertThat(Files.readString(Path.of("deploy/040-leader-election-role.yaml")))
                .contains("leases");
    }
}
