package io.schemaguard.api;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * A separate PostgreSQL server for verification by restore, so scratch databases never land on the
 * production server. The user needs CREATEDB; the roles of the dump need not exist there (the scratch
 * copy is restored without owners and privileges).
 */
public class VerificationServer {
    @Required
    @Pattern("^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$")
    private String host;

    @Min(1)
    @Max(65535)
    @Default("" + Defaults.POSTGRES_PORT)
    private Integer port = Defaults.POSTGRES_PORT;

    @Required
    private String user;

    /** Key defaults to {@code password}. */
    private SecretKeySelector passwordSecretRef;

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

    public SslMode getSslMode() {
        return sslMode;
    }

    public void setSslMode(SslMode sslMode) {
        this.sslMode = sslMode;
    }
}
