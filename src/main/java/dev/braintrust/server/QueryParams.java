package dev.braintrust.server;

import dev.braintrust.BrainTrustException;
import io.javalin.http.Context;

import java.util.Locale;

/** Query parameters read the same way on every route: a bad value is a 400 that names the parameter and its range. */
final class QueryParams {
    private QueryParams() {
    }

    /** The whole number {@code name} gives, {@code fallback} when it is absent or blank. */
    static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text.strip());
            if (value < min || value > max) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new BrainTrustException.BadInput(String.format(Locale.ROOT, "'%s' must be a whole number from %d to %d, not '%s'",
                    name, min, max, text));
        }
    }
}
