package io.schemaguard.api;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * libpq's sslmode values: CamelCase in the API like every enum of it ({@code VerifyFull}; libpq's own
 * spelling, which earlier v1alpha1 builds used, is still read), {@link #libpqName()} for PGSSLMODE.
 */
public enum SslMode {
    @JsonProperty("Disable")
    @JsonAlias("disable")
    DISABLE("disable"),
    @JsonProperty("Allow")
    @JsonAlias("allow")
    ALLOW("allow"),
    @JsonProperty("Prefer")
    @JsonAlias("prefer")
    PREFER("prefer"),
    @JsonProperty("Require")
    @JsonAlias("require")
    REQUIRE("require"),
    @JsonProperty("VerifyCA")
    @JsonAlias("verify-ca")
    VERIFY_CA("verify-ca"),
    @JsonProperty("VerifyFull")
    @JsonAlias("verify-full")
    VERIFY_FULL("verify-full");

    private final String libpqName;

    SslMode(String libpqName) {
        this.libpqName = libpqName;
    }

    public String libpqName() {
        return libpqName;
    }
}
