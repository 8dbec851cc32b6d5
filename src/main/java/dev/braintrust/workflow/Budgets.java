package dev.braintrust.workflow;

import dev.braintrust.Config;
import dev.braintrust.journal.Spend;
import dev.braintrust.journal.Usage;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * The budgets one run answers to: its workflow's ({@code "budget": {"maxTokens", "maxCost"}}) and
 * the day's (BRAIN_TRUST_DAILY_BUDGET, every run of every process sharing the run database).
 * Asked before every model call whether that call may be made: what has been counted so far plus
 * what the call is about to send must stay within each limit. Calls already in flight are not
 * stopped, so parallel agents can go over by what they are answering.
 */
final class Budgets {
    private final Budget run;
    private final Config.DailyBudget daily;
    private final Supplier<Spend> spentToday;
    private final Prices prices;

    Budgets(Budget run, Config.DailyBudget daily, Supplier<Spend> spentToday, Prices prices) {
        this.run = run == null ? Budget.NONE : run;
        this.daily = daily;
        this.spentToday = spentToday;
        this.prices = prices;
    }

    boolean any() {
        return !run.isNone() || daily != null;
    }

    /**
     * Why a call may not be made, with the numbers; null when it may.
     *
     * @param runTokens  what the run's calls so far count (reported, else estimated)
     * @param runCost    likewise for cost
     * @param nextTokens what the next call sends, estimated
     * @param model      the next call's model, for its price
     */
    String refusal(long runTokens, double runCost, long nextTokens, String model) {
        if (!any()) {
            return null;
        }
        Double next = prices.estimate(model, nextTokens, 0);
        double nextCost = next == null ? 0 : next;
        if (run.maxTokens() != null && runTokens + nextTokens > run.maxTokens()) {
            return String.format(Locale.ROOT, "the workflow's budget of %,d tokens would be exceeded: the run has used %,d, "
                    + "and the next model call sends about %,d more", run.maxTokens(), runTokens, nextTokens);
        }
        if (run.maxCost() != null && runCost + nextCost > run.maxCost()) {
            return "the workflow's budget of " + money(run.maxCost()) + " would be exceeded: the run has cost "
                    + money(runCost) + ", and the next model call about " + money(nextCost) + " more";
        }
        if (daily != null) {
            return dailyRefusal(spentToday.get(), nextTokens, nextCost);
        }
        return null;
    }

    /** Why the day's budget allows no more calls of this size, or null. */
    String dailyRefusal(Spend today, long nextTokens, double nextCost) {
        if (daily == null) {
            return null;
        }
        if (daily.tokens() != null && today.tokens() + nextTokens > daily.tokens()) {
            return String.format(Locale.ROOT, "today's budget of %,d tokens (BRAIN_TRUST_DAILY_BUDGET) would be exceeded: "
                    + "today's model calls have used %,d, and the next one sends about %,d more", daily.tokens(), today.tokens(),
                    nextTokens);
        }
        if (daily.cost() != null && today.cost() + nextCost > daily.cost()) {
            return "today's budget of " + money(daily.cost()) + " (BRAIN_TRUST_DAILY_BUDGET) would be exceeded: today's model "
                    + "calls have cost " + money(today.cost()) + ", and the next one about " + money(nextCost) + " more";
        }
        return null;
    }

    private String money(double amount) {
        return Usage.money(amount, prices.currency());
    }
}
