package io.schemaguard.kubectl;

/** What the plugin needs of one runner Job: its component label, name, times, and how it ended (null: running). */
public record JobRun(
        String component, String name, String createdAt, String startedAt, String completedAt, String outcome) {
    public String state() {
        return outcome == null ? "Running" : outcome;
    }
}
