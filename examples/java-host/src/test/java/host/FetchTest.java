package host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static uk.nhs.icr.Unsigned.ulong;
import static uk.nhs.icr.Unsigned.value;

import icr.*;
import icr.core.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Fetching from Java: the demo patient's five sources from the project's FHIR test server on
 * loopback (tests/fhir-server, a third-party FHIR server), the out-of-hours service never
 * answering; each source's progress and outcome, cancellation from another thread, an
 * identity mismatch, and a callback that throws. Nothing stays alive after a test.
 */
class FetchTest {
    private static final long DEADLINE_MS = 3000;
    private static final List<String> READ = List.of("Y90001", "R9A", "R9M", "Y9SC1");
    private static final String HANGING = FhirTestServer.HANGING;
    private static FhirTestServer server;
    private long[] before;

    @BeforeAll
    static void startServer() throws Exception {
        server = FhirTestServer.start(true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    static long[] live() {
        LiveObjects l = IcrKt.liveObjects();
        return new long[] {l.getIcr(), l.getSessions(), l.getSourceSets(), l.getRecords(), l.getViews()};
    }

    @BeforeEach
    void countLiveObjects() {
        before = live();
    }

    @AfterEach
    void nothingLeftAlive() {
        assertEquals(Arrays.toString(before), Arrays.toString(live()), "live objects after the test");
    }

    static FetchSettings settings(long deadlineMs) {
        // No proxy: a proxy set in the environment must not capture loopback.
        return new FetchSettings(ulong(deadlineMs), null, null, false);
    }

    static Session gpSession(Icr ehr) throws IcrException {
        return ehr.openSession(IcrKt.mintDemoToken("gp", Relationship.REGISTERED_GP, IcrKt.demoPatientNhsNumber()));
    }

    /**
     * Throws {@code t}, checked or not: the binding's {@code onProgress} declares nothing, yet a
     * host may let an {@code IcrException} (checked in Java) escape it.
     */
    @SuppressWarnings("unchecked")
    static <E extends Throwable> void sneakyThrow(Throwable t) throws E {
        throw (E) t;
    }

    /** Keeps every step it is told; throws {@code fail.get()} from each call when set. */
    static class Steps implements FetchProgress {
        final List<SourceProgress> seen = Collections.synchronizedList(new ArrayList<>());
        final Supplier<Exception> fail;

        Steps(Supplier<Exception> fail) {
            this.fail = fail;
        }

        @Override
        public void onProgress(SourceProgress progress) {
            seen.add(progress);
            if (fail != null) {
                FetchTest.<RuntimeException>sneakyThrow(fail.get());
            }
        }

        List<ProgressEvent> of(String odsCode) {
            List<ProgressEvent> out = new ArrayList<>();
            synchronized (seen) {
                for (SourceProgress p : seen) {
                    if (p.getOdsCode().equals(odsCode)) {
                        out.add(p.getEvent());
                    }
                }
            }
            return out;
        }
    }

    static Map<String, SourceOutcome> bySource(List<SourceOutcome> outcomes) {
        Map<String, SourceOutcome> out = new HashMap<>();
        for (SourceOutcome o : outcomes) {
            out.put(o.getOdsCode(), o);
        }
        return out;
    }

    /** Four sources read, the hanging one timed out at the deadline. */
    static void assertDemoOutcomes(List<SourceOutcome> outcomes) {
        Map<String, SourceOutcome> found = bySource(outcomes);
        Set<String> expected = new HashSet<>(READ);
        expected.add(HANGING);
        assertEquals(expected, found.keySet());
        for (String ods : READ) {
            SourceOutcome o = found.get(ods);
            assertEquals(SourceStatus.OK, o.getStatus(), ods + ": " + o.getReason());
            assertTrue(value(o.getRequests()) >= 1 && value(o.getBytes()) > 0, ods);
        }
        assertEquals(SourceKind.GP_CONNECT_STRUCTURED, found.get("Y90001").getKind());
        assertEquals(SourceKind.FHIR_R4, found.get("R9A").getKind());
        SourceOutcome hung = found.get(HANGING);
        assertEquals(SourceStatus.TIMED_OUT, hung.getStatus(), String.valueOf(hung.getReason()));
        assertEquals(0L, value(hung.getBytes()));
        assertNotNull(hung.getReason());
    }

    /** Each source told started once (first) and done once (last), done with its outcome. */
    static void assertStartedAndDone(Steps steps, List<SourceOutcome> outcomes) {
        for (SourceOutcome o : outcomes) {
            List<ProgressEvent> events = steps.of(o.getOdsCode());
            assertFalse(events.isEmpty(), o.getOdsCode());
            assertInstanceOf(ProgressEvent.Started.class, events.get(0), o.getOdsCode());
            assertEquals(1, events.stream().filter(e -> e instanceof ProgressEvent.Started).count(), o.getOdsCode());
            assertEquals(1, events.stream().filter(e -> e instanceof ProgressEvent.Done).count(), o.getOdsCode());
            ProgressEvent.Done done = assertInstanceOf(ProgressEvent.Done.class, events.get(events.size() - 1));
            assertEquals(o.getStatus(), done.getStatus(), o.getOdsCode());
            assertEquals(o.getReason(), done.getReason(), o.getOdsCode());
        }
        Set<Long> indexes = new HashSet<>();
        synchronized (steps.seen) {
            for (SourceProgress p : steps.seen) {
                indexes.add(value(p.getIndex()));
            }
        }
        Set<Long> expected = new HashSet<>();
        for (long i = 0; i < outcomes.size(); i++) {
            expected.add(i);
        }
        assertEquals(expected, indexes, "one index per source of the directory");
    }

    @Test
    @DisplayName("the demo patient from five sources, one hanging, within the deadline")
    void theDemoPatientFromFiveSourcesOneHanging() throws Exception {
        Steps steps = new Steps(null);
        try (Icr ehr = Icr.Companion.demo(); Session session = gpSession(ehr)) {
            long started = System.nanoTime();
            try (CareRecord record = session.fetchRecord(server.directory(), settings(DEADLINE_MS), steps)) {
                long tookMs = (System.nanoTime() - started) / 1_000_000;
                assertTrue(tookMs < DEADLINE_MS + 2000, "returned after " + tookMs + " ms, deadline " + DEADLINE_MS);
                List<SourceOutcome> outcomes = record.fetchOutcomes();
                assertDemoOutcomes(outcomes);
                assertStartedAndDone(steps, outcomes);
                PatientSummary summary = record.summary();
                assertEquals(IcrKt.demoPatientNhsNumber(), summary.getPatient().getNhsNumber());
                Map<String, SourceStatus> shown = new HashMap<>();
                for (SourceView s : summary.getSources()) {
                    shown.put(s.getOdsCode(), s.getStatus());
                }
                Map<String, SourceStatus> fetched = new HashMap<>();
                for (SourceOutcome o : outcomes) {
                    fetched.put(o.getOdsCode(), o.getStatus());
                }
                assertEquals(fetched, shown, "the summary says how each source fared");
                assertEquals(5L, record.sourceCount());
            }
        }
    }

    @Test
    @DisplayName("fetchSummary returns the summary with the outcomes")
    void fetchSummaryReturnsTheSummaryWithTheOutcomes() throws Exception {
        try (Icr ehr = Icr.Companion.demo(); Session session = gpSession(ehr)) {
            FetchedSummary fetched = session.fetchSummary(server.directory(), settings(DEADLINE_MS), null);
            assertDemoOutcomes(fetched.getOutcomes());
            boolean medicines = false;
            for (SummarySection s : fetched.getSummary().getSections()) {
                medicines |= s.getKey() == Section.MEDICATIONS && !s.getItems().isEmpty();
            }
            assertTrue(medicines, "the GP practice's medicines");
        }
    }

    @Test
    @DisplayName("a fetch cancelled from another thread returns at once")
    void aFetchCancelledFromAnotherThreadReturnsAtOnce() throws Exception {
        long deadlineMs = 20_000;
        CountDownLatch fourDone = new CountDownLatch(READ.size());
        Steps steps = new Steps(null) {
            @Override
            public void onProgress(SourceProgress progress) {
                super.onProgress(progress);
                if (progress.getEvent() instanceof ProgressEvent.Done) {
                    fourDone.countDown();
                }
            }
        };
        try (Icr ehr = Icr.Companion.demo(); Session session = gpSession(ehr)) {
            long[] cancelledAt = new long[1];
            Thread canceller = new Thread(() -> {
                try {
                    if (fourDone.await(deadlineMs, TimeUnit.MILLISECONDS)) {
                        cancelledAt[0] = System.nanoTime();
                        session.cancelFetches();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            canceller.start();
            long started = System.nanoTime();
            CareRecord record;
            try {
                record = session.fetchRecord(server.directory(), settings(deadlineMs), steps);
            } finally {
                canceller.join();
            }
            long returned = System.nanoTime();
            try (record) {
                assertTrue(cancelledAt[0] != 0, "the four answering sources were done");
                long afterCancelMs = (returned - cancelledAt[0]) / 1_000_000;
                assertTrue(afterCancelMs < 2000, "returned " + afterCancelMs + " ms after the cancel");
                assertTrue((returned - started) / 1_000_000 < deadlineMs / 2, "well under the deadline");
                Map<String, SourceOutcome> found = bySource(record.fetchOutcomes());
                SourceOutcome hung = found.get(HANGING);
                assertEquals(SourceStatus.UNAVAILABLE, hung.getStatus());
                assertEquals("cancelled", hung.getReason());
                for (String ods : READ) {
                    assertEquals(SourceStatus.OK, found.get(ods).getStatus(), ods);
                }
                assertStartedAndDone(steps, new ArrayList<>(found.values()));
            }
        }
    }

    @Test
    @DisplayName("an identity mismatch is reported for its source")
    void anIdentityMismatchIsReportedForItsSource() throws Exception {
        String directory = server.directory(Map.of("Y90001", "/" + FhirTestServer.WRONG_PATIENT));
        try (Icr ehr = Icr.Companion.demo(); Session session = gpSession(ehr);
                CareRecord record = session.fetchRecord(directory, settings(DEADLINE_MS), null)) {
            Map<String, SourceOutcome> found = bySource(record.fetchOutcomes());
            assertEquals(SourceStatus.IDENTITY_MISMATCH, found.get("Y90001").getStatus(),
                    String.valueOf(found.get("Y90001").getReason()));
            for (String ods : READ.subList(1, READ.size())) {
                assertEquals(SourceStatus.OK, found.get(ods).getStatus(), ods);
            }
            PatientSummary summary = record.summary();
            SourceStatus gp = null;
            for (SourceView s : summary.getSources()) {
                if ("Y90001".equals(s.getOdsCode())) {
                    gp = s.getStatus();
                }
            }
            assertEquals(SourceStatus.IDENTITY_MISMATCH, gp);
            assertEquals(IcrKt.demoPatientNhsNumber(), summary.getPatient().getNhsNumber(), "the other patient is not shown");
        }
    }

    @Test
    @DisplayName("a callback that throws does not stop the fetch")
    void aCallbackThatThrowsDoesNotStopTheFetch() throws Exception {
        List<Supplier<Exception>> failures = List.of(
                () -> new IllegalStateException("the host's callback failed"),
                () -> new IcrException.Unexpected("the host's callback failed"));
        for (Supplier<Exception> failure : failures) {
            Steps steps = new Steps(failure);
            try (Icr ehr = Icr.Companion.demo(); Session session = gpSession(ehr);
                    CareRecord record = session.fetchRecord(server.directory(), settings(DEADLINE_MS), steps)) {
                List<SourceOutcome> outcomes = record.fetchOutcomes();
                assertDemoOutcomes(outcomes);
                assertStartedAndDone(steps, outcomes);
            }
        }
    }

    @Test
    @DisplayName("an invalid directory is IcrException.InvalidInput")
    void anInvalidDirectoryIsInvalidInput() throws Exception {
        try (Icr ehr = Icr.Companion.demo(); Session session = gpSession(ehr)) {
            for (String directory : List.of("not json", "{\"sources\": 3}")) {
                assertThrows(IcrException.InvalidInput.class, () -> session.fetchRecord(directory, settings(DEADLINE_MS), null));
                assertThrows(IcrException.InvalidInput.class, () -> session.fetchSummary(directory, null, null));
            }
        }
    }
}
