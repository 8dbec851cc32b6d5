package dev.braintrust.history;

import java.util.List;

/**
 * What a restore did.
 *
 * @param from    the version restored from
 * @param written the files written back (atomically)
 * @param deleted the files deleted because the version does not have them
 * @param kept    the version that holds the text the home had before the restore: restore it to undo
 * @param version the version the restore itself recorded (null when the files were already as in {@code from})
 * @param note    one sentence for the user: what happened and how to undo it
 */
public record RestoreResult(String from, List<String> written, List<String> deleted, String kept, String version,
                            String note) {
    public RestoreResult {
        written = List.copyOf(written);
        deleted = List.copyOf(deleted);
    }
}
