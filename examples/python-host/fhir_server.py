"""The project's FHIR test server (tests/fhir-server) serving the demo patient's five
sources on loopback, for the host's fetch and its tests: a third-party FHIR server
(Medplum's router) that answers as the organisations would, the out-of-hours service
never answering (`--hang Y9OOH`).

    with DemoServer() as server:
        record = session.fetch_record(server.directory(), settings)

The server runs with its stdin a pipe: it stops when the pipe closes, so also when this
process dies. Needs node; runs `npm ci` in tests/fhir-server when its packages are missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Dict, List, Optional, Type

ROOT = Path(__file__).resolve().parents[2]
SERVER_DIR = ROOT / "tests" / "fhir-server"
DEMO_DIR = ROOT / "icr-core" / "demo"
DEMO_BASE = "http://127.0.0.1:8790"
# The NHS number of the demo patient, and another valid one (modulus 11) for a GP Connect
# record of someone else.
DEMO_NHS = "9990000026"
OTHER_NHS = "9434765919"
HANGING = "Y9OOH"
WRONG_PATIENT = "WRONG"


class DemoServer:
    """The demo's five sources, `Y9OOH` hanging; with `wrong_patient`, also a GP Connect
    provider at `/WRONG` answering another patient's record whoever is asked for."""

    def __init__(self, wrong_patient: bool = False) -> None:
        self._wrong_patient = wrong_patient
        self._tmp: Optional[tempfile.TemporaryDirectory[str]] = None
        self._process: Optional[subprocess.Popen[str]] = None
        self.base = ""

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(self, _type: Optional[Type[BaseException]], _exc: Optional[BaseException],
                 _tb: Optional[TracebackType]) -> None:
        self.stop()

    def start(self) -> None:
        if shutil.which("node") is None:
            raise RuntimeError("node is needed for the FHIR test server")
        if not (SERVER_DIR / "node_modules").is_dir():
            subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=SERVER_DIR, check=True)
        args = ["node", str(SERVER_DIR / "fhir-server.mjs"), "--demo", "--port", "0", "--hang", HANGING]
        if self._wrong_patient:
            self._tmp = tempfile.TemporaryDirectory(prefix="icr-wrong-patient-")
            other = Path(self._tmp.name) / "other-patient.gpconnect-stu3.json"
            text = (DEMO_DIR / "gp-practice.gpconnect-stu3.json").read_text(encoding="utf-8")
            assert DEMO_NHS in text
            other.write_text(text.replace(DEMO_NHS, OTHER_NHS), encoding="utf-8")
            args += ["--any-patient", f"{WRONG_PATIENT}={other}"]
        self._process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        # A server that never says it is listening is stopped after a minute.
        timer = threading.Timer(60, self._process.kill)
        timer.start()
        try:
            assert self._process.stdout is not None
            for line in self._process.stdout:
                if line.startswith("listening "):
                    self.base = line.split()[1].rstrip("/")
                    break
        finally:
            timer.cancel()
        if not self.base:
            self.stop()
            raise RuntimeError("the FHIR test server did not start")

    def stop(self) -> None:
        if self._process is not None:
            if self._process.stdin is not None:
                self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def directory(self, base_urls: Optional[Dict[str, str]] = None) -> str:
        """icr-core/demo/directory.json with this server's address, and each source in
        `base_urls` (ODS code to path under the server, e.g. `{"Y90001": "/WRONG"}`)
        moved. The out-of-hours source's bearer token is dropped, so that the SDK asks it
        (and it hangs) rather than skipping it for want of a token."""
        doc = json.loads((DEMO_DIR / "directory.json").read_text(encoding="utf-8"))
        sources: List[Dict[str, object]] = doc["sources"]
        for source in sources:
            source["base_url"] = str(source["base_url"]).replace(DEMO_BASE, self.base)
            source.pop("bearer_token_env", None)
            moved = (base_urls or {}).get(str(source["ods_code"]))
            if moved is not None:
                source["base_url"] = self.base + moved
        return json.dumps(doc)

