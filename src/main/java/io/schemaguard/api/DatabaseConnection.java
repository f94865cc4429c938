package io.schemaguard.api;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * How a Job reaches a PostgreSQL database: either host/port/name/user plus a password Secret, or one
 * Secret holding a full connection URI.
 */
@ValidationRule(
        value = "has(self.uriSecretRef) != (has(self.host) || has(self.name))",
        message = "set either uriSecretRef, or host and name (not both)")
@ValidationRule(
        value = "has(self.uriSecretRef) || (has(self.host) && has(self.name) && has(self.user))",
        message = "host, name and user are required unless uriSecretRef is set")
public class DatabaseConnection {
    @Pattern("^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$")
    private String host;

    @Min(1)
    @Max(65535)
    @Default("" + Defaults.POSTGRES_PORT)
    private Integer port = Defaults.POSTGRES_PORT;

    private String name;

    private String user;

    /** Key defaults to {@code password}. */
    private SecretKeySelector passwordSecretRef;

    /** A {@code postgresql://user:password@host:port/db?sslmode=...} URI; key defaults to {@code uri}. */
    private SecretKeySelector uriSecretRef;

    @Default("Prefer")
    private SslMode sslMode = SslMode.PREFER;

    public String getHost() {
        return host;
    }

    public void setHost(String host) {
        this.host = host;
    }

    public Integer getPort() {
        return port;
    }

    public void setPort(Integer port) {
        this.port = port;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getUser() {
        return user;
    }

    public void setUser(String user) {
        this.user = user;
    }

    public SecretKeySelector getPasswordSecretRef() {
        return passwordSecretRef;
    }

    public void setPasswordSecretRef(SecretKeySelector passwordSecretRef) {
        this.passwordSecretRef = passwordSecretRef;
    }

    public SecretKeySelector getUriSecretRef() {
        return uriSecretRef;
    }

    public void setUriSecretRef(SecretKeySelector uriSecretRef) {
        this.uriSecretRef = uriSecretRef;
    }

    public SslMode getSslMode() {
        return sslMode;
    }

    public void setSslMode(SslMode sslMode) {
        this.sslMode = sslMode;
    }
}
