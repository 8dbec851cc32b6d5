package dev.braintrust.journal;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Objects;

/**
 * The sum of some model calls (a step, a run, a day, a provider): never a silent zero. Tokens are
 * the sum of what was reported, with the number of calls that reported nothing beside it; the cost
 * likewise, with the calls that could not be priced.
 *
 * @param modelCalls      how many calls
 * @param reportedCalls   calls whose provider reported their usage
 * @param inputTokens     reported input tokens, summed over the calls that reported them
 * @param outputTokens    reported output tokens, likewise
 * @param unreportedCalls answered calls whose provider reported no usage: their tokens are unknown (calls that
 *                        failed have no usage to report and are not counted here)
 * @param cost            summed over the calls that could be priced; null when none could
 * @param unpricedCalls   calls without a cost (no usage reported, or no price for the model in prices.json)
 * @param currency        of {@code cost}, from prices.json ({@code mixed} when prices changed currency)
 * @param bytesSent       request bytes sent, summed over the calls that were measured
 * @param countedTokens   what budgets count: reported tokens, and for calls without usage an estimate
 *                        (characters / 4)
 * @param countedCost     likewise for cost; null when nothing could be priced
 */
public record Usage(int modelCalls, int reportedCalls, long inputTokens, long outputTokens, int unreportedCalls, Double cost,
                    int unpricedCalls, String currency, long bytesSent, long countedTokens, Double countedCost) {
    public static final Usage NONE = new Usage(0, 0, 0, 0, 0, null, 0, null, 0, 0, null);

    public static Usage of(List<ModelCallRecord> calls) {
        if (calls.isEmpty()) {
            return NONE;
        }
        int unreported = 0;
        int reported = 0;
        int unpriced = 0;
        long in = 0;
        long out = 0;
        long bytes = 0;
        long counted = 0;
        Double cost = null;
        Double countedCost = null;
        String currency = null;
        for (ModelCallRecord c : calls) {
            boolean answered = c.outcome().equals(ModelCallRecord.OK); // a failed call has no usage to report
            if (c.usageReported()) {
                reported++;
                in += c.inputTokens();
                out += c.outputTokens();
            } else if (answered) {
                unreported++;
            }
            if (c.cost() != null) {
                cost = (cost == null ? 0 : cost) + c.cost();
            } else if (answered) {
                unpriced++;
            }
            if (c.countedCost() != null && !c.outcome().equals(ModelCallRecord.NOT_SENT)) {
                countedCost = (countedCost == null ? 0 : countedCost) + c.countedCost();
            }
            if (c.currency() != null) {
                currency = currency == null || currency.equals(c.currency()) ? c.currency() : "mixed";
            }
            bytes += c.bytesSent() == null ? 0 : c.bytesSent();
            if (!c.outcome().equals(ModelCallRecord.NOT_SENT)) {
                counted += c.countedTokens();
            }
        }
        return new Usage(calls.size(), reported, in, out, unreported, cost, unpriced, currency, bytes, counted, countedCost);
    }

    /** Reported input + output tokens, or {@code "unknown"} when no call reported any: never a silent zero. */
    @JsonProperty("tokens")
    public Object tokens() {
        return modelCalls > 0 && reportedCalls == 0 ? ModelCallRecord.UNKNOWN : Long.valueOf(inputTokens + outputTokens);
    }

    /** "1,234 tokens", "1,234 tokens + 2 calls unknown", "unknown": how the CLI and the journal say it. */
    public String describeTokens() {
        if (modelCalls == 0) {
            return "no model calls";
        }
        if (reportedCalls == 0) {
            return "tokens unknown (the provider reported none)";
        }
        String known = String.format(java.util.Locale.ROOT, "%,d tokens (%,d in, %,d out)", inputTokens + outputTokens,
                inputTokens, outputTokens);
        return unreportedCalls == 0 ? known : known + " + " + unreportedCalls + (unreportedCalls == 1 ? " call" : " calls")
                + " unknown";
    }

    /** "0.0123 USD", "0.0123 USD + 1 call unpriced", "unknown". */
    public String describeCost() {
        if (modelCalls == 0) {
            return "nothing";
        }
        if (cost == null) {
            return "cost unknown";
        }
        String known = money(cost, currency);
        return unpricedCalls == 0 ? known : known + " + " + unpricedCalls + (unpricedCalls == 1 ? " call" : " calls") + " unpriced";
    }

    /** An amount with enough digits for the small sums model calls cost. */
    public static String money(double amount, String currency) {
        String digits = amount != 0 && Math.abs(amount) < 0.01 ? "%.6f" : "%.4f";
        return String.format(java.util.Locale.ROOT, digits, amount) + (currency == null ? "" : " " + currency);
    }

    /** Two sums added (a run's steps, a day's runs). */
    public Usage plus(Usage other) {
        Objects.requireNonNull(other);
        if (other.modelCalls == 0) {
            return this;
        }
        if (modelCalls == 0) {
            return other;
        }
        String cur = currency == null ? other.currency : other.currency == null || currency.equals(other.currency) ? currency : "mixed";
        return new Usage(modelCalls + other.modelCalls, reportedCalls + other.reportedCalls, inputTokens + other.inputTokens, outputTokens + other.outputTokens,
                unreportedCalls + other.unreportedCalls, add(cost, other.cost), unpricedCalls + other.unpricedCalls, cur,
                bytesSent + other.bytesSent, countedTokens + other.countedTokens, add(countedCost, other.countedCost));
    }

    private static Double add(Double a, Double b) {
        return a == null ? b : b == null ? a : Double.valueOf(a + b);
    }
}
