// A small host EPR in C#: the ICR panel for the patient a GP has open.
//
//   mono HostEpr.exe [--html PANEL.html]     (libicr_ffi.so next to it or on LD_LIBRARY_PATH)
//
// With ICR_FHIR_BASE set (the URL of the project's FHIR test server, tests/fhir-server,
// serving the demo sources), the record is also fetched from the organisations of the demo
// directory, with each source's progress and how its fetch ended.
using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
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

        /// <summary>A status as the JSON and the panel write it: <c>TimedOut</c> is
        /// <c>timed_out</c>.</summary>
        static string Code(Enum value)
        {
            return Regex.Replace(value.ToString(), "(?<=[a-z0-9])([A-Z])", "_$1").ToLowerInvariant();
        }

        /// <summary>Prints each step of each source's fetch as it happens (called on the
        /// fetching threads: keep it short).</summary>
        sealed class PrintProgress : IFetchProgress
        {
            public void OnProgress(SourceProgress progress)
            {
                string step;
                var retrying = progress.Event as ProgressEvent.Retrying;
                var done = progress.Event as ProgressEvent.Done;
                if (retrying != null)
                    step = "retrying (try " + retrying.Attempt + ", HTTP " + retrying.HttpStatus + ", in " + retrying.DelayMs + " ms)";
                else if (done != null)
                    step = "done: " + Code(done.Status) + (done.Reason != null ? " (" + done.Reason + ")" : "");
                else
                    step = "started";
                lock (Console.Out) Console.WriteLine("  [" + progress.OdsCode + "] " + step);
            }
        }

        /// <summary>The demo directory with its organisations at <paramref name="fhirBase"/>.
        /// The out-of-hours service's bearer token variable is dropped, so it is asked
        /// without one.</summary>
        static string DemoDirectory(string fhirBase)
        {
            string json = File.ReadAllText("icr-core/demo/directory.json").Replace("http://127.0.0.1:8790", fhirBase.TrimEnd('/'));
            return Regex.Replace(json, ",\\s*\"bearer_token_env\"\\s*:\\s*\"[^\"]*\"", "");
        }

        /// <summary>Fetches the patient's record from every organisation of the directory
        /// (in parallel, within the deadline) and prints how each source's fetch ended.</summary>
        static void Fetch(Session session, string fhirBase)
        {
            Console.WriteLine("\nFetching from " + fhirBase + " (deadline 3 s):");
            var settings = new FetchSettings(3000, null, null, false);
            using (var record = session.FetchRecord(DemoDirectory(fhirBase), settings, new PrintProgress()))
            {
                Console.WriteLine("\nPer source:");
                foreach (var o in record.FetchOutcomes())
                    Console.WriteLine("  {0,-6} {1,-45} {2,-16} {3,3} request(s), {4,2} retr(ies), {5,8} bytes, {6,5} ms{7}",
                        o.OdsCode, o.Name, Code(o.Status), o.Requests, o.Retries, o.Bytes, o.ElapsedMs,
                        o.Reason != null ? "  " + o.Reason : "");
                var summary = record.Summary();
                Console.WriteLine("Fetched record: " + summary.Sections.Sum(s => s.Items.Count) + " item(s) from "
                    + summary.Sources.Count(s => s.Status == SourceStatus.Ok) + " of " + summary.Sources.Count + " source(s)");
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

                // 1b. The same record fetched from the organisations themselves, when the
                // FHIR test server (or a region's directory of real ones) is at hand.
                string fhirBase = Environment.GetEnvironmentVariable("ICR_FHIR_BASE");
                if (!string.IsNullOrEmpty(fhirBase))
                {
                    using (var session = ehr.OpenSession(IcrFunctions.MintDemoToken("gp", Relationship.RegisteredGp, nhs)))
                        Fetch(session, fhirBase);
                }
                else
                {
                    Console.WriteLine("\nNo fetch: ICR_FHIR_BASE is not set (scripts/ffi-tests.sh starts the FHIR test server and sets it).");
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
