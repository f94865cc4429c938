package io.schemaguard.api;

/** API group and version shared by every Schemaguard custom resource. */
public final class SchemaguardApi {
    public static final String GROUP = "schemaguard.io";
    public static final String VERSION = "v1alpha1";
    public static final String API_VERSION = GROUP + "/" + VERSION;

    private SchemaguardApi() {}
}
