package io.schemaguard.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one-line JSON a runner leaves in the pod's termination message, so the operator learns the
 * outcome from the Pod status without any storage or database credentials. Kept well under the
 * kubelet's 4 KiB limit.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record RunnerResult(
        String status,
        String reason,
        String message,
        String backupId,
        String database,
        String location,
        Long sizeBytes,
        String sha256,
        Double durationSeconds,
        String serverVersion,
        String pgDumpVersion) {

    public static final String SUCCEEDED = "Succeeded";
    public static final String FAILED = "Failed";
    private static final int MAX_MESSAGE = 1024;
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public static RunnerResult failed(FailureReason reason, String message) {
        String m = message == null ? "" : message;
        if (m.length() > MAX_MESSAGE) {
            m = m.substring(0, MAX_MESSAGE - 3) + "...";
        }
        return new RunnerResult(FAILED, reason.name(), m, null, null, null, null, null, null, null, null);
    }

    public boolean succeeded() {
        return SUCCEEDED.equals(status);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a termination message; null when it is not one of ours (e.g. the log tail of a crash). */
    public static RunnerResult parse(String text) {
        if (text == null || text.isBlank() || !text.strip().startsWith("{")) {
            return null;
        }
        try {
            RunnerResult r = JSON.readValue(text.strip(), RunnerResult.class);
            return r.status() == null ? null : r;
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes the result where the kubelet reads it; a missing path (a laptop) is not an error. */
    public void writeTo(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.writeString(path, toJson() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("warning: could not write the termination message to " + path + ": " + e.getMessage());
        }
    }
}
