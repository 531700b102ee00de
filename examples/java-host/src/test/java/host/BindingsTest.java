package host;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import icr.*;
import icr.core.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The Java binding (uniffi's Kotlin, compiled into the icr-sdk jar) from plain Java 17,
 * under JUnit 5: the binding's API, its errors, objects freed and used after close, threads,
 * and the audit file. One ICR and one GP view of the demo record are shared by the tests.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BindingsTest {
    private static final String NHS = IcrKt.demoPatientNhsNumber();
    private static Icr ehr;
    private static CareRecord record;

    @BeforeAll
    static void openTheDemoRecord() throws IcrException {
        ehr = Icr.Companion.demo();
        record = view(ehr, "gp");
    }

    @AfterAll
    static void closeTheDemoRecord() {
        record.close();
        ehr.close();
    }

    static String token(String role) throws IcrException {
        return IcrKt.mintDemoToken(role, Relationship.REGISTERED_GP, NHS);
    }

    /** The demo record as a session views it. The record keeps the session alive. */
    static CareRecord view(Session session) throws IcrException {
        try (SourceSet sources = session.sourceSet()) {
            for (DemoSource s : IcrKt.demoSources()) {
                sources.addJson(s.getOrganisation(), s.getJson());
            }
            return sources.merge();
        }
    }

    static CareRecord view(Icr ehr, String role) throws IcrException {
        try (Session session = ehr.openSession(token(role))) {
            return view(session);
        }
    }

    /** The JSON code of an enum constant: kebab-case (`CARE_TEAM` is `care-team`). */
    static String code(Enum<?> value) {
        return value.name().toLowerCase().replace('_', '-');
    }

    static SummarySection section(PatientSummary summary, String key) {
        for (SummarySection s : summary.getSections()) {
            if (code(s.getKey()).equals(key)) {
                return s;
            }
        }
        throw new AssertionError("no section " + key);
    }

    static SectionOverview overview(SummaryView view, String key) throws IcrException {
        for (SectionOverview o : view.sections()) {
            if (code(o.getKey()).equals(key)) {
                return o;
            }
        }
        throw new AssertionError("no section " + key);
    }

    static long shown(SummaryView view) throws IcrException {
        long n = 0;
        for (SectionOverview o : view.sections()) {
            n += o.getShown();
        }
        return n;
    }

    static int items(PatientSummary summary) {
        int n = 0;
        for (SummarySection s : summary.getSections()) {
            n += s.getItems().size();
        }
        return n;
    }

    static List<Entry> allItems(PatientSummary summary) {
        List<Entry> out = new ArrayList<>();
        for (SummarySection s : summary.getSections()) {
            out.addAll(s.getItems());
        }
        return out;
    }

    /**
     * A section's part of the summary JSON, from its key to the next section's (plain Java
     * has no JSON parser; the JSON is compact, its fields in their documented order).
     */
    static String sectionJson(String json, String key) {
        int start = json.indexOf("{\"key\":\"" + key + "\"");
        assertTrue(start >= 0, "section " + key + " in the JSON");
        int end = json.indexOf("{\"key\":\"", start + 1);
        return json.substring(start, end < 0 ? json.length() : end);
    }

    /** A section's folded entries as the summary JSON writes them, or "" when it has none. */
    static String foldedJson(SummarySection s) {
        if (s.getFolded().isEmpty()) {
            return "";
        }
        StringJoiner out = new StringJoiner(",", "\"folded\":[", "]");
        for (FoldedItems f : s.getFolded()) {
            out.add("{\"title\":\"" + f.getTitle() + "\",\"count\":" + f.getCount() + "}");
        }
        return out.toString();
    }

    /**
     * The demo sources, with the out-of-hours service's patient given another date of birth
     * and family name under the same NHS number.
     */
    static CareRecord viewWithUnconfirmedIdentity(Session session) throws IcrException {
        try (SourceSet sources = session.sourceSet()) {
            for (DemoSource s : IcrKt.demoSources()) {
                String json = s.getJson();
                if (s.getFile().startsWith("out-of-hours")) {
                    json = json.replaceAll("\"birthDate\"\\s*:\\s*\"[^\"]*\"", "\"birthDate\": \"1901-02-03\"")
                            .replace("\"Thornton\"", "\"Someone-Else\"");
                }
                sources.addJson(s.getOrganisation(), json);
            }
            return sources.merge();
        }
    }

    static String b64url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static long[] live() {
        LiveObjects l = IcrKt.liveObjects();
        return new long[] {l.getIcr(), l.getSessions(), l.getSourceSets(), l.getRecords(), l.getViews()};
    }

    @Test
    @DisplayName("open a session with a valid token")
    void openASessionWithAValidToken() throws Exception {
        try (Session s = ehr.openSession(token("gp"))) {
            assertTrue(s.role().equals("gp"), "role");
            assertTrue(s.context().getPatient().equals(NHS), "patient");
        }
    }

    @Test
    @DisplayName("expired token is IcrException.TokenExpired")
    void expiredTokenIsIcrExceptionTokenExpired() throws Exception {
        long anHourAgo = System.currentTimeMillis() / 1000 - 3600;
        String expired = IcrKt.mintDemoTokenAt("gp", Relationship.REGISTERED_GP, NHS, anHourAgo);
        IcrException.TokenExpired e = assertThrows(IcrException.TokenExpired.class, () -> ehr.openSession(expired));
        assertTrue(e.getReason().contains("expired"), "reason: " + e.getReason());
    }

    @Test
    @DisplayName("forged token is IcrException.SignatureInvalid")
    void forgedTokenIsIcrExceptionSignatureInvalid() throws Exception {
        String genuine = token("receptionist");
        String other = token("gp");
        String forged = genuine.substring(0, genuine.lastIndexOf('.'))
                + other.substring(other.lastIndexOf('.'));
        assertThrows(IcrException.SignatureInvalid.class, () -> ehr.openSession(forged));
        assertThrows(IcrException.InvalidToken.class, () -> ehr.openSession("not-a-token"));
    }

    @Test
    @DisplayName("host-signed HS256 token trusted by kid")
    void hostSignedHS256TokenTrustedByKid() throws Exception {
        byte[] secret = new byte[32];
        new java.security.SecureRandom().nextBytes(secret);
        TrustedKey key = new TrustedKey("epr-2025", KeyAlgorithm.HS256, secret);
        IcrConfig config = new IcrConfig(null,
                new Trust.Keys("https://epr.example.invalid", "icr-sdk", List.of(key)),
                AuditLog.Memory.INSTANCE, null, null);
        try (Icr own = new Icr(config)) {
            long now = System.currentTimeMillis() / 1000;
            String header = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"epr-2025\"}";
            String claims = "{\"iss\":\"https://epr.example.invalid\",\"aud\":\"icr-sdk\",\"sub\":\"555000000009\","
                    + "\"iat\":" + now + ",\"exp\":" + (now + 300) + ",\"jti\":\"java-" + System.nanoTime() + "\","
                    + "\"icr_org\":\"Y90001\",\"icr_patient\":\"" + NHS + "\",\"icr_relationship\":\"registered-gp\","
                    + "\"icr_role_profile\":\"R8000\",\"icr_job_role\":\"R0260\",\"icr_purpose\":\"direct-care\"}";
            String input = b64url(header.getBytes(StandardCharsets.UTF_8)) + "."
                    + b64url(claims.getBytes(StandardCharsets.UTF_8));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            String signed = input + "." + b64url(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
            try (Session s = own.openSession(signed)) {
                assertTrue(s.role().equals("gp"), "role");
            }
            mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
            String wrong = input + "." + b64url(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
            assertThrows(IcrException.SignatureInvalid.class, () -> own.openSession(wrong));
        }
    }

    @Test
    @DisplayName("gp and receptionist see what the policy says")
    void gpAndReceptionistSeeWhatThePolicySays() throws Exception {
        try (CareRecord desk = view(ehr, "receptionist")) {
            PatientSummary a = record.summary();
            PatientSummary b = desk.summary();
            assertTrue(!section(a, "medications").getItems().isEmpty(), "gp sees medications");
            assertTrue(section(b, "medications").getItems().isEmpty(), "receptionist sees no medications");
            assertTrue(!section(b, "appointments").getItems().isEmpty(), "receptionist sees appointments");
            assertTrue(items(b) < items(a), "receptionist sees less");
        }
    }

    @Test
    @DisplayName("withheld markers and provenance")
    void withheldMarkersAndProvenance() throws Exception {
        try (CareRecord desk = view(ehr, "receptionist")) {
            List<Withheld> withheld = section(desk.summary(), "medications").getWithheld();
            assertTrue(!withheld.isEmpty() && withheld.get(0).getCount() > 0, "withheld count");
            assertTrue(withheld.get(0).getReason() instanceof WithheldReason.RoleSection, "reason");
            Entry item = section(record.summary(), "medications").getItems().get(0);
            assertTrue(item.getDetail() instanceof Detail.Medication, "medication detail");
            assertTrue(!item.getProvenance().isEmpty(), "provenance");
            assertTrue(item.getProvenance().get(0).getOrganisation().getName().length() > 0, "organisation");
        }
    }

    @Test
    @DisplayName("summary view differs by role as the policy says")
    void summaryViewDiffersByRoleAsThePolicySays() throws Exception {
        try (CareRecord deskRecord = view(ehr, "receptionist");
                SummaryView gp = record.summaryView();
                SummaryView desk = deskRecord.summaryView()) {
            SectionOverview gpMeds = overview(gp, "medications");
            SectionOverview deskMeds = overview(desk, "medications");
            assertTrue(gpMeds.getShown() > 0 && gpMeds.getWithheldCount() == 0, "gp sees medications");
            assertTrue(deskMeds.getShown() == 0 && deskMeds.getWithheldCount() > 0, "receptionist sees none");
            assertTrue(deskMeds.getWithheld().get(0).getReason() instanceof WithheldReason.RoleSection, "reason");
            assertTrue(!deskMeds.getWithheld().get(0).getExplanation().isEmpty(), "explanation");
            assertTrue(desk.section(Section.MEDICATIONS).getItems().isEmpty(), "no medication items");
            assertTrue(shown(desk) < shown(gp), "receptionist sees less");
            assertTrue(gp.banner().getPatient().getNhsNumber().equals(NHS), "banner");
        }
    }

    @Test
    @DisplayName("summary view reads what the eager summary holds")
    void summaryViewReadsWhatTheEagerSummaryHolds() throws Exception {
        PatientSummary eager = record.summary();
        try (SummaryView lazy = record.summaryView()) {
            SummaryBanner banner = lazy.banner();
            assertTrue(banner.getPatient().equals(eager.getPatient()), "patient");
            assertTrue(banner.getBannerAlerts().equals(eager.getBannerAlerts()), "banner alerts");
            assertTrue(lazy.reconciliation().equals(eager.getReconciliation()), "reconciliation");
            assertTrue(banner.getSources().equals(eager.getSources()), "sources");
            assertTrue(lazy.sources().equals(eager.getSources()), "sources()");
            assertTrue(banner.getAlerts().equals(section(eager, "alerts").getItems()), "alerts");
            List<SectionOverview> overview = lazy.sections();
            assertTrue(overview.size() == eager.getSections().size(), "section count");
            for (int i = 0; i < overview.size(); i++) {
                SectionOverview o = overview.get(i);
                SummarySection s = eager.getSections().get(i);
                assertTrue(o.getKey() == s.getKey() && o.getShown() == s.getItems().size(), code(o.getKey()));
                assertTrue(lazy.section(o.getKey()).equals(s), "items of " + code(o.getKey()));
            }
            for (Section key : Section.values()) {
                assertTrue(lazy.section(key).getKey() == key, "every section is answered: " + code(key));
            }
            assertTrue(lazy.toJson().equals(record.summaryJson()), "JSON");
            assertTrue(new String(lazy.toJsonBytes(), StandardCharsets.UTF_8).equals(lazy.toJson()), "JSON bytes");
        }
    }

    @Test
    @DisplayName("typed summary carries reactions, courses, flags and warnings")
    void typedSummaryCarriesReactionsCoursesFlagsAndWarnings() throws Exception {
        PatientSummary summary = record.summary();
        String json = record.summaryJson();
        assertTrue(summary.getSchemaVersion() == 4, "schema_version");
        assertTrue(summary.getReconciliation().isEmpty(), "nothing held for reconciliation");
        RiskSignal admissions = summary.getRisk().getSignals().stream()
            .filter(s -> s.getKind() == RiskKind.EMERGENCY_ADMISSIONS).findFirst().orElseThrow();
        assertTrue(admissions.getRaised() && admissions.getCount() == 1L, "her emergency admission, typed");
        assertTrue(admissions.getEvidence().get(0).getOrganisations()
            .equals(List.of("Northgate General Hospital NHS Trust")), "admission evidence");
        for (SummarySection s : summary.getSections()) {
            String part = sectionJson(json, code(s.getKey()));
            String folded = foldedJson(s);
            assertTrue(folded.isEmpty() ? !part.contains("\"folded\":") : part.contains(folded), "folded in " + code(s.getKey()));
        }
        assertTrue(summary.getPatient().getAgeAtDeath() == null && !json.contains("\"age_at_death\""),
                "no age at death for the living demo patient, as in the JSON");
        List<Entry> items = allItems(summary);
        long texts = 0;
        for (Entry item : items) {
            if (item.getDetail() instanceof Detail.Document) {
                for (AttachmentRef a : ((Detail.Document) item.getDetail()).getAttachments()) {
                    texts += a.getText() == null ? 0 : 1;
                }
            }
        }
        assertTrue(texts == json.split("\"inline_content_omitted\":(true|false),\"text\":", -1).length - 1,
                "attachment texts, as in the JSON");
        boolean anaphylaxis = false;
        boolean supplied = false;
        boolean completed = false;
        boolean high = false;
        boolean display = false;
        for (Entry item : items) {
            for (ItemWarning w : item.getWarnings()) {
                assertTrue(w.getCode() != null && !w.getText().isEmpty(), "warning of " + item.getTitle());
            }
            Detail d = item.getDetail();
            if (d instanceof Detail.Allergy && item.getTitle().equals("Allergy to penicillin")) {
                for (Reaction r : ((Detail.Allergy) d).getReactions()) {
                    anaphylaxis |= r.getManifestations().contains("Anaphylactic reaction")
                            && "severe".equals(r.getSeverity()) && !r.getRecordedBy().isEmpty();
                }
            }
            if (d instanceof Detail.Medication) {
                MedicationDetail m = ((Detail.Medication) d).getV1();
                for (Course c : m.getCourses()) {
                    assertTrue(!c.getOrganisation().isEmpty(), "course organisation");
                    supplied |= !c.getSupplies().isEmpty();
                }
                for (MedicationChange c : m.getChanges()) {
                    completed |= c.getKind() == ChangeKind.COMPLETED;
                }
            }
            List<ResultLine> results = new ArrayList<>();
            if (d instanceof Detail.Investigation) {
                results.addAll(((Detail.Investigation) d).getResults());
            }
            if (d instanceof Detail.Observation) {
                results.add(((Detail.Observation) d).getResult());
            }
            for (ResultLine r : results) {
                if (r.getFlag() == ResultFlag.HIGH) {
                    high = true;
                    assertTrue(r.getFlagBasis() != null, r.getName());
                }
                if (r.getFlag() == null) {
                    assertTrue(r.getFlagBasis() == null, "no flag, no verdict: " + r.getName());
                }
                display |= r.getDisplay() != null;
            }
        }
        assertTrue(anaphylaxis, "the penicillin allergy's anaphylactic reaction, severe, with who records it");
        assertTrue(supplied, "a medication course with its supplies");
        assertTrue(completed, "a completed medication course");
        assertTrue(high, "a result flagged high");
        assertTrue(display, "a result's display value");
    }

    @Test
    @DisplayName("unconfirmed identity is listed for reconciliation")
    void unconfirmedIdentityIsListedForReconciliation() throws Exception {
        try (Session s = ehr.openSession(token("gp")); CareRecord r = viewWithUnconfirmedIdentity(s)) {
            PatientSummary summary = r.summary();
            String held = null;
            for (SourceView v : summary.getSources()) {
                if (v.getStatus() == SourceStatus.IDENTITY_UNCONFIRMED) {
                    held = v.getName();
                }
            }
            assertTrue(held != null, "a source IDENTITY_UNCONFIRMED");
            assertTrue(!summary.getReconciliation().isEmpty(), "items held for reconciliation");
            for (Entry item : summary.getReconciliation()) {
                boolean fromHeld = false;
                for (Provenance p : item.getProvenance()) {
                    fromHeld |= p.getOrganisation().getName().equals(held);
                }
                assertTrue(fromHeld, "from the held source: " + item.getTitle());
                for (Entry shown : allItems(summary)) {
                    assertTrue(!shown.getId().equals(item.getId()), "not in the sections: " + item.getTitle());
                }
            }
            try (SummaryView lazy = r.summaryView()) {
                assertTrue(lazy.reconciliation().equals(summary.getReconciliation()), "the view's reconciliation");
            }
        }
    }

    @Test
    @DisplayName("summary view closed, then used, throws")
    void summaryViewClosedThenUsedThrows() throws Exception {
        SummaryView lazy = record.summaryView();
        lazy.sections();
        lazy.close();
        assertThrows(IllegalStateException.class, lazy::banner);
        assertThrows(IllegalStateException.class, () -> lazy.section(Section.MEDICATIONS));
        lazy.close(); // closing twice is harmless
    }

    @Test
    @DisplayName("summary JSON and panel HTML")
    void summaryJSONAndPanelHTML() throws Exception {
        String json = record.summaryJson();
        assertTrue(json.contains("\"schema_version\":4"), "schema_version");
        assertTrue(new String(record.summaryJsonBytes(), StandardCharsets.UTF_8).equals(json), "bytes are the same JSON");
        assertTrue(record.panelHtml(null).startsWith("<section class=\"icr-panel\""), "fragment");
        String page = record.standalonePage(new PanelOptions("host", false, false, true, 30L, 90L));
        assertTrue(page.startsWith("<!DOCTYPE html>") && page.contains("Content-Security-Policy"), "page");
        String fhir = record.summaryFhir();
        assertTrue(fhir.contains("\"type\":\"document\"") && fhir.contains("\"resourceType\":\"Composition\""), "an IPS document");
    }

    @Test
    @DisplayName("invalid JSON ingest is IcrException.IngestFailed")
    void invalidJSONIngestIsIcrExceptionIngestFailed() throws Exception {
        try (Session gp = ehr.openSession(token("gp")); SourceSet sources = gp.sourceSet()) {
            IcrException.IngestFailed e = assertThrows(IcrException.IngestFailed.class,
                    () -> sources.addJson(null, "{\"resourceType\": \"Bundle\", "));
            assertTrue(e.getReason().contains("JSON"), e.getReason());
        }
        String otherPatient = IcrKt.mintDemoToken("gp", Relationship.REGISTERED_GP, "9434765919");
        try (Session other = ehr.openSession(otherPatient); SourceSet sources = other.sourceSet()) {
            String gpJson = IcrKt.demoSources().get(0).getJson();
            assertThrows(IcrException.PatientMismatch.class, () -> sources.addJson(null, gpJson));
        }
        assertThrows(IcrException.InvalidInput.class,
                () -> IcrKt.mintDemoToken("gp", Relationship.REGISTERED_GP, "12345"));
    }

    @Test
    @DisplayName("break-glass and the access report")
    void breakGlassAndTheAccessReport() throws Exception {
        try (Session gp = ehr.openSession(token("gp"));
                Session officer = ehr.openSession(token("privacy-officer"))) {
            IcrException.BreakGlassReasonRequired e =
                    assertThrows(IcrException.BreakGlassReasonRequired.class, () -> gp.breakGlass("no"));
            assertTrue(e.getMinChars() == 10, "min chars");
            assertThrows(IcrException.NotPermitted.class, gp::accessReport);
            record.summary();
            boolean seen = false;
            for (AccessReportLine line : officer.accessReport()) {
                seen |= line.getRole().equals("gp") && line.getKind() == AuditKind.RECORD_VIEWED;
            }
            assertTrue(seen, "gp view in the report");
        }
    }

    @Test
    @DisplayName("objects freed without leaks (try-with-resources)")
    void objectsFreedWithoutLeaksTryWithResources() throws Exception {
        long[] before = live();
        for (int i = 0; i < 50; i++) {
            try (Icr own = Icr.Companion.demo();
                    Session s = own.openSession(token("gp"));
                    CareRecord r = view(s);
                    SummaryView v = r.summaryView()) {
                r.summary();
                v.banner();
                v.sections();
            }
        }
        long[] after = live();
        assertTrue(java.util.Arrays.equals(before, after),
                java.util.Arrays.toString(before) + " -> " + java.util.Arrays.toString(after));
    }

    @Test
    @DisplayName("use after close throws, never crashes")
    void useAfterCloseThrowsNeverCrashes() throws Exception {
        Session s = ehr.openSession(token("gp"));
        SourceSet sources = s.sourceSet();
        CareRecord r = view(s);
        s.close();
        assertThrows(IllegalStateException.class, s::sourceSet);
        s.close(); // closing twice is harmless
        r.summary(); // the record holds its session until it is closed too
        r.close();
        assertThrows(IllegalStateException.class, r::summary);
        sources.close();
        assertThrows(IllegalStateException.class, sources::merge);
    }

    @Test
    @DisplayName("a call from two threads at once")
    void aCallFromTwoThreadsAtOnce() throws Exception {
        {
            CountDownLatch start = new CountDownLatch(1);
            List<Integer> counts = Collections.synchronizedList(new ArrayList<>());
            AtomicReference<Throwable> error = new AtomicReference<>();
            Runnable work = () -> {
                try {
                    start.await();
                    for (int i = 0; i < 20; i++) {
                        counts.add(items(record.summary()));
                    }
                } catch (Throwable t) {
                    error.set(t);
                }
            };
            Thread a = new Thread(work);
            Thread b = new Thread(work);
            a.start();
            b.start();
            start.countDown();
            a.join();
            b.join();
            assertTrue(error.get() == null, "no error: " + error.get());
            assertTrue(counts.size() == 40 && counts.stream().distinct().count() == 1, "same summary 40 times");
        }
    }

    @Test
    @DisplayName("audit file verifies and shows tampering")
    void auditFileVerifiesAndShowsTampering() throws Exception {
        Path dir = Files.createTempDirectory("icr-java");
        String path = dir.resolve("audit.log").toString();
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        Checkpoint head;
        try (Icr own = new Icr(new IcrConfig(null, IcrKt.demoTrust(), new AuditLog.File(path, key), null, null));
                CareRecord r = view(own, "gp")) {
            r.summary();
            head = own.auditCheckpoint();
            assertTrue(own.verifyAudit(head).getProblems().isEmpty(), "verifies through the Icr");
        }
        assertTrue(IcrKt.verifyAuditFile(path, key, head).getProblems().isEmpty(), "verifies");
        String text = Files.readString(Path.of(path)).replaceFirst("record_viewed", "access_denied");
        Files.writeString(Path.of(path), text);
        VerifyReport v = IcrKt.verifyAuditFile(path, key, null);
        assertTrue(!v.getProblems().isEmpty() && v.getProblems().get(0).getKind() instanceof ProblemKind.BadMac, "tampering found");
    }

    /** Last, as it always was: the other tests have warmed the JIT up. */
    @Test
    @Order(Integer.MAX_VALUE)
    @DisplayName("timing: largest GP Connect record")
    @EnabledIfEnvironmentVariable(named = "ICR_CORPUS", matches = ".+")
    void timingLargestGpConnectRecord() throws Exception {
        Timing.run(System.getenv("ICR_CORPUS"));
    }
}
