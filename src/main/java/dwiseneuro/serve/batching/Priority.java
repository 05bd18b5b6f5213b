package dwiseneuro.serve.batching;

/**
 * Who waits for a clip. Interactive windows (/v1 and /v2 requests) are taken first; background windows
 * (experiment jobs) fill the rest of each batch, so that a device stays busy without making an
 * interactive request wait for more than the batch already running, and without counting against the
 * bounds that refuse interactive requests with 429.
 */
public enum Priority {
    INTERACTIVE,
    BACKGROUND;

    /** The metric tag value: interactive, background. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
