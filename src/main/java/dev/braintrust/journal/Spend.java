package dev.braintrust.journal;

/**
 * What model calls used over a period, as budgets count it: reported tokens and cost, and for calls
 * whose provider reported no usage an estimate (characters / 4).
 *
 * @param cost in the currency of prices.json; 0 when nothing could be priced
 */
public record Spend(int modelCalls, long tokens, double cost) {
}
