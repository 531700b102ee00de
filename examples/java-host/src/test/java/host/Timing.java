package host;

import icr.*;
import icr.core.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * One summary call of the largest GP Connect record in steady state, by the rule of the
 * Rust side (icr-ffi/examples/summary_timing.rs): each call repeated for a warm-up time
 * (so that C2 has compiled the decoder), then the median of a fixed number of timed calls.
 * The JSON, the eager typed summary, the view with what a host renders first (banner and
 * section overviews), and the view read whole.
 */
final class Timing {
    static final long WARM_UP_NANOS = 1_500_000_000L;
    static final int SAMPLES = 50;

    static double medianMs(Callable<?> call) throws Exception {
        long warmUp = System.nanoTime();
        while (System.nanoTime() - warmUp < WARM_UP_NANOS) {
            call.call();
        }
        double[] ms = new double[SAMPLES];
        for (int i = 0; i < ms.length; i++) {
            long start = System.nanoTime();
            call.call();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return ms[ms.length / 2];
    }

    /** {@link #medianMs} of two calls timed alternately, so that both see the same load. */
    static double[] medianPairMs(Callable<?> call, Callable<?> reference) throws Exception {
        long warmUp = System.nanoTime();
        while (System.nanoTime() - warmUp < WARM_UP_NANOS) {
            call.call();
            reference.call();
        }
        double[][] ms = new double[2][SAMPLES];
        Callable<?>[] calls = {call, reference};
        for (int i = 0; i < SAMPLES; i++) {
            for (int c = 0; c < 2; c++) {
                long start = System.nanoTime();
                calls[c].call();
                ms[c][i] = (System.nanoTime() - start) / 1e6;
            }
        }
        Arrays.sort(ms[0]);
        Arrays.sort(ms[1]);
        return new double[] {ms[0][SAMPLES / 2], ms[1][SAMPLES / 2]};
    }

    static void run(String corpus) throws Exception {
        byte[] data = Files.readAllBytes(Path.of(corpus, "gpconnect", "supplier_TPP_9465699896_full.json"));
        try (Icr ehr = Icr.Companion.demo();
                Session s = ehr.openSession(IcrKt.mintDemoToken("gp", Relationship.REGISTERED_GP, "9465699896"));
                SourceSet sources = s.sourceSet()) {
            sources.addBytes(null, data);
            try (CareRecord record = sources.merge()) {
                double json = medianMs(record::summaryJson);
                double bytes = medianMs(record::summaryJsonBytes);
                // summary() against the library's own work in this process, timed alternately:
                // the summary made and kept in the library, only a handle crossing.
                double[] typed = medianPairMs(record::summary, () -> {
                    try (SummaryView lazy = record.summaryView()) {
                        return lazy;
                    }
                });
                double view = medianMs(() -> {
                    try (SummaryView lazy = record.summaryView()) {
                        return lazy.banner().getAlerts().size() + lazy.sections().size();
                    }
                });
                double viewAll = medianMs(() -> {
                    try (SummaryView lazy = record.summaryView()) {
                        int n = lazy.banner().getAlerts().size();
                        for (SectionOverview o : lazy.sections()) {
                            n += lazy.section(o.getKey()).getItems().size();
                        }
                        return n;
                    }
                });
                String line = String.format("java summary_json_ms=%.3f summary_json_bytes_ms=%.3f summary_ms=%.3f"
                        + " library_ms=%.3f summary_view_ms=%.3f view_all_ms=%.3f", json, bytes, typed[0], typed[1], view,
                        viewAll);
                System.out.println(line);
                String out = System.getenv("ICR_TIMING_OUT");
                if (out != null && !out.isEmpty()) {
                    Files.writeString(Path.of(out), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            }
        }
    }
}
