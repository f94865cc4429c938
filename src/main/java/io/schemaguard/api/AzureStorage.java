package io.schemaguard.api;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A container of Azure Blob Storage. Credentials come from a Secret (a connection string, or the
 * account's key) through {@code secretKeyRef}; with no Secret the pod's Entra ID workload identity is
 * used, which needs {@code storageAccount} (or an {@code endpoint}).
 */
@ValidationRule(
        value = "has(self.storageAccount) || has(self.endpoint)"
                + " || (has(self.credentialsSecretRef) && has(self.credentialsSecretRef.connectionStringKey))",
        message = "set storageAccount (or endpoint), unless credentialsSecretRef holds a connection string")
public class AzureStorage {
    /** Azure's container naming rules: 3-63 lowercase letters, digits and dashes. */
    @Required
    @Pattern("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
    private String container;

    /** Name prefix inside the container, without leading or trailing slash. */
    @Pattern("^$|^[^/].*[^/]$|^[^/]$")
    private String prefix;

    @Pattern("^[a-z0-9]{3,24}$")
    private String storageAccount;

    /** The Blob service URL when it is not https://ACCOUNT.blob.core.windows.net (sovereign clouds, Azurite). */
    @Pattern("^https?://.+")
    private String endpoint;

    /** A connection string or the account key; absent means the pod's workload identity. */
    private AzureCredentials credentialsSecretRef;

    public String getContainer() {
        return container;
    }

    public void setContainer(String container) {
        this.container = container;
    }

    public String getPrefix() {
        return prefix;
    }

    public void setPrefix(String prefix) {
        this.prefix = prefix;
    }

    public String getStorageAccount() {
        return storageAccount;
    }

    public void setStorageAccount(String storageAccount) {
        this.storageAccount = storageAccount;
    }

    public String getEndpoint() {
        return endpoint;
    }

    public void setEndpoint(String endpoint) {
        this.endpoint = endpoint;
    }

    public AzureCredentials getCredentialsSecretRef() {
        return credentialsSecretRef;
    }

    public void setCredentialsSecretRef(AzureCredentials credentialsSecretRef) {
        this.credentialsSecretRef = credentialsSecretRef;
    }

    /** A Secret holding exactly one of a connection string or an account key (which needs storageAccount). */
    @ValidationRule(
            value = "has(self.connectionStringKey) != has(self.accountKeyKey)",
            message = "set exactly one of connectionStringKey or accountKeyKey")
    public static class AzureCredentials {
        @Required
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
        private String name;

        /** The Secret's key holding a connection string (AccountName=...;AccountKey=... or a SAS). */
        private String connectionStringKey;

        /** The Secret's key holding the storage account's access key. */
        private String accountKeyKey;

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public String getConnectionStringKey() {
            return connectionStringKey;
        }

        public void setConnectionStringKey(String connectionStringKey) {
            this.connectionStringKey = connectionStringKey;
        }

        public String getAccountKeyKey() {
            return accountKeyKey;
        }

        public void setAccountKeyKey(String accountKeyKey) {
            this.accountKeyKey = accountKeyKey;
        }
    }
}
