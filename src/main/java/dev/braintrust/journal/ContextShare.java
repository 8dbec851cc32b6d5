package dev.braintrust.journal;

import java.util.List;
import java.util.Objects;

/**
 * Which context files one agent received and which were withheld from it, by their privacy tier
 * and the agent's model.
 *
 * @param host     the server the agent's model calls go to
 * @param local    true when that server counts as the user's own (it receives {@code local} files)
 * @param received the files sent whole
 * @param withheld the files kept back, with their tier ({@code local} or {@code never})
 */
public record ContextShare(String host, boolean local, List<String> received, List<WithheldFile> withheld) {
    public record WithheldFile(String name, String privacy) {
        public WithheldFile {
            Objects.requireNonNull(name);
            Objects.requireNonNull(privacy);
        }
    }

    public ContextShare {
        received = List.copyOf(received);
        withheld = List.copyOf(withheld);
    }
}
