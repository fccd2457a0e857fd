"""Browser tests: Debian's Chromium driven by Playwright, against a real daphne process serving
this run's test database (SQLite file or PostgreSQL) and, when REDIS_URL is set, this run's Redis
key prefix. No browser is ever downloaded: without a `chromium` binary the tests skip (and the
REQUIRE_SERVICES=1 run turns those skips into a failure)."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Slow enough that a reply visibly streams (and can be stopped) in a test, fast enough to be quick.
WORD_DELAY_SECONDS = "0.05"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("browser") and not CHROMIUM:
            item.add_marker(pytest.mark.skip(reason="needs Chromium (apt-get install chromium)"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"daphne exited early:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"daphne is not listening on {port}:\n{log.read_text()}")


def _server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH"}}
    db = settings.DATABASES["default"]
    if settings.IS_POSTGRES:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        env["SQLITE_PATH"] = str(db["NAME"])
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
        env["REDIS_KEY_PREFIX"] = settings.TEST_RUN_PREFIX
    env.update(
        DJANGO_SETTINGS_MODULE="chatstudio.settings",
        DEBUG="1",
        LOCAL_MODEL_WORD_DELAY=WORD_DELAY_SECONDS,
        # One browser signs up many users from 127.0.0.1; the limits are tested elsewhere.
        THROTTLE_DEFAULT="10000/min",
        THROTTLE_READ="10000/min",
        THROTTLE_CREATE="10000/min",
        THROTTLE_CHAT="10000/min",
        THROTTLE_AUTH="10000/min",
        THROTTLE_LOGIN="10000/min",
    )
    return env


@pytest.fixture(scope="module")
def console_server(django_db_setup, tmp_path_factory):
    """The base URL of a daphne process serving the app on 127.0.0.1 (stopped before the test
    database is dropped)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("daphne") / "daphne.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "realtime.serve", "-b", "127.0.0.1", "-p", str(port), "chatstudio.asgi:application"],
            cwd=ROOT,
            env=_server_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(port, proc, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop marked running on this thread, so Django's
    # async-safety check would refuse the tests' own (synchronous) queries and the flush after
    # each test. Nothing here runs ORM code inside a coroutine; lift the check while it lives.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Screens:
    """Saves a screenshot of each view into CONSOLE_SCREENSHOTS_DIR (default `screenshots/`)."""

    def __init__(self, test_name: str):
        self.dir = Path(os.environ.get("CONSOLE_SCREENSHOTS_DIR") or ROOT / "screenshots")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", test_name).strip("-")

    def save(self, page, view: str) -> Path:
        path = self.dir / f"{self.prefix}--{view}.png"
        page.screenshot(path=str(path))
        return path


@pytest.fixture
def screens(request) -> Screens:
    return Screens(request.node.name)


@pytest.fixture
def new_page(browser, console_server):
    """Opens a page in a fresh browser context (its own sessionStorage: one signed-in user each),
    failing the test on any JavaScript error or dialog."""
    contexts = []

    def open_page(width: int = 1280, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=console_server)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.errors, page.console_errors, page.dialogs = [], [], []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))

        def on_dialog(dialog):
            page.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return page

    yield open_page
    for context in contexts:
        context.close()
