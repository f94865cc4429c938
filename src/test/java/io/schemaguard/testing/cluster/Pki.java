package io.schemaguard.testing.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The certificates of a throwaway control plane, made with openssl (scripts/test-setup.sh installs
 * it): a CA, the API server's serving certificate for loopback, client certificates for the admin
 * ({@code system:masters}) and the controller manager, and the key pair that signs service-account
 * tokens. Valid for two days; the directory goes away with the control plane.
 */
final class Pki {
    final Path dir;
    final Path caCert;
    final Path caKey;
    final Path apiserverCert;
    final Path apiserverKey;
    final Path adminCert;
    final Path adminKey;
    final Path controllerManagerCert;
    final Path controllerManagerKey;
    final Path serviceAccountKey;
    final Path serviceAccountPublicKey;

    private Pki(Path dir) {
        this.dir = dir;
        this.caCert = dir.resolve("ca.crt");
        this.caKey = dir.resolve("ca.key");
        this.apiserverCert = dir.resolve("apiserver.crt");
        this.apiserverKey = dir.resolve("apiserver.key");
        this.adminCert = dir.resolve("admin.crt");
        this.adminKey = dir.resolve("admin.key");
        this.controllerManagerCert = dir.resolve("kcm.crt");
        this.controllerManagerKey = dir.resolve("kcm.key");
        this.serviceAccountKey = dir.resolve("sa.key");
        this.serviceAccountPublicKey = dir.resolve("sa.pub");
    }

    static Pki create(Path dir, String serviceIp) {
        return create(dir, serviceIp, null);
    }

    /** With {@code hostAddress} (not null) also in the API server's certificate, for a real node's kubelet and pods. */
    static Pki create(Path dir, String serviceIp, String hostAddress) {
        Pki pki = new Pki(dir);
        String extraIp = hostAddress == null ? "" : "IP:" + hostAddress + ",";
        try {
            Files.createDirectories(dir);
            pki.openssl(
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.crt",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=schemaguard-test-ca",
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign,digitalSignature");
            pki.sign("apiserver", "/CN=kube-apiserver", """
                    basicConstraints=critical,CA:FALSE
                    keyUsage=critical,digitalSignature,keyEncipherment
                    extendedKeyUsage=serverAuth
                    subjectAltName=%sIP:127.0.0.1,IP:%s,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,\
                    DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
                    """.formatted(extraIp, serviceIp));
            String client = """
                    basicConstraints=critical,CA:FALSE
                    keyUsage=critical,digitalSignature,keyEncipherment
                    extendedKeyUsage=clientAuth
                    """;
            pki.sign("admin", "/O=system:masters/CN=schemaguard-test-admin", client);
            pki.sign("kcm", "/CN=system:kube-controller-manager", client);
            pki.openssl("genrsa", "-out", "sa.key", "2048");
            pki.openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub");
            return pki;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client certificate for {@code subject} (e.g. {@code /O=system:nodes/CN=system:node:n1}): {cert, key}. */
    Path[] client(String name, String subject) {
        try {
            sign(name, subject, """
                    basicConstraints=critical,CA:FALSE
                    keyUsage=critical,digitalSignature,keyEncipherment
                    extendedKeyUsage=clientAuth
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Path[] {dir.resolve(name + ".crt"), dir.resolve(name + ".key")};
    }

    private void sign(String name, String subject, String extensions) throws IOException {
        openssl(
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                name + ".key",
                "-out",
                name + ".csr",
                "-subj",
                subject);
        Files.writeString(dir.resolve(name + ".ext"), extensions, StandardCharsets.UTF_8);
        openssl(
                "x509",
                "-req",
                "-in",
                name + ".csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                name + ".crt",
                "-days",
                "2",
                "-extfile",
                name + ".ext");
    }

    private void openssl(String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "openssl is needed to make the control plane's certificates"
                            + " (scripts/test-setup.sh installs it)",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
