package dev.braintrust.testing;

/** Tear-down of what a test class started: every resource is closed, in the order given, even when one fails. */
public final class Closer {
    private Closer() {
    }

    /**
     * Closes each resource (nulls, never started, are skipped); the first failure is thrown at the
     * end with the later ones attached as suppressed.
     */
    public static void closeAll(AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
