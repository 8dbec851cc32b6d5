package dev.braintrust.server;

import io.javalin.config.RoutesConfig;

/**
 * The routes of one capability (context, skills, logs, ...), added to the server in one call.
 * A route's handler reads the request, calls the service, writes the response; failures are
 * thrown as {@link dev.braintrust.BrainTrustException}s and turned into JSON errors by the server.
 */
@FunctionalInterface
public interface Routes {
    void addTo(RoutesConfig routes);
}
