package dev.braintrust.workflow;

import dev.braintrust.context.ContextFile;
import dev.braintrust.context.ContextSelection;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.Privacy;
import dev.braintrust.journal.ContextShare;
import dev.braintrust.journal.ModelCallRecord;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * For the agents of one run (or dry run): where each one's model calls go, and the part of the
 * run's one snapshot it may receive there. The privacy step before any prompt is composed: an
 * agent's prompt is built from {@link Agent#selection()}'s snapshot, never from the whole one.
 */
final class AgentContexts {
    private final ContextSnapshot snapshot;
    private final ModelDestinations destinations;
    private final Map<Privacy, ContextSelection> selections = new EnumMap<>(Privacy.class);

    /** One agent's destination and context. */
    record Agent(Destination destination, ContextSelection selection) {
        ContextShare share() {
            return new ContextShare(destination.host(), destination.local(), selection.receivedNames(),
                    selection.withheld().stream()
                            .map(w -> new ContextShare.WithheldFile(w.name(), w.privacy().label())).toList());
        }

        List<ModelCallRecord.FileRef> files() {
            return selection.received().stream()
                    .map((ContextFile f) -> new ModelCallRecord.FileRef(f.name(), selection.revision(), f.sha256())).toList();
        }

        RunEgress.Agent egress() {
            return new RunEgress.Agent(destination, share(), files());
        }
    }

    AgentContexts(ContextSnapshot snapshot, ModelDestinations destinations) {
        this.snapshot = snapshot;
        this.destinations = destinations;
    }

    Agent of(ModelRoute route) {
        Destination destination = destinations.of(route);
        ContextSelection selection = selections.computeIfAbsent(destination.clearance(), c -> ContextSelection.of(snapshot, c));
        return new Agent(destination, selection);
    }
}
