package dev.braintrust.workflow;

import dev.braintrust.journal.ContextShare;
import dev.braintrust.journal.ModelCallRecord;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What leaves the machine in one run: per agent, where its calls go and which context they carry;
 * the prices its calls are costed at; the budgets it answers to; and who hears of every call
 * (the metrics).
 */
record RunEgress(Map<String, Agent> agents, Prices prices, Budgets budgets, Consumer<ModelCallRecord> onCall) {
    /**
     * @param destination the server the agent's model calls go to, and its clearance
     * @param share       the files it receives and those withheld, as shown on the run page
     * @param files       the files its system prompt carries, for the ledger
     */
    record Agent(Destination destination, ContextShare share, List<ModelCallRecord.FileRef> files) {
        Agent {
            files = List.copyOf(files);
        }
    }

    RunEgress {
        agents = Map.copyOf(agents);
    }
}
