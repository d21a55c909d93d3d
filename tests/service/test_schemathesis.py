"""Schemathesis against the app's own OpenAPI schema: no 5xx, responses conform.

The app runs for real (model loaded, SQLite store in a temp dir) with one clinic key;
Schemathesis generates valid and invalid requests for every operation from the schema.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from service.app import create_app
from service.settings import Settings
from service.store import Store

_DATA = Path(tempfile.mkdtemp(prefix="solescan-schemathesis-"))
atexit.register(shutil.rmtree, _DATA, ignore_errors=True)
_SETTINGS = Settings(data_dir=_DATA, host="127.0.0.1", max_pending_analyses=64)
_store = Store.open(_SETTINGS.resolved_database_url)
KEY, _ = _store.create_key("schemathesis")
_store.close()

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_SETTINGS))


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    # Every default check runs (no 5xx; documented statuses, content types, headers and
    # response schemas; invalid input refused; auth enforced) except "schema-valid input
    # is accepted": random bytes are schema-valid for `image` yet not a photo (415/422),
    # and cursors and foot indices have rules JSON Schema cannot express.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {KEY}"}, excluded_checks=[positive_data_acceptance]
    )
