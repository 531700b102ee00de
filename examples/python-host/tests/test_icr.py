"""The Python binding in its own runtime: pytest against the installed `icr` wheel."""

import base64
import enum
import gc
import hashlib
import hmac
import json
import os
import pathlib
import re
import threading
import time
from typing import Any, Callable, List, Tuple

import pytest

import icr

NHS = icr.demo_patient_nhs_number()


def token(role: str, relationship: icr.Relationship = icr.Relationship.REGISTERED_GP) -> str:
    return icr.mint_demo_token(role, relationship, NHS)


def view(ehr: icr.Icr, role: str) -> icr.CareRecord:
    """The demo record as `role` views it: a session, its sources, merged."""
    with ehr.open_session(token(role)).source_set() as sources:
        for s in icr.demo_sources():
            sources.add_json(s.organisation, s.json)
        return sources.merge()


@pytest.fixture(scope="module")
def ehr() -> icr.Icr:
    return icr.Icr.demo()


@pytest.fixture(scope="module")
def record(ehr: icr.Icr) -> icr.CareRecord:
    return view(ehr, "gp")


def banner(summary: icr.PatientSummary) -> icr.Banner:
    """The summary's patient banner (every summary here has one)."""
    assert summary.patient is not None
    return summary.patient


def code(value: object) -> str:
    """The JSON code of an enum value: every code in the summary JSON is kebab-case, and
    uniffi names a variant in upper snake case (`CARE_TEAM` is `care-team`)."""
    name = value.name if isinstance(value, enum.Enum) else type(value).__qualname__.split(".")[-1]
    return name.lower().replace("_", "-")


def section(summary: icr.PatientSummary, key: str) -> icr.SummarySection:
    return next(s for s in summary.sections if code(s.key) == key)


# Fields the bindings name otherwise than the JSON, because the JSON name is a keyword or a
# reserved getter in a host language.
RENAMED = {"encounter_class": "class"}


def is_data_variant(value: object) -> bool:
    return type(value).__qualname__.count(".") == 1 and not isinstance(value, enum.Enum)


def same(typed: Any, sent: Any, where: str = "summary") -> None:
    """The typed value carries exactly what the JSON does: every JSON member is a field of
    the typed value with the same value, and every typed field the JSON leaves out is
    empty (None, an empty list or false: all the JSON skips). Enums compare by their JSON
    code; a tagged variant by its `kind` or its one key."""
    if isinstance(typed, enum.Enum):
        assert code(typed) == sent, where
        return
    if isinstance(typed, (str, int, float, bool)) or typed is None:
        assert typed == sent and isinstance(typed, bool) == isinstance(sent, bool), where
        return
    if isinstance(typed, list):
        assert isinstance(sent, list) and len(typed) == len(sent), where
        for i, (t, j) in enumerate(zip(typed, sent)):
            same(t, j, f"{where}[{i}]")
        return
    fields = dict(vars(typed))
    if is_data_variant(typed):
        variant = code(typed)
        if not fields or (isinstance(sent, str)):
            assert sent == variant and not fields, where
            return
        values = fields.pop("_values", None)
        if "kind" in sent:  # internally tagged: `{"kind": ..., fields}`
            assert sent["kind"] == variant, where
            sent = {k: v for k, v in sent.items() if k != "kind"}
            if values is not None:  # a newtype variant: its record's fields beside `kind`
                assert len(values) == 1, where
                same(values[0], sent, f"{where}.{variant}")
                return
        else:  # externally tagged: `{variant: value}`
            assert list(sent) == [variant], where
            sent = sent[variant]
            if values is not None:
                same(values[0] if len(values) == 1 else list(values), sent, f"{where}.{variant}")
                return
    assert isinstance(sent, dict), where
    fields = {RENAMED.get(k, k): v for k, v in fields.items()}
    for key in sent:
        assert key in fields, f"{where}.{key}: in the JSON, not in the typed record"
    for key, value in fields.items():
        if key in sent:
            same(value, sent[key], f"{where}.{key}")
        else:
            assert value is None or value is False or value == [], f"{where}.{key}: typed only"


def test_open_session_with_valid_token(ehr: icr.Icr) -> None:
    session = ehr.open_session(token("gp"))
    assert session.role() == "gp"
    assert session.context().patient == NHS
    assert session.context().relationship == icr.Relationship.REGISTERED_GP


def test_expired_token_is_a_typed_exception(ehr: icr.Icr) -> None:
    expired = icr.mint_demo_token_at("gp", icr.Relationship.REGISTERED_GP, NHS, int(time.time()) - 3600)
    with pytest.raises(icr.IcrError.TokenExpired) as caught:
        ehr.open_session(expired)
    assert "expired" in caught.value.reason
    assert isinstance(caught.value, icr.IcrError)


def test_forged_token_is_a_typed_exception(ehr: icr.Icr) -> None:
    genuine, other = token("receptionist"), token("gp")
    # the receptionist's claims under the GP token's signature
    forged = genuine.rsplit(".", 1)[0] + "." + other.rsplit(".", 1)[1]
    with pytest.raises(icr.IcrError.SignatureInvalid):
        ehr.open_session(forged)
    with pytest.raises(icr.IcrError.InvalidToken):
        ehr.open_session("not-a-token")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_host_signed_hs256_token_trusted_by_kid() -> None:
    """A host EPR signs with its own JOSE code; the ICR trusts its key by kid."""
    secret = os.urandom(32)
    ehr = icr.Icr(icr.IcrConfig(
        policy_json=None,
        trust=icr.Trust.KEYS(
            issuer="https://epr.example.invalid", audience="icr-sdk",
            trusted_keys=[icr.TrustedKey(kid="epr-2025", algorithm=icr.KeyAlgorithm.HS256, key=secret)]),
        audit=icr.AuditLog.MEMORY()))
    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT", "kid": "epr-2025"}
    claims: dict[str, object] = {"iss": "https://epr.example.invalid", "aud": "icr-sdk", "sub": "555000000009",
              "iat": now, "exp": now + 300, "jti": b64url(os.urandom(12)),
              "icr_org": "Y90001", "icr_patient": NHS, "icr_relationship": "registered-gp",
              "icr_role_profile": "R8000", "icr_job_role": "R0260", "icr_purpose": "direct-care"}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    session = ehr.open_session(signing_input + "." + b64url(signature))
    assert session.role() == "gp"
    bad = hmac.new(os.urandom(32), signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(icr.IcrError.SignatureInvalid):
        ehr.open_session(signing_input + "." + b64url(bad))


def test_gp_and_receptionist_differ_as_the_policy_says(ehr: icr.Icr, record: icr.CareRecord) -> None:
    gp = record.summary()
    desk = view(ehr, "receptionist").summary()
    assert len(section(gp, "medications").items) > 0
    assert len(section(desk, "medications").items) == 0
    assert 0 < len(section(desk, "appointments").items) <= len(section(gp, "appointments").items)
    assert sum(len(s.items) for s in desk.sections) < sum(len(s.items) for s in gp.sections)


def test_withheld_markers_and_provenance(ehr: icr.Icr, record: icr.CareRecord) -> None:
    desk = view(ehr, "receptionist").summary()
    withheld = section(desk, "medications").withheld
    assert withheld and withheld[0].count > 0
    assert withheld[0].reason == icr.WithheldReason.ROLE_SECTION()
    assert withheld[0].explanation
    gp = record.summary()
    item = section(gp, "medications").items[0]
    assert item.provenance and item.provenance[0].organisation.name
    assert item.detail.is_MEDICATION()
    assert {s.status for s in gp.sources} == {icr.SourceStatus.OK}
    assert banner(gp).nhs_number == NHS


def test_summary_json_is_the_core_json(ehr: icr.Icr, record: icr.CareRecord) -> None:
    doc = json.loads(record.summary_json())
    assert doc["schema_version"] == 4
    assert json.loads(record.summary_json_bytes()) == doc
    assert [s["key"] for s in doc["sections"]][0] == "alerts"


def test_typed_summary_carries_exactly_the_json(ehr: icr.Icr, record: icr.CareRecord) -> None:
    """One type: the typed summary and the JSON hold the same fields and values, for every
    role (each sees other items, markers and warnings)."""
    for rec in [record] + [view(ehr, role) for role in ("receptionist", "nurse", "social-worker")]:
        same(rec.summary(), json.loads(rec.summary_json()))


@pytest.mark.skipif(not os.environ.get("ICR_CORPUS"), reason="ICR_CORPUS is not set")
def test_typed_summary_carries_exactly_the_json_of_the_largest_corpus_record() -> None:
    path = os.path.join(os.environ["ICR_CORPUS"], "gpconnect", "supplier_TPP_9465699896_full.json")
    ehr = icr.Icr.demo()
    tok = icr.mint_demo_token("gp", icr.Relationship.REGISTERED_GP, "9465699896")
    with ehr.open_session(tok).source_set() as sources, open(path, "rb") as f:
        sources.add_bytes(None, f.read())
        rec = sources.merge()
    same(rec.summary(), json.loads(rec.summary_json()))
    same_as_lifted(rec)


def same_as_lifted(rec: icr.CareRecord) -> None:
    """`summary()` and a view's `section(key)` (one buffer, records filled in when read)
    equal the records uniffi lifts field by field (the generated methods, kept as
    `_summary_lifted` and `_section_lifted`), both ways round."""
    summary = rec.summary()
    whole: icr.PatientSummary = getattr(rec, "_summary_lifted")()
    assert type(whole) is icr.PatientSummary and summary == whole and whole == summary
    with rec.summary_view() as lazy:
        lifted = [getattr(lazy, "_section_lifted")(o.key) for o in lazy.sections()]
        assert summary.sections == lifted and lifted == summary.sections
        assert [lazy.section(o.key) for o in lazy.sections()] == lifted
        assert summary.sources == lazy.sources() and lazy.sources() == summary.sources
        assert summary.reconciliation == lazy.reconciliation()
        banner = lazy.banner()
        assert summary.patient == banner.patient and banner.patient == summary.patient
        assert summary.banner_alerts == banner.banner_alerts
    # The comparison sees a difference deep inside.
    deep = next(i for i in items_of(summary) if i.provenance)
    deep.provenance[0].organisation.name += "!"
    assert summary != whole and whole != summary


def test_summary_crosses_in_one_buffer_as_the_generated_records(ehr: icr.Icr, record: icr.CareRecord) -> None:
    """`summary()` decodes `summary_marshal()` (marshal data, C) into the generated records:
    instances of the generated classes, with their documentation, equal to what uniffi lifts,
    for every role."""
    summary = record.summary()
    assert isinstance(summary, icr.PatientSummary) and type(summary) is not icr.PatientSummary
    assert type(summary).__doc__ == icr.PatientSummary.__doc__ and "summary a host shows" in (type(summary).__doc__ or "")
    assert "audited" in (icr.CareRecord.summary.__doc__ or "")
    assert record.summary_marshal()[:1] == b"("
    item = items_of(summary)[0]
    assert isinstance(item, icr.Entry) and isinstance(item.detail, icr.Detail)
    assert isinstance(item.section, icr.Section) and isinstance(item.provenance[0].organisation, icr.Organisation)
    for rec in [record] + [view(ehr, role) for role in ("receptionist", "nurse", "social-worker")]:
        same_as_lifted(rec)


def test_summary_records_read_like_plain_records(record: icr.CareRecord) -> None:
    """What a host does with a record works on one not read yet: `vars()`, `str()`, setting a
    field first (the set value stays), copying and pickling (to the generated class)."""
    import copy
    import pickle

    summary = record.summary()
    fields = vars(summary)
    assert list(fields) == ["schema_version", "as_of", "patient", "demographic_discrepancies", "banner_alerts",
                            "risk", "trends", "sections", "reconciliation", "sources"]
    assert fields["schema_version"] == 4
    first = record.summary().sections[2].items[0]
    first.title = "changed before anything was read"
    assert first.title == "changed before anything was read"
    assert first.id == summary.sections[2].items[0].id and first.section == icr.Section.MEDICATIONS
    assert "Entry(id=" in str(first)
    for copied in (copy.copy(summary), copy.deepcopy(summary), pickle.loads(pickle.dumps(summary))):
        assert type(copied) is icr.PatientSummary and copied == summary
    with pytest.raises(AttributeError):
        getattr(record.summary(), "no_such_field")


def test_the_comparison_notices_a_difference(record: icr.CareRecord) -> None:
    """`same` fails where one side has what the other has not, or another value."""
    summary = record.summary()

    def title_changed(doc: Any) -> None:
        doc["sections"][0]["title"] += "!"

    def only_in_json(doc: Any) -> None:
        doc["sections"][2]["items"][0]["only_in_json"] = 1

    def only_typed(doc: Any) -> None:
        del doc["sections"][2]["items"][0]["title"]

    def other_code(doc: Any) -> None:
        doc["sections"][0]["key"] = "allergies"

    changes: Tuple[Tuple[Callable[[Any], None], str], ...] = (
        (title_changed, "summary.sections[0].title"),
        (only_in_json, "summary.sections[2].items[0].only_in_json: in the JSON"),
        (only_typed, "summary.sections[2].items[0].title: typed only"),
        (other_code, "summary.sections[0].key"))
    for change, where in changes:
        doc = json.loads(record.summary_json())
        change(doc)
        with pytest.raises(AssertionError, match=re.escape(where)):
            same(summary, doc)


def items_of(summary: icr.PatientSummary) -> List[icr.Entry]:
    return [i for s in summary.sections for i in s.items]


def test_typed_summary_carries_reactions_courses_flags_and_warnings(record: icr.CareRecord) -> None:
    summary = record.summary()
    sent = [i for s in json.loads(record.summary_json())["sections"] for i in s.get("items", [])]
    assert summary.schema_version == 4
    assert summary.reconciliation == []
    admissions = next(s for s in summary.risk.signals if s.kind == icr.RiskKind.EMERGENCY_ADMISSIONS)
    assert admissions.raised and admissions.count == 1, "her emergency admission, typed"
    assert admissions.evidence[0].organisations == ["Northgate General Hospital NHS Trust"]
    items = items_of(summary)
    assert banner(summary).age_at_death is None, "living"
    assert any(isinstance(i.detail, icr.Detail.DOCUMENT) and i.detail.attachments for i in items), "documents"

    penicillin = next(i for i in items if i.title == "Allergy to penicillin")
    assert penicillin.detail.is_ALLERGY()
    assert isinstance(penicillin.detail, icr.Detail.ALLERGY)
    reactions = penicillin.detail.reactions
    assert any("Anaphylactic reaction" in r.manifestations and r.severity == "severe" and r.recorded_by
               for r in reactions), reactions
    assert [r.manifestations for r in reactions] == [
        r.get("manifestations", []) for r in next(j for j in sent if j["id"] == penicillin.id)["detail"]["reactions"]]

    meds = [i.detail[0] for i in items if isinstance(i.detail, icr.Detail.MEDICATION)]
    assert any(c.supplies for m in meds for c in m.courses), "a course with its supplies"
    assert any(m.authorisation_expiry for m in meds)
    assert any(ch.kind == icr.ChangeKind.COMPLETED for m in meds for ch in m.changes)

    results = [r for i in items if isinstance(i.detail, icr.Detail.INVESTIGATION) for r in i.detail.results]
    results += [i.detail.result for i in items if isinstance(i.detail, icr.Detail.OBSERVATION)]
    high = [r for r in results if r.flag == icr.ResultFlag.HIGH]
    assert high and all(r.flag_basis in (icr.FlagBasis.INTERPRETATION, icr.FlagBasis.REFERENCE_RANGE)
                        for r in high)
    assert all(r.flag_basis is None for r in results if r.flag is None), "no flag, no verdict"
    assert any(r.display for r in results), "a display value (UCUM unit)"


def with_unconfirmed_identity() -> List[Tuple[icr.DemoSource, str]]:
    """The demo sources, the out-of-hours service's patient given another date of birth
    and family name under the same NHS number."""
    out = []
    for s in icr.demo_sources():
        text = s.json
        if s.file.startswith("out-of-hours"):
            doc = json.loads(text)
            for e in doc.get("entry", []):
                r = e.get("resource", {})
                if r.get("resourceType") == "Patient":
                    r["birthDate"] = "1901-02-03"
                    for name in r.get("name", []):
                        name["family"] = "Someone-Else"
            text = json.dumps(doc)
        out.append((s, text))
    return out


def test_unconfirmed_identity_is_listed_for_reconciliation(ehr: icr.Icr) -> None:
    with ehr.open_session(token("gp")).source_set() as sources:
        for s, text in with_unconfirmed_identity():
            sources.add_json(s.organisation, text)
        rec = sources.merge()
    summary = rec.summary()
    held = [s for s in summary.sources if s.status == icr.SourceStatus.IDENTITY_UNCONFIRMED]
    assert len(held) == 1
    assert summary.reconciliation
    assert all(any(p.organisation.name == held[0].name for p in i.provenance) for i in summary.reconciliation)
    ids = {i.id for i in summary.reconciliation}
    assert not ids & {i.id for i in items_of(summary)}
    assert [i.id for i in summary.reconciliation] == [
        i["id"] for i in json.loads(rec.summary_json())["reconciliation"]]
    with rec.summary_view() as lazy:
        assert lazy.reconciliation() == summary.reconciliation


def test_summary_view_differs_by_role_as_the_policy_says(ehr: icr.Icr, record: icr.CareRecord) -> None:
    with record.summary_view() as gp, view(ehr, "receptionist").summary_view() as desk:
        gp_meds = next(o for o in gp.sections() if o.key == icr.Section.MEDICATIONS)
        desk_meds = next(o for o in desk.sections() if o.key == icr.Section.MEDICATIONS)
        assert gp_meds.shown > 0 and gp_meds.withheld_count == 0
        assert desk_meds.shown == 0 and desk_meds.withheld_count > 0
        assert desk_meds.withheld[0].reason == icr.WithheldReason.ROLE_SECTION()
        assert desk_meds.withheld[0].explanation
        assert desk.section(icr.Section.MEDICATIONS).items == []
        assert sum(o.shown for o in desk.sections()) < sum(o.shown for o in gp.sections())
        patient = gp.banner().patient
        assert patient is not None and patient.nhs_number == NHS


def test_summary_view_reads_what_the_eager_summary_holds(record: icr.CareRecord) -> None:
    eager = record.summary()
    with record.summary_view() as lazy:
        banner = lazy.banner()
        assert banner.patient == eager.patient
        assert banner.banner_alerts == eager.banner_alerts
        assert lazy.reconciliation() == eager.reconciliation
        assert banner.sources == eager.sources == lazy.sources()
        assert banner.alerts == section(eager, "alerts").items
        overview = lazy.sections()
        assert [o.key for o in overview] == [s.key for s in eager.sections]
        for o, s in zip(overview, eager.sections):
            assert o.shown == len(s.items) and o.withheld == s.withheld
            assert lazy.section(o.key) == s
        assert [lazy.section(key).key for key in icr.Section] == list(icr.Section), "every section"
        assert json.loads(lazy.to_json()) == json.loads(record.summary_json())
        assert json.loads(lazy.to_json_bytes()) == json.loads(lazy.to_json())


def test_summary_view_is_audited_when_made(ehr: icr.Icr) -> None:
    rec = view(ehr, "nurse")
    rec.summary_view().close()
    officer = ehr.open_session(token("privacy-officer"))
    assert any(line.role == "nurse" and line.kind == icr.AuditKind.RECORD_VIEWED for line in officer.access_report())


def test_summary_view_close_then_use_raises_closed(record: icr.CareRecord) -> None:
    lazy = record.summary_view()
    lazy.sections()
    lazy.close()
    with pytest.raises(icr.IcrError.Closed):
        lazy.banner()
    with pytest.raises(icr.IcrError.Closed):
        lazy.section(icr.Section.MEDICATIONS)
    lazy.close()  # twice is harmless


def test_summary_fhir_is_an_ips_document_of_what_the_role_may_see(ehr: icr.Icr) -> None:
    gp = json.loads(view(ehr, "gp").summary_fhir())
    assert gp["type"] == "document"
    assert gp["entry"][0]["resource"]["resourceType"] == "Composition"
    codes = {s.get("code", {}).get("coding", [{}])[0].get("code") for s in gp["entry"][0]["resource"]["section"]}
    assert {"48765-2", "10160-0", "11450-4"} <= codes
    desk = view(ehr, "receptionist").summary_fhir()
    assert "Sertraline" in json.dumps(gp) and "Sertraline" not in desk
    assert '"withheld"' in desk, "withheld sections are signposted"


def test_panel_html(record: icr.CareRecord) -> None:
    fragment = record.panel_html()
    assert fragment.startswith('<section class="icr-panel"')
    page = record.standalone_page(icr.PanelOptions(id_prefix="host", embed_style=True))
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page


def test_invalid_json_ingest_is_a_typed_exception(ehr: icr.Icr) -> None:
    sources = ehr.open_session(token("gp")).source_set()
    with pytest.raises(icr.IcrError.IngestFailed) as caught:
        sources.add_json(None, '{"resourceType": "Bundle", ')
    assert "JSON" in caught.value.reason
    other = icr.mint_demo_token("gp", icr.Relationship.REGISTERED_GP, "9434765919")
    with pytest.raises(icr.IcrError.PatientMismatch):
        ehr.open_session(other).source_set().add_json(None, icr.demo_sources()[0].json)
    with pytest.raises(icr.IcrError.InvalidInput):
        icr.mint_demo_token("gp", icr.Relationship.REGISTERED_GP, "12345")


ROLES = ["gp", "mental-health", "ooh-clinician", "hospital-doctor", "nurse",
         "pharmacist", "social-worker", "receptionist", "privacy-officer"]


def restricted_sources() -> List[Tuple[icr.DemoSource, str]]:
    """The demo sources with the GP practice's Patient marked restricted (PDS S-flag)."""
    out = []
    for s in icr.demo_sources():
        doc = json.loads(s.json)
        for e in doc.get("entry", []):
            r = e.get("resource", {})
            if r.get("resourceType") == "Patient" and "gpconnect" in s.file:
                r.setdefault("meta", {})["security"] = [{
                    "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                    "code": "R"}]
        out.append((s, json.dumps(doc)))
    return out


def test_a_restricted_patients_contact_details_reach_no_role(ehr: icr.Icr, record: icr.CareRecord) -> None:
    plain = banner(record.summary())
    secrets = list(plain.addresses) + [t.value for t in plain.telecom]
    assert secrets, "the demo patient has an address and a telephone"
    for role in ROLES:
        with ehr.open_session(token(role, icr.Relationship.CARE_TEAM)).source_set() as sources:
            for s, text in restricted_sources():
                sources.add_json(s.organisation, text)
            care_record = sources.merge()
        shown = banner(care_record.summary())
        assert shown.addresses == [] and shown.telecom == [], role
        assert shown.contact_details_withheld == "Contact details withheld: restricted record"
        for text in (care_record.summary_json(), care_record.panel_html()):
            for secret in secrets:
                assert secret not in text, (role, secret)


def test_break_glass_and_access_report(ehr: icr.Icr, record: icr.CareRecord) -> None:
    gp = ehr.open_session(token("gp"))
    with pytest.raises(icr.IcrError.BreakGlassReasonRequired) as caught:
        gp.break_glass("no")
    assert caught.value.min_chars == 10
    with pytest.raises(icr.IcrError.NotPermitted):
        gp.access_report()
    record.summary()
    officer = ehr.open_session(token("privacy-officer"))
    report = officer.access_report()
    assert any(line.role == "gp" and line.kind == icr.AuditKind.RECORD_VIEWED for line in report)


def live() -> Tuple[int, int, int, int, int]:
    counts = icr.live_objects()
    return (counts.icr, counts.sessions, counts.source_sets, counts.records, counts.views)


def test_objects_freed_without_leaks() -> None:
    gc.collect()
    before = live()
    for _ in range(50):
        ehr = icr.Icr.demo()
        rec = view(ehr, "gp")
        rec.summary()
        lazy = rec.summary_view()
        lazy.sections()
        del ehr, rec, lazy
    with icr.Icr.demo() as ehr, ehr.open_session(token("gp")) as session:
        with session.source_set() as sources:
            sources.add_json(None, icr.demo_sources()[0].json)
            with sources.merge() as rec:
                rec.summary()
                assert live()[1] == before[1] + 1
                with rec.summary_view() as lazy:
                    lazy.banner()
                    assert live()[4] == before[4] + 1
    del ehr, session, sources, rec, lazy
    gc.collect()
    assert live() == before


def test_use_after_close_raises_not_crashes(ehr: icr.Icr) -> None:
    session = ehr.open_session(token("gp"))
    with session.source_set() as sources:
        sources.add_json(None, icr.demo_sources()[0].json)
        rec = sources.merge()
    with pytest.raises(icr.IcrError.Closed):
        sources.merge()
    session.close()
    with pytest.raises(icr.IcrError.Closed):
        rec.summary()
    with pytest.raises(icr.IcrError.Closed):
        session.source_set()
    rec.close()
    with pytest.raises(icr.IcrError.Closed):
        rec.item_count()


def test_two_threads_at_once(record: icr.CareRecord) -> None:
    barrier = threading.Barrier(2)
    results: List[int] = []
    errors: List[Exception] = []

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(20):
                results.append(sum(len(s.items) for s in record.summary().sections))
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 40 and len(set(results)) == 1


def test_audit_file_verifies(tmp_path: pathlib.Path) -> None:
    path = str(tmp_path / "audit.log")
    key = os.urandom(32)
    with icr.Icr(icr.IcrConfig(trust=icr.demo_trust(), audit=icr.AuditLog.FILE(path, key))) as ehr:
        view(ehr, "gp").summary()
        checkpoint = ehr.audit_checkpoint()
        assert ehr.verify_audit(checkpoint).problems == []
    result = icr.verify_audit_file(path, key, checkpoint)
    assert result.problems == [] and result.entries == checkpoint.seq >= 2
    with open(path, "r+b") as f:
        data = f.read().replace(b'"record_viewed"', b'"access_denied"', 1)
        f.seek(0)
        f.write(data)
    tampered = icr.verify_audit_file(path, key)
    assert tampered.problems and tampered.problems[0].kind.is_BAD_MAC()
    assert "edited or forged" in icr.describe_audit_problem(tampered.problems[0].kind)
    with pytest.raises(icr.IcrError.AuditUnavailable):
        icr.Icr(icr.IcrConfig(trust=icr.demo_trust(), audit=icr.AuditLog.FILE(str(tmp_path / "no" / "dir.log"), key)))


def test_docstrings_pass_through() -> None:
    assert "launch" in (icr.Icr.open_session.__doc__ or "")


CORPUS = os.environ.get("ICR_CORPUS")
LARGEST = os.path.join(CORPUS or "", "gpconnect", "supplier_TPP_9465699896_full.json")


def read_every_field(value: object) -> int:
    """Reads every field of every record, variant and list in `value`; counts the values."""
    if isinstance(value, list):
        return sum(read_every_field(v) for v in value)
    if isinstance(value, tuple):  # an unnamed variant's values
        return sum(read_every_field(v) for v in value)
    if isinstance(value, (str, int, float, bool, enum.Enum)) or value is None:
        return 1
    return sum(read_every_field(v) for v in vars(value).values())


# Steady state, by the rule of the Rust side (icr-ffi/examples/summary_timing.rs): each call
# repeated for a warm-up time, then the median of a fixed number of timed calls.
WARM_UP_SECONDS = 1.5
SAMPLES = 50


def median_ms(fn: Callable[[], object]) -> float:
    warm_up = time.perf_counter()
    while time.perf_counter() - warm_up < WARM_UP_SECONDS:
        fn()
    times = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2]


def median_pair_ms(fn: Callable[[], object], reference: Callable[[], object]) -> tuple[float, float]:
    """`median_ms` of two calls timed alternately, so that both see the same load."""
    warm_up = time.perf_counter()
    while time.perf_counter() - warm_up < WARM_UP_SECONDS:
        fn()
        reference()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(SAMPLES):
        for call, out in ((fn, times[0]), (reference, times[1])):
            start = time.perf_counter()
            call()
            out.append((time.perf_counter() - start) * 1000)
    return sorted(times[0])[SAMPLES // 2], sorted(times[1])[SAMPLES // 2]


@pytest.mark.skipif(not CORPUS, reason="ICR_CORPUS is not set")
def test_timing_largest_gp_record() -> None:
    with open(LARGEST, "rb") as f:
        data = f.read()
    ehr = icr.Icr.demo()
    session = ehr.open_session(icr.mint_demo_token("gp", icr.Relationship.REGISTERED_GP, "9465699896"))
    sources = session.source_set()
    sources.add_bytes(None, data)
    rec = sources.merge()
    as_json = median_ms(rec.summary_json)
    as_bytes = median_ms(rec.summary_json_bytes)
    # summary() against the library's own work in this process, timed alternately: the
    # summary made and kept in the library, only a handle crossing (summary_view() alone).
    typed, library = median_pair_ms(rec.summary, lambda: rec.summary_view().close())

    def first_render() -> object:
        with rec.summary_view() as lazy:
            return lazy.banner(), lazy.sections()

    def read_all() -> object:
        with rec.summary_view() as lazy:
            banner, overview = lazy.banner(), lazy.sections()
            return banner, [lazy.section(o.key) for o in overview]

    lazy_first = median_ms(first_render)
    lazy_all = median_ms(read_all)
    # summary() fills each record in when it is first read: reading every field of it
    # (what a host that copies the whole summary into its own model does) costs more.
    whole = median_ms(lambda: read_every_field(rec.summary()))
    line = (f"python summary_json_ms={as_json:.3f} summary_json_bytes_ms={as_bytes:.3f} summary_ms={typed:.3f}"
            f" summary_all_ms={whole:.3f} library_ms={library:.3f} summary_view_ms={lazy_first:.3f} view_all_ms={lazy_all:.3f}")
    print(line)
    out = os.environ.get("ICR_TIMING_OUT")
    if out:
        with open(out, "a") as timing:
            timing.write(line + "\n")
