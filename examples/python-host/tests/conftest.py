"""The host's own modules (`fhir_server`, beside host.py) are importable from the tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
