package dev.braintrust.server;

import dev.braintrust.BrainTrustException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who the client is, behind the reverse proxies the owner trusts ({@code BRAIN_TRUST_TRUSTED_PROXIES}:
 * addresses or CIDR ranges). A request from a trusted proxy is attributed to the nearest address in
 * its {@code X-Forwarded-For} that is not itself a trusted proxy (read from the right, since a client
 * can write anything into the left of the header); a request from anyone else to its peer address,
 * whatever it claims.
 *
 * <p>The CIDR matching is written here: it is a byte mask over {@link InetAddress#getAddress()}, and
 * no library on the class path offers it for both IPv4 and IPv6.
 */
final class ClientAddress {
    private record Range(byte[] network, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private final List<Range> trusted;

    /** @throws BrainTrustException.BadConfig naming the entry that is not an address or CIDR */
    ClientAddress(List<String> trustedProxies) {
        List<Range> ranges = new ArrayList<>();
        for (String entry : trustedProxies) {
            ranges.add(parse(entry));
        }
        this.trusted = List.copyOf(ranges);
    }

    private static Range parse(String entry) {
        String text = entry.strip();
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        byte[] address = literal(host);
        int prefix = address == null ? -1 : address.length * 8;
        if (address != null && slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
        }
        if (address == null || prefix < 0 || prefix > address.length * 8) {
            throw new BrainTrustException.BadConfig("BRAIN_TRUST_TRUSTED_PROXIES has '" + entry + "', which is not an IP address "
                    + "or CIDR range; use values such as 127.0.0.1, 10.0.0.0/8 or fd00::/8, comma-separated");
        }
        return new Range(address, prefix);
    }

    /** The bytes of an IP literal, or null when the text is not one (never a DNS lookup). */
    private static byte[] literal(String text) {
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        if (t.isEmpty() || !(t.contains(":") || t.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
            return null;
        }
        try {
            return InetAddress.getByName(t).getAddress();
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    boolean trusts(String address) {
        if (trusted.isEmpty() || address == null) {
            return false;
        }
        byte[] bytes = literal(address);
        return bytes != null && trusted.stream().anyMatch(r -> r.contains(bytes));
    }

    /**
     * @param peer          the address the connection comes from
     * @param forwardedFor  the request's X-Forwarded-For headers, joined with commas; may be null
     */
    String of(String peer, String forwardedFor) {
        if (forwardedFor == null || !trusts(peer)) {
            return peer;
        }
        String[] hops = forwardedFor.split(",");
        String nearest = peer;
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].strip();
            if (literal(hop) == null) {
                return nearest; // garbage beyond this point was written by the client, not by a proxy
            }
            if (!trusts(hop)) {
                return hop;
            }
            nearest = hop;
        }
        return nearest;
    }
}
