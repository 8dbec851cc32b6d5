package dev.braintrust.workflow;

import dev.braintrust.Config;
import dev.braintrust.journal.Spend;
import dev.braintrust.journal.UsageReport;

import java.time.Instant;

/**
 * What {@code brain-trust egress} and {@code GET /api/v1/usage} answer: the egress ledger summed
 * over a period, and today's spend against the daily budget.
 *
 * @param period the ledger summed since the period's start
 * @param today  today's spend, as budgets count it
 */
public record Spending(UsageReport period, Today today) {
    /**
     * @param since     local midnight
     * @param spent     what today's model calls count against budgets
     * @param budget    BRAIN_TRUST_DAILY_BUDGET; null when unset
     * @param currency  of the prices (and of the budget's cost)
     * @param exhausted why no more runs can start today; null while the budget allows them
     */
    public record Today(Instant since, Spend spent, Config.DailyBudget budget, String currency, String exhausted) {
    }
}
