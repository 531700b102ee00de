"""Fetching from Python: the demo patient's five sources from the project's FHIR test
server on loopback (tests/fhir-server, a third-party FHIR server), one of them never
answering, each source's progress and outcome, cancellation from another thread, an
identity mismatch, and a callback that raises."""

import gc
import threading
import time
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import pytest

import icr
from fhir_server import HANGING, WRONG_PATIENT, DemoServer

DEADLINE_MS = 3000
READ = ["Y90001", "R9A", "R9M", "Y9SC1"]


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    """One server for the module, with the misbehaving GP Connect provider at /WRONG too."""
    with DemoServer(wrong_patient=True) as running:
        yield running


def live() -> Tuple[int, int, int, int, int]:
    counts = icr.live_objects()
    return (counts.icr, counts.sessions, counts.source_sets, counts.records, counts.views)


@pytest.fixture(autouse=True)
def nothing_left_alive() -> Iterator[None]:
    """Every object a test made is freed once it ends."""
    gc.collect()
    before = live()
    yield
    gc.collect()
    assert live() == before


def settings(deadline_ms: int = DEADLINE_MS) -> icr.FetchSettings:
    # No proxy: a proxy set in the environment must not capture loopback.
    return icr.FetchSettings(deadline_ms=deadline_ms, use_proxy=False)


def gp_token() -> str:
    return icr.mint_demo_token("gp", icr.Relationship.REGISTERED_GP, icr.demo_patient_nhs_number())


class Steps(icr.FetchProgress):
    """Keeps every step it is told; raises `fail()` from every call when it is set (a new
    exception each time: one kept by the test would keep the frames it was raised through,
    and so the test's objects, alive)."""

    def __init__(self, fail: Optional[Callable[[], Exception]] = None) -> None:
        self.seen: List[icr.SourceProgress] = []
        self.fail = fail
        self.lock = threading.Lock()

    def on_progress(self, progress: icr.SourceProgress) -> None:
        with self.lock:
            self.seen.append(progress)
        if self.fail is not None:
            raise self.fail()

    def of(self, ods_code: str) -> List[icr.ProgressEvent]:
        with self.lock:
            return [p.event for p in self.seen if p.ods_code == ods_code]


def by_source(outcomes: List[icr.SourceOutcome]) -> Dict[str, icr.SourceOutcome]:
    return {o.ods_code: o for o in outcomes}


def assert_demo_outcomes(outcomes: List[icr.SourceOutcome]) -> None:
    """Four sources read, the hanging one timed out at the deadline."""
    found = by_source(outcomes)
    assert sorted(found) == sorted(READ + [HANGING])
    for ods in READ:
        o = found[ods]
        assert o.status == icr.SourceStatus.OK, (ods, o.status, o.reason)
        assert o.requests >= 1 and o.bytes > 0, ods
    assert found["Y90001"].kind == icr.SourceKind.GP_CONNECT_STRUCTURED
    assert found["R9A"].kind == icr.SourceKind.FHIR_R4
    hung = found[HANGING]
    assert hung.status == icr.SourceStatus.TIMED_OUT, (hung.status, hung.reason)
    assert hung.bytes == 0 and hung.reason


def assert_started_and_done(steps: Steps, outcomes: List[icr.SourceOutcome]) -> None:
    """Each source told started once (first) and done once (last), done with its outcome."""
    for o in outcomes:
        events = steps.of(o.ods_code)
        assert events, o.ods_code
        assert isinstance(events[0], icr.ProgressEvent.STARTED), (o.ods_code, events)
        assert sum(isinstance(e, icr.ProgressEvent.STARTED) for e in events) == 1, o.ods_code
        done = [e for e in events if isinstance(e, icr.ProgressEvent.DONE)]
        assert len(done) == 1 and events[-1] is done[0], (o.ods_code, events)
        assert done[0].status == o.status and done[0].reason == o.reason, o.ods_code
    with steps.lock:
        indexes = {p.index for p in steps.seen}
    assert indexes == set(range(len(outcomes))), "one index per source of the directory"


def test_the_demo_patient_from_five_sources_one_hanging(server: DemoServer) -> None:
    steps = Steps()
    with icr.Icr.demo() as ehr, ehr.open_session(gp_token()) as session:
        started = time.monotonic()
        with session.fetch_record(server.directory(), settings(), steps) as record:
            took = time.monotonic() - started
            assert took < DEADLINE_MS / 1000 + 2, f"returned after {took:.1f} s, deadline 3 s"
            outcomes = record.fetch_outcomes()
            assert_demo_outcomes(outcomes)
            assert_started_and_done(steps, outcomes)
            summary = record.summary()
            assert summary.patient is not None
            assert summary.patient.nhs_number == icr.demo_patient_nhs_number()
            statuses = {s.ods_code: s.status for s in summary.sources}
            assert statuses == {o.ods_code: o.status for o in outcomes}, "the summary says how each source fared"
            assert sum(len(s.items) for s in summary.sections) > 0
            assert record.source_count() == 5


def test_fetch_summary_returns_the_summary_with_the_outcomes(server: DemoServer) -> None:
    with icr.Icr.demo() as ehr, ehr.open_session(gp_token()) as session:
        fetched = session.fetch_summary(server.directory(), settings())
        assert_demo_outcomes(fetched.outcomes)
        statuses = {s.ods_code: s.status for s in fetched.summary.sources}
        assert statuses == {o.ods_code: o.status for o in fetched.outcomes}
        medications = next(s for s in fetched.summary.sections if s.key == icr.Section.MEDICATIONS)
        assert medications.items, "the GP practice's medicines"


def test_a_fetch_cancelled_from_another_thread_returns_at_once(server: DemoServer) -> None:
    """Cancelled once the four answering sources are done: the hanging one ends
    unavailable, "cancelled", long before the deadline."""
    deadline_ms = 20_000
    four_done = threading.Event()

    class CancelWhenFourDone(Steps):
        def on_progress(self, progress: icr.SourceProgress) -> None:
            super().on_progress(progress)
            with self.lock:
                done = sum(isinstance(p.event, icr.ProgressEvent.DONE) for p in self.seen)
            if done == len(READ):
                four_done.set()

    steps = CancelWhenFourDone()
    with icr.Icr.demo() as ehr, ehr.open_session(gp_token()) as session:
        cancelled_at: List[float] = []

        def cancel() -> None:
            if four_done.wait(timeout=deadline_ms / 1000):
                cancelled_at.append(time.monotonic())
                session.cancel_fetches()

        canceller = threading.Thread(target=cancel)
        canceller.start()
        started = time.monotonic()
        try:
            record = session.fetch_record(server.directory(), settings(deadline_ms), steps)
        finally:
            canceller.join()
        returned = time.monotonic()
        with record:
            assert cancelled_at, "the four answering sources were done"
            assert returned - cancelled_at[0] < 2, f"returned {returned - cancelled_at[0]:.1f} s after cancel"
            assert returned - started < deadline_ms / 1000 / 2, "well under the deadline"
            found = by_source(record.fetch_outcomes())
            hung = found[HANGING]
            assert hung.status == icr.SourceStatus.UNAVAILABLE and hung.reason == "cancelled", hung
            for ods in READ:
                assert found[ods].status == icr.SourceStatus.OK, ods
            assert_started_and_done(steps, list(found.values()))


def test_an_identity_mismatch_is_reported_for_its_source(server: DemoServer) -> None:
    """The GP practice's provider answers with another patient's record."""
    directory = server.directory({"Y90001": "/" + WRONG_PATIENT})
    with icr.Icr.demo() as ehr, ehr.open_session(gp_token()) as session:
        with session.fetch_record(directory, settings()) as record:
            found = by_source(record.fetch_outcomes())
            gp = found["Y90001"]
            assert gp.status == icr.SourceStatus.IDENTITY_MISMATCH, (gp.status, gp.reason)
            for ods in READ[1:]:
                assert found[ods].status == icr.SourceStatus.OK, ods
            summary = record.summary()
            shown = {s.ods_code: s.status for s in summary.sources}
            assert shown["Y90001"] == icr.SourceStatus.IDENTITY_MISMATCH
            assert summary.patient is not None
            assert summary.patient.nhs_number == icr.demo_patient_nhs_number(), "the other patient is not shown"


def runtime_error() -> Exception:
    return RuntimeError("the host's callback failed")


def icr_error() -> Exception:
    return icr.IcrError.Unexpected("the host's callback failed")


@pytest.mark.parametrize("failure", [runtime_error, icr_error])
def test_a_callback_that_raises_does_not_stop_the_fetch(server: DemoServer,
                                                        failure: Callable[[], Exception]) -> None:
    steps = Steps(fail=failure)
    with icr.Icr.demo() as ehr, ehr.open_session(gp_token()) as session:
        with session.fetch_record(server.directory(), settings(), steps) as record:
            outcomes = record.fetch_outcomes()
            assert_demo_outcomes(outcomes)
            assert_started_and_done(steps, outcomes)


def test_an_invalid_directory_is_invalid_input() -> None:
    with icr.Icr.demo() as ehr, ehr.open_session(gp_token()) as session:
        for directory in ("not json", '{"sources": 3}'):
            with pytest.raises(icr.IcrError.InvalidInput):
                session.fetch_record(directory, settings())
            with pytest.raises(icr.IcrError.InvalidInput):
                session.fetch_summary(directory)
