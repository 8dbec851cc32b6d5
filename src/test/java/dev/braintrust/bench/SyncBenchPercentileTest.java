package dev.braintrust.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** bench/sync.sh divides our percentiles by the anchor's: both must be the same statistic. */
class SyncBenchPercentileTest {

    @Test
    void percentilesAreTheAnchorsOwn() throws Exception {
        Random random = new Random(19);
        for (int n : new int[] {2, 5, 19, 20, 30, 50, 101}) {
            double[] sorted = random.doubles(n, 1, 200).map(Math::rint).sorted().toArray();
            for (int p : new int[] {50, 95}) {
                assertThat(SyncBench.pct(sorted, p)).as("p%d of %d values", p, n).isEqualTo(anchorsPercentile(sorted, p));
            }
        }
    }

    @Test
    void p95OfThirtyIsTheTwentyEighth() {
        double[] ranks = java.util.stream.IntStream.rangeClosed(1, 30).asDoubleStream().toArray();
        assertThat(SyncBench.pct(ranks, 95)).isEqualTo(28);
        assertThat(SyncBench.pct(ranks, 50)).isEqualTo(15);
    }

    /** The expression of ../shared/anchors/webhook-pull-latency.sh, run by awk on the same values. */
    private static double anchorsPercentile(double[] sorted, int p) throws IOException, InterruptedException {
        String program = "{a[NR]=$1} END {print a[int(NR*" + (p / 100.0) + ")]}";
        Process awk = new ProcessBuilder("awk", program).redirectErrorStream(true).start();
        awk.getOutputStream().write(Arrays.stream(sorted).mapToObj(v -> String.valueOf((long) v))
                .collect(Collectors.joining("\n", "", "\n")).getBytes(StandardCharsets.UTF_8));
        awk.getOutputStream().close();
        String out = new String(awk.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(awk.waitFor()).as("awk: %s", out).isZero();
        return Double.parseDouble(out);
    }
}
