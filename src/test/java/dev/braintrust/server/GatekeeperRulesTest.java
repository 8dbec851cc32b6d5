package dev.braintrust.server;

import dev.braintrust.BrainTrustException;
import dev.braintrust.Secret;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatekeeperRulesTest {
    @Test
    void same_origin_compares_host_and_effective_port() {
        assertThat(Gatekeeper.sameOrigin("http://127.0.0.1:8000", "127.0.0.1:8000")).isTrue();
        assertThat(Gatekeeper.sameOrigin("http://LOCALHOST:8000", "localhost:8000")).isTrue();
        assertThat(Gatekeeper.sameOrigin("https://pai.example", "pai.example")).isTrue();
        assertThat(Gatekeeper.sameOrigin("http://pai.example", "pai.example:80")).isTrue();
        assertThat(Gatekeeper.sameOrigin("http://127.0.0.1:8001", "127.0.0.1:8000")).isFalse();
        assertThat(Gatekeeper.sameOrigin("http://evil.example:8000", "127.0.0.1:8000")).isFalse();
        assertThat(Gatekeeper.sameOrigin("null", "127.0.0.1:8000")).isFalse();
        assertThat(Gatekeeper.sameOrigin("http://127.0.0.1:8000", null)).isFalse();
    }

    @Test
    void loopback_hosts_are_localhost_and_loopback_addresses_only() {
        assertThat(Gatekeeper.isLoopbackHost("127.0.0.1:8000")).isTrue();
        assertThat(Gatekeeper.isLoopbackHost("localhost")).isTrue();
        assertThat(Gatekeeper.isLoopbackHost("app.localhost:3000")).isTrue();
        assertThat(Gatekeeper.isLoopbackHost("127.8.9.10")).isTrue();
        assertThat(Gatekeeper.isLoopbackHost("[::1]:8000")).isTrue();
        assertThat(Gatekeeper.isLoopbackHost("localhost.evil.example")).isFalse();
        assertThat(Gatekeeper.isLoopbackHost("127.0.0.1.evil.example")).isFalse();
        assertThat(Gatekeeper.isLoopbackHost("10.0.0.5:8000")).isFalse();
        assertThat(Gatekeeper.isLoopbackHost("evil.example")).isFalse();
    }

    @Test
    void loopback_clients_are_recognised_in_every_spelling() {
        assertThat(Gatekeeper.isLoopback("127.0.0.1")).isTrue();
        assertThat(Gatekeeper.isLoopback("::1")).isTrue();
        assertThat(Gatekeeper.isLoopback("[0:0:0:0:0:0:0:1]")).isTrue();
        assertThat(Gatekeeper.isLoopback("192.168.1.20")).isFalse();
        assertThat(Gatekeeper.isLoopback(null)).isFalse();
    }

    @Test
    void listening_beyond_loopback_needs_a_key() {
        assertThatCode(() -> Gatekeeper.checkListenAddress("127.0.0.1", null)).doesNotThrowAnyException();
        assertThatCode(() -> Gatekeeper.checkListenAddress("localhost", null)).doesNotThrowAnyException();
        assertThatCode(() -> Gatekeeper.checkListenAddress("::1", null)).doesNotThrowAnyException();
        assertThatThrownBy(() -> Gatekeeper.checkListenAddress("0.0.0.0", null)).isInstanceOf(BrainTrustException.BadConfig.class);
        assertThatThrownBy(() -> Gatekeeper.checkListenAddress("::", null)).isInstanceOf(BrainTrustException.BadConfig.class);
        assertThatCode(() -> Gatekeeper.checkListenAddress("0.0.0.0", Secret.ofNullable("k"))).doesNotThrowAnyException();
    }

    @Test
    void configured_origins_are_normalised() {
        assertThat(Gatekeeper.normalizeOrigin("App.Example")).isEqualTo("https://app.example");
        assertThat(Gatekeeper.normalizeOrigin("http://localhost:5173/")).isEqualTo("http://localhost:5173");
    }
}
