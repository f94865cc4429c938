package io.schemaguard.api;

/** The outcome of a verification by restore, as the runner reported it. */
public class VerificationStatus {
    private String result;
    private String message;

    public VerificationStatus() {}

    public VerificationStatus(String result, String message) {
        this.result = result;
        this.message = message;
    }

    public String getResult() {
        return result;
    }

    public void setResult(String result) {
        this.result = result;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }
}
