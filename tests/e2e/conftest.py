"""End-to-end fixtures: the real app under uvicorn, and a real headless Chromium.

Two servers run for the whole session, each on a free loopback port with its own data
directory: one without clinic keys (the loopback-only start, every page open) and one
with a clinic key (pages need sign-in). The browser is Debian's Chromium driven by
Playwright (its own browser download is not used). Every test gets a fresh browser
context (no cookies) and fails on any script error in the page. Screenshots of each step
go to tests/.artifacts/screenshots/.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from service.launch import ServiceDidNotStart, free_port, running_service
from service.settings import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, ViewportSize

    from model.analyze import Analyzer

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "tests" / ".artifacts" / "screenshots"
CHROMIUM = Path(os.environ.get("SOLESCAN_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 375, "height": 812}


@dataclass
class Server:
    """A running solescan service."""

    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    key: str | None = None

    def api(self) -> httpx.Client:
        """A client for the JSON API, with the clinic key when there is one."""
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


@contextlib.contextmanager
def _run_server(data_dir: Path, *, with_key: bool, workers: int) -> Iterator[Server]:
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "SOLESCAN_DATA_DIR": str(data_dir),
        "SOLESCAN_HOST": "127.0.0.1",
        "SOLESCAN_PORT": str(port),
        "SOLESCAN_LOG_LEVEL": "WARNING",
        "SOLESCAN_ANALYSIS_THREADS": "1",
        # One thread per analysis: test machines are small and often busy.
        **dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1"),
    }
    env.pop("SOLESCAN_DATABASE_URL", None)
    key = None
    if with_key:
        from service.store import Store

        store = Store.open(Settings(data_dir=data_dir).resolved_database_url)
        try:
            key, _ = store.create_key("Riverside Podiatry")
        finally:
            store.close()
    log_path = data_dir / "server.log"
    # `solescan serve`, as in production: its worker processes, thread limits, start checks.
    try:
        with running_service(
            port=port, workers=workers, env=env, log_path=log_path, cwd=REPO
        ) as process:
            yield Server(f"http://127.0.0.1:{port}", data_dir, process, log_path, key)
    except ServiceDidNotStart as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The service without clinic keys: on loopback every page is the local clinic's."""
    with _run_server(tmp_path_factory.mktemp("e2e-open"), with_key=False, workers=1) as server:
        yield server


@pytest.fixture(scope="session")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The service with one clinic key: every page needs sign-in. Two worker processes, so
    a session signed in by one must hold in the other."""
    with _run_server(tmp_path_factory.mktemp("e2e-keyed"), with_key=True, workers=2) as server:
        yield server


# -- browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install it with `make browser`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # launch() gives the browser a fresh, temporary user-data directory of its own.
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@dataclass
class PageWatch:
    """What a page did that a test may check: script errors and every URL requested."""

    errors: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def page(browser: Browser, watch: PageWatch) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies), desktop-sized."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(20_000)
    new_page = context.new_page()
    new_page.on("pageerror", lambda error: watch.errors.append(str(error)))
    new_page.on(
        "console",
        lambda message: watch.errors.append(message.text) if message.type == "error" else None,
    )
    new_page.on("request", lambda request: watch.urls.append(request.url))
    # window.confirm() before a delete: accept, as the person at the desk would.
    new_page.on("dialog", lambda dialog: dialog.accept())
    yield new_page
    context.close()
    # An expected 4xx fragment logs "Failed to load resource" in the console; scripts
    # must not fail.
    script_errors = [e for e in watch.errors if "Failed to load resource" not in e]
    assert not script_errors, script_errors


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def shot(page: Page, screenshot_dir: Path, request: pytest.FixtureRequest) -> Callable[..., Path]:
    """shot("step") saves a full-page screenshot named after the test and the step."""
    test = re.sub(r"[^A-Za-z0-9_]+", "-", request.node.name).strip("-")
    counter = iter(range(1, 100))

    def take(step: str, *, target: Page | None = None) -> Path:
        path = screenshot_dir / f"{test}-{next(counter):02d}-{step}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return take


# -- photos --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """The model the servers serve (to pick synthetic photos it analyses)."""
    from model.analyze import load_analyzer

    return load_analyzer(Settings().model_path)


@pytest.fixture(scope="session", autouse=True)
def _one_thread() -> Iterator[None]:
    # As `solescan serve` does for its workers: the model's OpenMP predictions are far
    # slower with a thread per core on a busy machine than with one thread.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def _render(seed: int, view: str, n_feet: int) -> bytes:
    from model.synth.render import render_photo

    feet = None if view == "negative" else n_feet
    return render_photo(seed, view=view, n_feet=feet, megapixels=0.5, fmt="jpeg").data


def _analysed(
    analyzer: Analyzer, seeds: range, view: str, n_feet: int, *, candidates: int = 1
) -> bytes:
    """A photo the model analyses as ``n_feet`` feet; of the first ``candidates`` such
    photos, the one whose soles are largest in the frame (the clearest to look at)."""
    from model.errors import SolescanError

    found: list[tuple[float, bytes]] = []
    for seed in seeds:
        data = _render(seed, view, n_feet)
        try:
            result = analyzer.analyze(data)
        except SolescanError:
            continue
        if len(result.feet) == n_feet:
            size = min(foot.metrics["quality_object_px"] for foot in result.feet)
            found.append((size, data))
            if len(found) == candidates:
                break
    if not found:
        pytest.fail(f"the model rejected every synthetic {view} photo with {n_feet} feet")
    return max(found, key=lambda item: item[0])[1]


@pytest.fixture(scope="session")
def photo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("photos")


@pytest.fixture(scope="session")
def sole_photo(analyzer: Analyzer, photo_dir: Path) -> Path:
    """A synthetic outsole photo (one shoe) that the model analyses."""
    path = photo_dir / "shoe.jpg"
    path.write_bytes(_analysed(analyzer, range(100, 140), "outsole", 1, candidates=4))
    return path


@pytest.fixture(scope="session")
def insole_photo(analyzer: Analyzer, photo_dir: Path) -> Path:
    """A synthetic photo of one insole that the model analyses."""
    path = photo_dir / "insole.jpg"
    path.write_bytes(_analysed(analyzer, range(400, 440), "insole", 1))
    return path


@pytest.fixture(scope="session")
def pair_photo(analyzer: Analyzer, photo_dir: Path) -> Path:
    """A synthetic photo of a pair of outsoles that the model analyses as two feet."""
    path = photo_dir / "pair.jpg"
    path.write_bytes(_analysed(analyzer, range(200, 260), "outsole", 2))
    return path


@pytest.fixture(scope="session")
def no_sole_photo(analyzer: Analyzer, photo_dir: Path) -> Path:
    """A synthetic photo with no sole in it (the top of a shoe, a floor, clutter)."""
    from model.errors import NoSoleFound

    for seed in range(300, 340):
        data = _render(seed, "negative", 0)
        try:
            analyzer.analyze(data)
        except NoSoleFound:
            path = photo_dir / "not-a-sole.jpg"
            path.write_bytes(data)
            return path
        except Exception:
            continue
    pytest.fail("no synthetic negative photo was rejected with no_sole_found")


@pytest.fixture(scope="session")
def text_file(photo_dir: Path) -> Path:
    path = photo_dir / "notes.txt"
    path.write_text("Patient notes: left heel pain after running.\n")
    return path


def copy_to(path: Path, directory: Path, name: str) -> Path:
    """``path`` under another name (the page lists photos by file name)."""
    target = directory / name
    shutil.copyfile(path, target)
    return target
