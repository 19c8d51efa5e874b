package dev.streamforecast.io;

/**
 * A mistake the user can fix (a missing file, a bad setting, input that does not fit its format):
 * its message says what is wrong and what to do, in a line or two, and the command line shows only
 * that message, never a stack trace.
 */
public class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
