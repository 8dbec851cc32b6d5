package dev.braintrust.home;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link PaiHome#init()} did: the folders and files it created, the user's files it left alone,
 * and the example files it could not create because a folder has their name ({@code context/GOALS.md/}).
 */
public record InitReport(Path home, List<Path> created, List<Path> kept, List<Path> blocked) {
    public InitReport {
        created = List.copyOf(created);
        kept = List.copyOf(kept);
        blocked = List.copyOf(blocked);
    }

    public boolean createdAnything() {
        return !created.isEmpty();
    }
}
