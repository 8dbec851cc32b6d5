package dev.braintrust.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.BrainTrustException;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads request bodies with a size limit (413 beyond it) and parses them as JSON (400 when they are not). */
final class JsonBodies {
    /** The largest JSON body the API accepts; routes that need more pass their own limit. */
    static final int DEFAULT_LIMIT = dev.braintrust.Config.DEFAULT_JSON_BODY_BYTES;

    private final ObjectMapper mapper;

    JsonBodies(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The body as a JSON tree, or null when the body is empty. */
    JsonNode read(Context ctx) {
        return read(ctx, DEFAULT_LIMIT);
    }

    JsonNode read(Context ctx, int limit) {
        byte[] body = bytes(ctx, limit);
        if (body.length == 0) {
            return null;
        }
        try {
            return mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BrainTrustException.BadInput("the request body is not valid JSON: " + dev.braintrust.Json.problem(e));
        } catch (IOException e) {
            throw new BrainTrustException.BadInput("the request body cannot be read: " + e.getMessage());
        }
    }

    /** The raw body, refused with 413 when it is (or claims to be) over {@code limit} bytes. */
    static byte[] bytes(Context ctx, int limit) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw tooLarge(limit);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, Math.min(declared, 8192)));
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (out.size() + n > limit) {
                    throw tooLarge(limit);
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new BrainTrustException.BadInput("the request body cannot be read: " + e.getMessage());
        }
    }

    private static HttpResponseException tooLarge(int limit) {
        return new HttpResponseException(413, "the request body is over the limit of " + limit / 1024 + " KiB");
    }
}
