package dev.braintrust.home;

import java.nio.file.Path;
import java.util.List;

/** What {@link PaiHome#init()} did: the folders and files it created, and the user's files it left alone. */
public record InitReport(Path home, List<Path> created, List<Path> kept) {
    public InitReport {
        created = List.copyOf(created);
        kept = List.copyOf(kept);
    }

    public boolean createdAnything() {
        return !created.isEmpty();
    }
}
