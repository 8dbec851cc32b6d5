package dev.braintrust.workflow;

import dev.braintrust.context.Privacy;

import java.util.Objects;

/**
 * Where a model's calls go, and what they may carry.
 *
 * @param host      the server the calls are sent to, {@code host} or {@code host:port} (from the provider's base URL)
 * @param clearance {@link Privacy#LOCAL} for a model on the user's own machine or network (it receives
 *                  {@code privacy: local} files), {@link Privacy#PUBLIC} for every other
 */
public record Destination(String host, Privacy clearance) {
    public Destination {
        Objects.requireNonNull(host);
        Objects.requireNonNull(clearance);
    }

    public boolean local() {
        return clearance == Privacy.LOCAL;
    }
}
