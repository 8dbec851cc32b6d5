package dev.braintrust.context;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ContextServiceTest {
    private final AtomicInteger loads = new AtomicInteger();
    private final AtomicLong clock = new AtomicLong();

    private ContextSnapshot snapshotNumber(int n) {
        return new ContextSnapshot("rev-" + n, Instant.EPOCH, List.of(), List.of(), List.of());
    }

    private ContextService service(Duration ttl) {
        return new ContextService(() -> snapshotNumber(loads.incrementAndGet()), ttl, clock::get);
    }

    @Test
    void a_cached_read_does_not_load_again() {
        ContextService service = service(Duration.ofSeconds(60));
        ContextSnapshot first = service.snapshot();
        assertThat(service.snapshot()).isSameAs(first);
        assertThat(service.loadCount()).isEqualTo(1);
        assertThat(service.hitCount()).isEqualTo(1);
    }

    @Test
    void a_snapshot_older_than_the_ttl_is_reloaded() {
        ContextService service = service(Duration.ofSeconds(60));
        service.snapshot();
        clock.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(service.snapshot().revision()).isEqualTo("rev-1");
        clock.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(service.snapshot().revision()).isEqualTo("rev-2");
    }

    @Test
    void invalidation_reloads_on_the_next_read_and_tells_listeners() {
        ContextService service = service(Duration.ofSeconds(60));
        AtomicInteger told = new AtomicInteger();
        service.onInvalidate(told::incrementAndGet);
        service.snapshot();
        service.invalidate();
        assertThat(told).hasValue(1);
        assertThat(service.snapshot().revision()).isEqualTo("rev-2");
    }

    @Test
    void an_invalidation_during_a_load_is_not_lost() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ContextService service = new ContextService(() -> {
            int n = loads.incrementAndGet();
            if (n == 1) {
                loading.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return snapshotNumber(n);
        }, Duration.ofSeconds(60), clock::get);

        Thread reader = new Thread(service::snapshot);
        reader.start();
        loading.await();
        service.invalidate(); // the file changed while it was being read
        release.countDown();
        reader.join();

        assertThat(service.snapshot().revision()).isEqualTo("rev-2");
    }

    @Test
    void compose_prompt_uses_the_current_snapshot() {
        ContextService service = service(Duration.ofSeconds(60));
        assertThat(service.composePrompt("Be brief.")).endsWith("# AGENT INSTRUCTIONS\nBe brief.\n");
    }
}
