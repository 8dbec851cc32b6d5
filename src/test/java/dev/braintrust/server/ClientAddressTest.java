package dev.braintrust.server;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ClientAddressTest {
    final ClientAddress behindProxies = new ClientAddress(List.of("10.0.0.0/8", "192.168.1.5", "fd00::/8"));

    @Test
    void a_peer_that_is_not_trusted_is_the_client_whatever_it_forwards() {
        assertThat(behindProxies.of("203.0.113.9", "1.2.3.4")).isEqualTo("203.0.113.9");
        assertThat(new ClientAddress(List.of()).of("10.0.0.1", "1.2.3.4")).isEqualTo("10.0.0.1");
    }

    @Test
    void the_client_is_the_nearest_forwarded_address_that_is_not_a_trusted_proxy() {
        assertThat(behindProxies.of("10.1.2.3", "1.2.3.4")).isEqualTo("1.2.3.4");
        assertThat(behindProxies.of("10.1.2.3", "6.6.6.6, 1.2.3.4, 10.9.9.9, 192.168.1.5")).isEqualTo("1.2.3.4");
        assertThat(behindProxies.of("fd12::1", "2001:db8::7")).isEqualTo("2001:db8::7");
        assertThat(behindProxies.of("10.1.2.3", "10.2.2.2")).as("only proxies: the farthest").isEqualTo("10.2.2.2");
        assertThat(behindProxies.of("10.1.2.3", null)).isEqualTo("10.1.2.3");
        assertThat(behindProxies.of("10.1.2.3", "not-an-address")).isEqualTo("10.1.2.3");
    }

    @Test
    void ranges_match_by_prefix() {
        assertThat(new ClientAddress(List.of("172.16.0.0/12")).trusts("172.31.255.255")).isTrue();
        assertThat(new ClientAddress(List.of("172.16.0.0/12")).trusts("172.32.0.1")).isFalse();
        assertThat(new ClientAddress(List.of("192.168.1.128/25")).trusts("192.168.1.127")).isFalse();
        assertThat(new ClientAddress(List.of("192.168.1.128/25")).trusts("192.168.1.200")).isTrue();
        assertThat(behindProxies.trusts("192.168.1.6")).isFalse();
        assertThat(behindProxies.trusts("::ffff:10.0.0.1")).as("IPv4-mapped IPv6 is parsed as IPv4 by the JDK").isTrue();
    }
}
