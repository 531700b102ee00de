"""A small host EPR in Python: the ICR panel for the patient a GP has open.

    python examples/python-host/host.py [--html PANEL.html] [--fetch]

Needs the `icr` wheel installed (scripts/ffi-tests.sh builds and installs it). With
`--fetch` it also fetches the record from the organisations' FHIR servers: the project's
FHIR test server (tests/fhir-server, needs node) serving the five demo sources on
loopback, the out-of-hours service never answering.
"""

import argparse
import sys
import time

import icr


def sources_of(item: icr.Entry) -> str:
    return "; ".join(p.organisation.name for p in item.provenance)


def words(code: object) -> str:
    """An enum value as words (`SectionNoteKind.NIL_KNOWN()` is `nil known`)."""
    name = getattr(code, "name", None) or type(code).__qualname__.split(".")[-1]
    return name.lower().replace("_", " ")


def print_summary(view: icr.SummaryView) -> None:
    """Renders through a SummaryView: the banner and the section overviews first, then the
    items of each section that has any (only what is read crosses from the library)."""
    banner = view.banner()
    p = banner.patient
    if p:
        born = f"born {p.birth_date_display} ({p.age_years})" if p.birth_date_display else ""
        print(f"\n{p.name}   NHS No. {p.nhs_number_display}   {born}")
    for s in banner.sources:
        if s.status != icr.SourceStatus.OK:
            print(f"  ! information missing from {s.name}: {words(s.status)}")
    for overview in view.sections():
        if not (overview.shown or overview.withheld or overview.statements or overview.warnings):
            continue
        print(f"\n== {overview.title}")
        items = view.section(overview.key).items if overview.shown else []
        for item in items:
            when = f" ({icr.display_date(item.date)})" if item.date else ""
            print(f"  - {item.title}{when}  [{sources_of(item)}]")
        for w in overview.withheld:
            print(f"  ! {w.count} item(s) withheld: {w.explanation}")
        for statement in overview.statements:
            print(f"  · {statement.organisation}: {statement.text or words(statement.kind)}")
        for warning in overview.warnings:
            print(f"  ⚠ {warning.organisation}: {warning.text or warning.code}")
    print("\nSources:")
    for s in banner.sources:
        age = f", data {s.age_days} days old" if s.age_days is not None else ""
        print(f"  {s.name} ({s.ods_code}): {words(s.status)}, {s.items} item(s){age}")


def load(session: icr.Session) -> icr.CareRecord:
    """Each organisation's FHIR, as the EPR's integration engine would fetch it."""
    with session.source_set() as sources:
        for s in icr.demo_sources():
            report = sources.add_json(s.organisation, s.json)
            print(f"  read {report.organisation.name}: FHIR {report.fhir_version.name}, {report.items} item(s)")
        return sources.merge()


class Spinner(icr.FetchProgress):
    """Told of each source's steps while the fetch runs (a spinner per organisation)."""

    def on_progress(self, progress: icr.SourceProgress) -> None:
        event = progress.event
        if isinstance(event, icr.ProgressEvent.RETRYING):
            print(f"  … {progress.ods_code}: retrying (HTTP {event.http_status}), attempt {event.attempt}")
        elif isinstance(event, icr.ProgressEvent.DONE):
            print(f"  … {progress.ods_code}: {words(event.status)}")


def fetch(session: icr.Session) -> None:
    """Fetches the record from the organisations the directory lists (the demo's five
    sources from the FHIR test server) and shows how each source fared."""
    from fhir_server import DemoServer  # beside this file: starts tests/fhir-server

    with DemoServer() as server:
        print(f"\nFetching from {server.base} (deadline 3 s; the out-of-hours service never answers):")
        settings = icr.FetchSettings(deadline_ms=3000, use_proxy=False)
        started = time.monotonic()
        with session.fetch_record(server.directory(), settings, Spinner()) as record:
            took = time.monotonic() - started
            print(f"Fetched in {took:.1f} s:")
            for o in record.fetch_outcomes():
                reason = f" ({o.reason})" if o.reason else ""
                print(f"  {o.name} ({o.ods_code}): {words(o.status)}{reason}, {o.requests} request(s),"
                      f" {o.bytes} bytes, {o.elapsed_ms} ms")
            with record.summary_view() as view:
                shown = sum(o.shown for o in view.sections())
            print(f"  {shown} item(s) shown from {record.source_count()} source(s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--html", default="icr-panel.html", help="where to write the panel page")
    parser.add_argument("--fetch", action="store_true",
                        help="also fetch the record from the demo's FHIR servers (starts tests/fhir-server)")
    args = parser.parse_args()

    nhs = icr.demo_patient_nhs_number()
    with icr.Icr.demo() as ehr:
        # 1. The EPR signs a launch context for the logged-in GP (here: the demo issuer).
        token = icr.mint_demo_token("gp", icr.Relationship.REGISTERED_GP, nhs)
        with ehr.open_session(token) as session:
            print(f"Session {session.id()} opened for role {session.role()}")
            with load(session) as record:
                with record.summary_view() as view:
                    print_summary(view)
                page = record.standalone_page()
                with open(args.html, "w", encoding="utf-8") as f:
                    f.write(page)
                print(f"\nPanel page written to {args.html} ({len(page)} characters)")

        # 2. The same record for a receptionist: most sections are withheld, and say so.
        desk = icr.mint_demo_token("receptionist", icr.Relationship.REGISTERED_GP, nhs)
        with ehr.open_session(desk) as session, load(session) as record:
            print("\nAs a receptionist sees it:")
            with record.summary_view() as view:
                for overview in view.sections():
                    for w in overview.withheld:
                        print(f"  {overview.title}: {w.count} withheld ({w.explanation})")

        # 3. A token that was tampered with is refused as a typed exception.
        genuine = icr.mint_demo_token("receptionist", icr.Relationship.REGISTERED_GP, nhs)
        other = icr.mint_demo_token("gp", icr.Relationship.REGISTERED_GP, nhs)
        forged = genuine.rsplit(".", 1)[0] + "." + other.rsplit(".", 1)[1]
        try:
            ehr.open_session(forged)
            print("forged token accepted!", file=sys.stderr)
            return 1
        except icr.IcrError.SignatureInvalid as e:
            print(f"\nForged token refused: {type(e).__name__}: {e.reason}")

        # 4. The privacy officer reads who has accessed the record.
        officer = icr.mint_demo_token("privacy-officer", icr.Relationship.NONE, nhs)
        with ehr.open_session(officer) as session:
            print("\nAccess report (privacy officer):")
            for line in session.access_report():
                sections = f" [{', '.join(line.sections)}]" if line.sections else ""
                reason = f" reason: {line.reason}" if line.reason else ""
                print(f"  {line.time} {line.user_name or line.user_id} ({line.role}, {line.organisation})"
                      f" {words(line.kind)}/{words(line.outcome)}{sections}{reason}")

        # 5. The record fetched from the organisations themselves, each source's status shown.
        if args.fetch:
            fetching = icr.mint_demo_token("gp", icr.Relationship.REGISTERED_GP, nhs)
            with ehr.open_session(fetching) as session:
                fetch(session)
    return 0


if __name__ == "__main__":
    sys.exit(main())
