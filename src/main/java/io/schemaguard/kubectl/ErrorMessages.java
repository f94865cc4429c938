package io.schemaguard.kubectl;

import io.schemaguard.api.SchemaguardApi;

/**
 * The one line a failed API call becomes, from what the API server answered (code, its message, and the
 * name and kind of its details). A 404 without a name is the API server not knowing the resource type at
 * all: the CRDs are missing.
 */
public final class ErrorMessages {
    private ErrorMessages() {}

    /**
     * @param code the HTTP status (0 when the server was never reached)
     * @param message the API server's Status message (for 403 it names the user, verb and resource)
     * @param detailsName the object the Status is about (null for a missing resource type)
     * @param resource what the plugin asked for, e.g. {@code safemigrations}
     */
    public static String of(int code, String message, String detailsName, String resource, String namespace) {
        String msg = message == null ? "" : message.strip();
        if (code <= 0) { // Fabric8's code when no answer came
            return "cannot reach the API server: " + msg;
        }
        return switch (code) {
            case 404 ->
                detailsName == null || detailsName.isEmpty()
                        ? "the " + SchemaguardApi.GROUP
                                + " CRDs are not installed in this cluster (the API server has no " + resource + "."
                                + SchemaguardApi.GROUP + "): install Schemaguard (crds/ or the Helm chart)"
                        : resource + " \"" + detailsName + "\" not found in namespace " + namespace;
            case 403 ->
                "forbidden: " + (msg.isEmpty() ? "no permission for " + resource + " in namespace " + namespace : msg);
            case 401 ->
                "unauthorized: the API server did not accept the kubeconfig's credentials"
                        + (msg.isEmpty() ? "" : " (" + msg + ")");
            case 409 -> "conflict: " + msg;
            case 422 -> "rejected by the API server: " + msg;
            default -> "the API server answered " + code + ": " + msg;
        };
    }
}
