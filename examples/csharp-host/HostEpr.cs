// A small host EPR in C#: the ICR panel for the patient a GP has open.
//
//   mono HostEpr.exe [--html PANEL.html]     (libicr_ffi.so next to it or on LD_LIBRARY_PATH)
using System;
using System.IO;
using System.Linq;
using Icr.Sdk;

namespace IcrHost
{
    public static class HostEpr
    {
        static void Print(PatientSummary summary)
        {
            var p = summary.Patient;
            if (p != null)
                Console.WriteLine("\n{0}   NHS No. {1}   born {2} ({3})", p.Name, p.NhsNumberDisplay, p.BirthDateDisplay, p.AgeYears);
            foreach (var section in summary.Sections)
            {
                if (section.Items.Count == 0 && section.Withheld.Count == 0 && section.Statements.Count == 0 && section.Warnings.Count == 0)
                    continue;
                Console.WriteLine("\n== " + section.Title);
                foreach (var item in section.Items)
                {
                    string when = item.Date == null ? "" : " (" + IcrFunctions.DisplayDate(item.Date) + ")";
                    string sources = string.Join("; ", item.Provenance.Select(x => x.Organisation.Name));
                    Console.WriteLine("  - " + item.Title + when + "  [" + sources + "]");
                }
                foreach (var w in section.Withheld)
                    Console.WriteLine("  ! " + w.Count + " item(s) withheld: " + w.Explanation);
                foreach (var s in section.Statements)
                    Console.WriteLine("  · " + s.Organisation + ": " + (s.Text ?? s.Kind.GetType().Name));
                foreach (var w in section.Warnings)
                    Console.WriteLine("  ⚠ " + w.Organisation + ": " + (w.Text ?? w.Code));
            }
            Console.WriteLine("\nSources:");
            foreach (var s in summary.Sources)
                Console.WriteLine("  " + s.Name + " (" + s.OdsCode + "): " + s.Status.ToString().ToLowerInvariant() + ", "
                    + s.Items + " item(s)" + (s.AgeDays.HasValue ? ", data " + s.AgeDays + " days old" : ""));
        }

        /// <summary>Each organisation's FHIR, as the EPR's integration engine would fetch it.</summary>
        static CareRecord Load(Session session)
        {
            using (var sources = session.SourceSet())
            {
                foreach (var s in IcrFunctions.DemoSources())
                {
                    var report = sources.AddJson(s.Organisation, s.Json);
                    Console.WriteLine("  read " + report.Organisation.Name + ": FHIR " + report.FhirVersion + ", " + report.Items + " item(s)");
                }
                return sources.Merge();
            }
        }

        public static int Main(string[] args)
        {
            string html = args.Length == 2 && args[0] == "--html" ? args[1] : "icr-panel.html";
            string nhs = IcrFunctions.DemoPatientNhsNumber();
            using (var ehr = Icr.Sdk.Icr.Demo())
            {
                // 1. The EPR signs a launch context for the logged-in GP (here: the demo issuer).
                string token = IcrFunctions.MintDemoToken("gp", Relationship.RegisteredGp, nhs);
                using (var session = ehr.OpenSession(token))
                {
                    Console.WriteLine("Session " + session.Id() + " opened for role " + session.Role());
                    using (var record = Load(session))
                    {
                        Print(record.Summary());
                        string page = record.StandalonePage();
                        File.WriteAllText(html, page);
                        Console.WriteLine("\nPanel page written to " + html + " (" + page.Length + " characters)");
                    }
                }

                // 2. The same record for a receptionist: most sections are withheld, and say so.
                string desk = IcrFunctions.MintDemoToken("receptionist", Relationship.RegisteredGp, nhs);
                using (var session = ehr.OpenSession(desk))
                using (var record = Load(session))
                {
                    Console.WriteLine("\nAs a receptionist sees it:");
                    foreach (var section in record.Summary().Sections)
                        foreach (var w in section.Withheld)
                            Console.WriteLine("  " + section.Title + ": " + w.Count + " withheld (" + w.Explanation + ")");
                }

                // 3. A token that was tampered with is refused as a typed exception.
                string genuine = IcrFunctions.MintDemoToken("receptionist", Relationship.RegisteredGp, nhs);
                string other = IcrFunctions.MintDemoToken("gp", Relationship.RegisteredGp, nhs);
                string forged = genuine.Substring(0, genuine.LastIndexOf('.')) + other.Substring(other.LastIndexOf('.'));
                try
                {
                    ehr.OpenSession(forged).Dispose();
                    Console.Error.WriteLine("forged token accepted!");
                    return 1;
                }
                catch (IcrException.SignatureInvalid e)
                {
                    Console.WriteLine("\nForged token refused: SignatureInvalid: " + e.Reason);
                }

                // 4. The privacy officer reads who has accessed the record.
                string officer = IcrFunctions.MintDemoToken("privacy-officer", Relationship.None, nhs);
                using (var session = ehr.OpenSession(officer))
                {
                    Console.WriteLine("\nAccess report (privacy officer):");
                    foreach (var l in session.AccessReport())
                        Console.WriteLine("  " + l.Time + " " + (l.UserName ?? l.UserId) + " (" + l.Role + ", " + l.Organisation + ") "
                            + l.Kind + "/" + l.Outcome + (l.Sections.Count > 0 ? " [" + string.Join(", ", l.Sections) + "]" : "")
                            + (l.Reason != null ? " reason: " + l.Reason : ""));
                }
            }
            return 0;
        }
    }
}
