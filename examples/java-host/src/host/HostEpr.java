package host;

import icr.*;
import icr.core.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small host EPR in plain Java 17: the ICR panel for the patient a GP has open.
 *
 * <pre>java -cp icr-sdk.jar:jna.jar:kotlin-stdlib.jar:. host.HostEpr [--html PANEL.html]</pre>
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

    public static void main(String[] args) throws Exception {
        String html = args.length == 2 && args[0].equals("--html") ? args[1] : "icr-panel.html";
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
        }
    }

    private static CareRecord loadWith(Session session) throws IcrException {
        System.out.println("Session " + session.id() + " opened for role " + session.role());
        return load(session);
    }
}
