package host;

import icr.*;
import icr.core.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * One summary call of the largest GP Connect record, median of 20 after 5 warm-ups: the
 * JSON, the eager typed summary, the view with what a host renders first (banner and
 * section overviews), and the view read whole.
 */
final class Timing {
    static double medianMs(Callable<?> call) throws Exception {
        for (int i = 0; i < 5; i++) {
            call.call();
        }
        double[] ms = new double[20];
        for (int i = 0; i < ms.length; i++) {
            long start = System.nanoTime();
            call.call();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return ms[ms.length / 2];
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
                double typed = medianMs(record::summary);
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
                        + " summary_view_ms=%.3f view_all_ms=%.3f", json, bytes, typed, view, viewAll);
                System.out.println(line);
                String out = System.getenv("ICR_TIMING_OUT");
                if (out != null && !out.isEmpty()) {
                    Files.writeString(Path.of(out), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            }
        }
    }
}
