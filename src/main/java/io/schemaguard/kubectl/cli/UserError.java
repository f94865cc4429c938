package io.schemaguard.kubectl.cli;

/** A failure the user can act on: its message is the one line printed, with the exit code given. */
final class UserError extends RuntimeException {
    final int exitCode;

    UserError(String message) {
        this(message, 1);
    }

    UserError(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    static UserError usage(String message) {
        return new UserError(message, 2);
    }
}
