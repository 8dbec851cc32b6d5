package dev.braintrust.server;

import io.javalin.security.RouteRole;

/**
 * Who may call a route, marked on the route where it is registered ({@code routes.get(path, handler, Access.OPEN)}).
 * A route without a mark needs the API key ({@link Gatekeeper}).
 */
public enum Access implements RouteRole {
    /**
     * Open without a key: it holds no data, or it checks its own credential (a webhook's signature, a trigger's
     * secret). Health and readiness, the webhook, webhook triggers and the dashboard's files.
     */
    OPEN
}
