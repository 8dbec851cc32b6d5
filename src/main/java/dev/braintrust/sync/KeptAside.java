package dev.braintrust.sync;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Local edits a sync was about to overwrite, moved aside first: nothing the user wrote is lost.
 *
 * @param time   when they were moved
 * @param folder where they are now, relative to the home ({@code state/sync/overwritten/<time>}), under the same paths
 * @param paths  the paths moved, relative to the home
 */
public record KeptAside(Instant time, String folder, List<String> paths) {
    public KeptAside {
        Objects.requireNonNull(time);
        Objects.requireNonNull(folder);
        paths = List.copyOf(paths);
    }

    /** One line for the log, the journal, the CLI and status. */
    public String describe() {
        List<String> shown = paths.size() > 20 ? paths.subList(0, 20) : paths;
        return paths.size() + (paths.size() == 1 ? " file that differed" : " files that differed")
                + " from the repository and would have been overwritten " + (paths.size() == 1 ? "was" : "were")
                + " moved to " + folder + "/: " + String.join(", ", shown) + (paths.size() > shown.size() ? ", …" : "");
    }
}
