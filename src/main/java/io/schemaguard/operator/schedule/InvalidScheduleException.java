package io.schemaguard.operator.schedule;

/** A schedule or time zone that cannot be used; the message is meant for the resource's status and Events. */
public class InvalidScheduleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidScheduleException(String message, Throwable cause) {
        super(message, cause);
    }

    public InvalidScheduleException(String message) {
        super(message);
    }
}
