package host;

import icr.*;
import icr.core.*;

import static uk.nhs.icr.Unsigned.ulong;
import static uk.nhs.icr.Unsigned.value;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A small host EPR in plain Java 17: the ICR panel for the patient a GP has open.
 *
 * <pre>mvn -q exec:java -Dexec.args="--html PANEL.html --fetch"</pre>
 *
 * With {@code --fetch} it also fetches the record from the organisations' FHIR servers: the
 * project's FHIR test server (tests/fhir-server, needs node) serving the five demo sources
 * on loopback, the out-of-hours service never answering.
 */
public final class HostEpr {
    private HostEpr() {
    }

    static String sourcesOf(Entry item) {
        StringBuilder b = new StringBuilder();
        for (Provenance p : item.getProvenance()) {
            b.append(b.length() == 0 ? "" : "; ").append(p.getOrganisation().getName());
        }
        return b.toString();
    }

    static void print(PatientSummary summary) {
        Banner p = summary.getPatient();
        if (p != null) {
            System.out.printf("%n%s   NHS No. %s   born %s (%s)%n", p.getName(), p.getNhsNumberDisplay(),
                    p.getBirthDateDisplay(), p.getAgeYears());
        }
        for (SummarySection section : summary.getSections()) {
            if (section.getItems().isEmpty() && section.getWithheld().isEmpty()
                    && section.getStatements().isEmpty() && section.getWarnings().isEmpty()) {
                continue;
            }
            System.out.println("\n== " + section.getTitle());
            for (Entry item : section.getItems()) {
                String when = item.getDate() == null ? "" : " (" + IcrKt.displayDate(item.getDate()) + ")";
                System.out.println("  - " + item.getTitle() + when + "  [" + sourcesOf(item) + "]");
            }
            for (Withheld w : section.getWithheld()) {
                System.out.println("  ! " + w.getCount() + " item(s) withheld: " + w.getExplanation());
            }
            for (SectionStatement s : section.getStatements()) {
                System.out.println("  · " + s.getOrganisation() + ": " + (s.getText() != null ? s.getText() : s.getKind()));
            }
            for (SectionWarning w : section.getWarnings()) {
                System.out.println("  ⚠ " + w.getOrganisation() + ": " + (w.getText() != null ? w.getText() : w.getCode()));
            }
        }
        System.out.println("\nSources:");
        for (SourceView s : summary.getSources()) {
            System.out.println("  " + s.getName() + " (" + s.getOdsCode() + "): " + s.getStatus().name().toLowerCase()
                    + ", " + s.getItems() + " item(s)"
                    + (s.getAgeDays() != null ? ", data " + s.getAgeDays() + " days old" : ""));
        }
    }

    /** Each organisation's FHIR, as the EPR's integration engine would fetch it. */
    static CareRecord load(Session session) throws IcrException {
        try (SourceSet sources = session.sourceSet()) {
            for (DemoSource s : IcrKt.demoSources()) {
                SourceReport report = sources.addJson(s.getOrganisation(), s.getJson());
                System.out.println("  read " + report.getOrganisation().getName() + ": FHIR "
                        + report.getFhirVersion() + ", " + report.getItems() + " item(s)");
            }
            return sources.merge();
        }
    }

    /** Told of each source's steps while the fetch runs (a spinner per organisation). */
    static final class Spinner implements FetchProgress {
        @Override
        public void onProgress(SourceProgress progress) {
            ProgressEvent event = progress.getEvent();
            if (event instanceof ProgressEvent.Retrying) {
                ProgressEvent.Retrying r = (ProgressEvent.Retrying) event;
                System.out.println("  … " + progress.getOdsCode() + ": retrying (HTTP " + value(r.getHttpStatus())
                        + "), attempt " + value(r.getAttempt()));
            } else if (event instanceof ProgressEvent.Done) {
                System.out.println("  … " + progress.getOdsCode() + ": " + words(((ProgressEvent.Done) event).getStatus()));
            }
        }
    }

    static String words(Enum<?> value) {
        return value.name().toLowerCase().replace('_', ' ');
    }

    /**
     * Fetches the record from the organisations the directory lists (the demo's five sources,
     * from the FHIR test server) and shows how each source fared.
     */
    static void fetch(Session session) throws Exception {
        try (FhirTestServer server = FhirTestServer.start(false)) {
            System.out.println("\nFetching from " + server.base()
                    + " (deadline 3 s; the out-of-hours service never answers):");
            FetchSettings settings = new FetchSettings(ulong(3000), null, null, false);
            long started = System.nanoTime();
            try (CareRecord record = session.fetchRecord(server.directory(), settings, new Spinner())) {
                System.out.printf("Fetched in %.1f s:%n", (System.nanoTime() - started) / 1e9);
                for (SourceOutcome o : record.fetchOutcomes()) {
                    System.out.println("  " + o.getName() + " (" + o.getOdsCode() + "): " + words(o.getStatus())
                            + (o.getReason() != null ? " (" + o.getReason() + ")" : "")
                            + ", " + value(o.getRequests()) + " request(s), " + value(o.getBytes()) + " bytes, "
                            + value(o.getElapsedMs()) + " ms");
                }
                System.out.println("  " + items(record.summary()) + " item(s) shown from " + record.sourceCount()
                        + " source(s)");
            }
        }
    }

    static int items(PatientSummary summary) {
        int n = 0;
        for (SummarySection s : summary.getSections()) {
            n += s.getItems().size();
        }
        return n;
    }

    public static void main(String[] args) throws Exception {
        List<String> options = Arrays.asList(args);
        int at = options.indexOf("--html");
        String html = at >= 0 && at + 1 < args.length ? args[at + 1] : "icr-panel.html";
        String nhs = IcrKt.demoPatientNhsNumber();
        try (Icr ehr = Icr.Companion.demo()) {
            // 1. The EPR signs a launch context for the logged-in GP (here: the demo issuer).
            String token = IcrKt.mintDemoToken("gp", Relationship.REGISTERED_GP, nhs);
            try (Session session = ehr.openSession(token); CareRecord record = loadWith(session)) {
                print(record.summary());
                String page = record.standalonePage(null);
                Files.writeString(Path.of(html), page, StandardCharsets.UTF_8);
                System.out.println("\nPanel page written to " + html + " (" + page.length() + " characters)");
            }

            // 2. The same record for a receptionist: most sections are withheld, and say so.
            String desk = IcrKt.mintDemoToken("receptionist", Relationship.REGISTERED_GP, nhs);
            try (Session session = ehr.openSession(desk); CareRecord record = load(session)) {
                System.out.println("\nAs a receptionist sees it:");
                for (SummarySection section : record.summary().getSections()) {
                    for (Withheld w : section.getWithheld()) {
                        System.out.println("  " + section.getTitle() + ": " + w.getCount() + " withheld ("
                                + w.getExplanation() + ")");
                    }
                }
            }

            // 3. A token that was tampered with is refused as a typed exception.
            String genuine = IcrKt.mintDemoToken("receptionist", Relationship.REGISTERED_GP, nhs);
            String other = IcrKt.mintDemoToken("gp", Relationship.REGISTERED_GP, nhs);
            String forged = genuine.substring(0, genuine.lastIndexOf('.')) + other.substring(other.lastIndexOf('.'));
            try (Session s = ehr.openSession(forged)) {
                System.err.println("forged token accepted!");
                System.exit(1);
            } catch (IcrException.SignatureInvalid e) {
                System.out.println("\nForged token refused: SignatureInvalid: " + e.getReason());
            }

            // 4. The privacy officer reads who has accessed the record.
            String officer = IcrKt.mintDemoToken("privacy-officer", Relationship.NONE, nhs);
            try (Session session = ehr.openSession(officer)) {
                System.out.println("\nAccess report (privacy officer):");
                for (AccessReportLine l : session.accessReport()) {
                    System.out.println("  " + l.getTime() + " " + (l.getUserName() != null ? l.getUserName() : l.getUserId())
                            + " (" + l.getRole() + ", " + l.getOrganisation() + ") " + l.getKind() + "/" + l.getOutcome()
                            + (l.getSections().isEmpty() ? "" : " " + l.getSections())
                            + (l.getReason() != null ? " reason: " + l.getReason() : ""));
                }
            }

            // 5. The record fetched from the organisations themselves, each source's status shown.
            if (options.contains("--fetch")) {
                String fetching = IcrKt.mintDemoToken("gp", Relationship.REGISTERED_GP, nhs);
                try (Session session = ehr.openSession(fetching)) {
                    fetch(session);
                }
            }
        }
    }

    private static CareRecord loadWith(Session session) throws IcrException {
        System.out.println("Session " + session.id() + " opened for role " + session.role());
        return load(session);
    }
}
