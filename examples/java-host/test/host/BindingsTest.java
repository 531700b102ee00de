package host;

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

/**
 * The Java binding (uniffi's Kotlin, compiled to a jar) from plain Java 17: no JUnit (no
 * Maven Central here), so a small harness that prints "N passed, N failed" and exits
 * non-zero on failure.
 */
public final class BindingsTest {
    private static int passed;
    private static int failed;
    private static final String NHS = IcrKt.demoPatientNhsNumber();

    interface Body {
        void run() throws Exception;
    }

    private static void test(String name, Body body) {
        try {
            body.run();
            passed++;
            System.out.println("ok   " + name);
        } catch (Throwable t) {
            failed++;
            System.out.println("FAIL " + name + ": " + t);
            t.printStackTrace(System.out);
        }
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    private static <T extends Throwable> T expect(Class<T> type, Body body) {
        try {
            body.run();
        } catch (Throwable t) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            throw new AssertionError("expected " + type.getName() + ", got " + t, t);
        }
        throw new AssertionError("expected " + type.getName() + ", nothing was thrown");
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
        check(start >= 0, "section " + key + " in the JSON");
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

    public static void main(String[] args) throws Exception {
        Icr ehr = Icr.Companion.demo();
        CareRecord record = view(ehr, "gp");

        test("open a session with a valid token", () -> {
            try (Session s = ehr.openSession(token("gp"))) {
                check(s.role().equals("gp"), "role");
                check(s.context().getPatient().equals(NHS), "patient");
            }
        });

        test("expired token is IcrException.TokenExpired", () -> {
            long anHourAgo = System.currentTimeMillis() / 1000 - 3600;
            String expired = IcrKt.mintDemoTokenAt("gp", Relationship.REGISTERED_GP, NHS, anHourAgo);
            IcrException.TokenExpired e = expect(IcrException.TokenExpired.class, () -> ehr.openSession(expired));
            check(e.getReason().contains("expired"), "reason: " + e.getReason());
        });

        test("forged token is IcrException.SignatureInvalid", () -> {
            String genuine = token("receptionist");
            String other = token("gp");
            String forged = genuine.substring(0, genuine.lastIndexOf('.'))
                    + other.substring(other.lastIndexOf('.'));
            expect(IcrException.SignatureInvalid.class, () -> ehr.openSession(forged));
            expect(IcrException.InvalidToken.class, () -> ehr.openSession("not-a-token"));
        });

        test("host-signed HS256 token trusted by kid", () -> {
            byte[] secret = new byte[32];
            new java.security.SecureRandom().nextBytes(secret);
            TrustedKey key = new TrustedKey("epr-2025", KeyAlgorithm.HS256, secret);
            IcrConfig config = new IcrConfig(null,
                    new Trust.Keys("https://epr.example.invalid", "icr-sdk", List.of(key)),
                    AuditLog.Memory.INSTANCE, null);
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
                    check(s.role().equals("gp"), "role");
                }
                mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
                String wrong = input + "." + b64url(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
                expect(IcrException.SignatureInvalid.class, () -> own.openSession(wrong));
            }
        });

        test("gp and receptionist see what the policy says", () -> {
            try (CareRecord desk = view(ehr, "receptionist")) {
                PatientSummary a = record.summary();
                PatientSummary b = desk.summary();
                check(!section(a, "medications").getItems().isEmpty(), "gp sees medications");
                check(section(b, "medications").getItems().isEmpty(), "receptionist sees no medications");
                check(!section(b, "appointments").getItems().isEmpty(), "receptionist sees appointments");
                check(items(b) < items(a), "receptionist sees less");
            }
        });

        test("withheld markers and provenance", () -> {
            try (CareRecord desk = view(ehr, "receptionist")) {
                List<Withheld> withheld = section(desk.summary(), "medications").getWithheld();
                check(!withheld.isEmpty() && withheld.get(0).getCount() > 0, "withheld count");
                check(withheld.get(0).getReason() instanceof WithheldReason.RoleSection, "reason");
                Entry item = section(record.summary(), "medications").getItems().get(0);
                check(item.getDetail() instanceof Detail.Medication, "medication detail");
                check(!item.getProvenance().isEmpty(), "provenance");
                check(item.getProvenance().get(0).getOrganisation().getName().length() > 0, "organisation");
            }
        });

        test("summary view differs by role as the policy says", () -> {
            try (CareRecord deskRecord = view(ehr, "receptionist");
                    SummaryView gp = record.summaryView();
                    SummaryView desk = deskRecord.summaryView()) {
                SectionOverview gpMeds = overview(gp, "medications");
                SectionOverview deskMeds = overview(desk, "medications");
                check(gpMeds.getShown() > 0 && gpMeds.getWithheldCount() == 0, "gp sees medications");
                check(deskMeds.getShown() == 0 && deskMeds.getWithheldCount() > 0, "receptionist sees none");
                check(deskMeds.getWithheld().get(0).getReason() instanceof WithheldReason.RoleSection, "reason");
                check(!deskMeds.getWithheld().get(0).getExplanation().isEmpty(), "explanation");
                check(desk.section(Section.MEDICATIONS).getItems().isEmpty(), "no medication items");
                check(shown(desk) < shown(gp), "receptionist sees less");
                check(gp.banner().getPatient().getNhsNumber().equals(NHS), "banner");
            }
        });

        test("summary view reads what the eager summary holds", () -> {
            PatientSummary eager = record.summary();
            try (SummaryView lazy = record.summaryView()) {
                SummaryBanner banner = lazy.banner();
                check(banner.getPatient().equals(eager.getPatient()), "patient");
                check(banner.getBannerAlerts().equals(eager.getBannerAlerts()), "banner alerts");
                check(lazy.reconciliation().equals(eager.getReconciliation()), "reconciliation");
                check(banner.getSources().equals(eager.getSources()), "sources");
                check(lazy.sources().equals(eager.getSources()), "sources()");
                check(banner.getAlerts().equals(section(eager, "alerts").getItems()), "alerts");
                List<SectionOverview> overview = lazy.sections();
                check(overview.size() == eager.getSections().size(), "section count");
                for (int i = 0; i < overview.size(); i++) {
                    SectionOverview o = overview.get(i);
                    SummarySection s = eager.getSections().get(i);
                    check(o.getKey() == s.getKey() && o.getShown() == s.getItems().size(), code(o.getKey()));
                    check(lazy.section(o.getKey()).equals(s), "items of " + code(o.getKey()));
                }
                for (Section key : Section.values()) {
                    check(lazy.section(key).getKey() == key, "every section is answered: " + code(key));
                }
                check(lazy.toJson().equals(record.summaryJson()), "JSON");
                check(new String(lazy.toJsonBytes(), StandardCharsets.UTF_8).equals(lazy.toJson()), "JSON bytes");
            }
        });

        test("typed summary carries reactions, courses, flags and warnings", () -> {
            PatientSummary summary = record.summary();
            String json = record.summaryJson();
            check(summary.getSchemaVersion() == 4, "schema_version");
            check(summary.getReconciliation().isEmpty(), "nothing held for reconciliation");
            RiskSignal admissions = summary.getRisk().getSignals().stream()
                .filter(s -> s.getKind() == RiskKind.EMERGENCY_ADMISSIONS).findFirst().orElseThrow();
            check(admissions.getRaised() && admissions.getCount() == 1L, "her emergency admission, typed");
            check(admissions.getEvidence().get(0).getOrganisations()
                .equals(List.of("Northgate General Hospital NHS Trust")), "admission evidence");
            for (SummarySection s : summary.getSections()) {
                String part = sectionJson(json, code(s.getKey()));
                String folded = foldedJson(s);
                check(folded.isEmpty() ? !part.contains("\"folded\":") : part.contains(folded), "folded in " + code(s.getKey()));
            }
            check(summary.getPatient().getAgeAtDeath() == null && !json.contains("\"age_at_death\""),
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
            check(texts == json.split("\"inline_content_omitted\":(true|false),\"text\":", -1).length - 1,
                    "attachment texts, as in the JSON");
            boolean anaphylaxis = false;
            boolean supplied = false;
            boolean completed = false;
            boolean high = false;
            boolean display = false;
            for (Entry item : items) {
                for (ItemWarning w : item.getWarnings()) {
                    check(w.getCode() != null && !w.getText().isEmpty(), "warning of " + item.getTitle());
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
                        check(!c.getOrganisation().isEmpty(), "course organisation");
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
                        check(r.getFlagBasis() != null, r.getName());
                    }
                    if (r.getFlag() == null) {
                        check(r.getFlagBasis() == null, "no flag, no verdict: " + r.getName());
                    }
                    display |= r.getDisplay() != null;
                }
            }
            check(anaphylaxis, "the penicillin allergy's anaphylactic reaction, severe, with who records it");
            check(supplied, "a medication course with its supplies");
            check(completed, "a completed medication course");
            check(high, "a result flagged high");
            check(display, "a result's display value");
        });

        test("unconfirmed identity is listed for reconciliation", () -> {
            try (Session s = ehr.openSession(token("gp")); CareRecord r = viewWithUnconfirmedIdentity(s)) {
                PatientSummary summary = r.summary();
                String held = null;
                for (SourceView v : summary.getSources()) {
                    if (v.getStatus() == SourceStatus.IDENTITY_UNCONFIRMED) {
                        held = v.getName();
                    }
                }
                check(held != null, "a source IDENTITY_UNCONFIRMED");
                check(!summary.getReconciliation().isEmpty(), "items held for reconciliation");
                for (Entry item : summary.getReconciliation()) {
                    boolean fromHeld = false;
                    for (Provenance p : item.getProvenance()) {
                        fromHeld |= p.getOrganisation().getName().equals(held);
                    }
                    check(fromHeld, "from the held source: " + item.getTitle());
                    for (Entry shown : allItems(summary)) {
                        check(!shown.getId().equals(item.getId()), "not in the sections: " + item.getTitle());
                    }
                }
                try (SummaryView lazy = r.summaryView()) {
                    check(lazy.reconciliation().equals(summary.getReconciliation()), "the view's reconciliation");
                }
            }
        });

        test("summary view closed, then used, throws", () -> {
            SummaryView lazy = record.summaryView();
            lazy.sections();
            lazy.close();
            expect(IllegalStateException.class, lazy::banner);
            expect(IllegalStateException.class, () -> lazy.section(Section.MEDICATIONS));
            lazy.close(); // closing twice is harmless
        });

        test("summary JSON and panel HTML", () -> {
            String json = record.summaryJson();
            check(json.contains("\"schema_version\":4"), "schema_version");
            check(new String(record.summaryJsonBytes(), StandardCharsets.UTF_8).equals(json), "bytes are the same JSON");
            check(record.panelHtml(null).startsWith("<section class=\"icr-panel\""), "fragment");
            String page = record.standalonePage(new PanelOptions("host", false, false, true, 30L, 90L));
            check(page.startsWith("<!DOCTYPE html>") && page.contains("Content-Security-Policy"), "page");
            String fhir = record.summaryFhir();
            check(fhir.contains("\"type\":\"document\"") && fhir.contains("\"resourceType\":\"Composition\""), "an IPS document");
        });

        test("invalid JSON ingest is IcrException.IngestFailed", () -> {
            try (Session gp = ehr.openSession(token("gp")); SourceSet sources = gp.sourceSet()) {
                IcrException.IngestFailed e = expect(IcrException.IngestFailed.class,
                        () -> sources.addJson(null, "{\"resourceType\": \"Bundle\", "));
                check(e.getReason().contains("JSON"), e.getReason());
            }
            String otherPatient = IcrKt.mintDemoToken("gp", Relationship.REGISTERED_GP, "9434765919");
            try (Session other = ehr.openSession(otherPatient); SourceSet sources = other.sourceSet()) {
                String gpJson = IcrKt.demoSources().get(0).getJson();
                expect(IcrException.PatientMismatch.class, () -> sources.addJson(null, gpJson));
            }
            expect(IcrException.InvalidInput.class,
                    () -> IcrKt.mintDemoToken("gp", Relationship.REGISTERED_GP, "12345"));
        });

        test("break-glass and the access report", () -> {
            try (Session gp = ehr.openSession(token("gp"));
                    Session officer = ehr.openSession(token("privacy-officer"))) {
                IcrException.BreakGlassReasonRequired e =
                        expect(IcrException.BreakGlassReasonRequired.class, () -> gp.breakGlass("no"));
                check(e.getMinChars() == 10, "min chars");
                expect(IcrException.NotPermitted.class, gp::accessReport);
                record.summary();
                boolean seen = false;
                for (AccessReportLine line : officer.accessReport()) {
                    seen |= line.getRole().equals("gp") && line.getKind() == AuditKind.RECORD_VIEWED;
                }
                check(seen, "gp view in the report");
            }
        });

        test("objects freed without leaks (try-with-resources)", () -> {
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
            check(java.util.Arrays.equals(before, after),
                    java.util.Arrays.toString(before) + " -> " + java.util.Arrays.toString(after));
        });

        test("use after close throws, never crashes", () -> {
            Session s = ehr.openSession(token("gp"));
            SourceSet sources = s.sourceSet();
            CareRecord r = view(s);
            s.close();
            expect(IllegalStateException.class, s::sourceSet);
            s.close(); // closing twice is harmless
            r.summary(); // the record holds its session until it is closed too
            r.close();
            expect(IllegalStateException.class, r::summary);
            sources.close();
            expect(IllegalStateException.class, sources::merge);
        });

        test("a call from two threads at once", () -> {
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
                check(error.get() == null, "no error: " + error.get());
                check(counts.size() == 40 && counts.stream().distinct().count() == 1, "same summary 40 times");
            }
        });

        test("audit file verifies and shows tampering", () -> {
            Path dir = Files.createTempDirectory("icr-java");
            String path = dir.resolve("audit.log").toString();
            byte[] key = new byte[32];
            new java.security.SecureRandom().nextBytes(key);
            Checkpoint head;
            try (Icr own = new Icr(new IcrConfig(null, IcrKt.demoTrust(), new AuditLog.File(path, key), null));
                    CareRecord r = view(own, "gp")) {
                r.summary();
                head = own.auditCheckpoint();
                check(own.verifyAudit(head).getProblems().isEmpty(), "verifies through the Icr");
            }
            check(IcrKt.verifyAuditFile(path, key, head).getProblems().isEmpty(), "verifies");
            String text = Files.readString(Path.of(path)).replaceFirst("record_viewed", "access_denied");
            Files.writeString(Path.of(path), text);
            VerifyReport v = IcrKt.verifyAuditFile(path, key, null);
            check(!v.getProblems().isEmpty() && v.getProblems().get(0).getKind() instanceof ProblemKind.BadMac, "tampering found");
        });

        String corpus = System.getenv("ICR_CORPUS");
        if (corpus != null && !corpus.isEmpty()) {
            test("timing: largest GP Connect record", () -> Timing.run(corpus));
        } else {
            System.out.println("skip timing: ICR_CORPUS is not set");
        }

        record.close();
        ehr.close();
        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
