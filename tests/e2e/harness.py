"""A real `streamlit run app.py` on a free localhost port, and Debian's chromium via Playwright.

Follows Streamlit's own e2e habits: wait for /_stcore/health, then for the app to
be connected, idle and free of skeletons before asserting anything.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
SCREENSHOTS = ROOT / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(env: dict[str, str] | None = None, timeout: float = 90.0, cwd: Path = ROOT,
                     extra_args: list[str] | None = None) -> Iterator[str]:
    """``cwd``: the tree whose app.py runs (benchmarks point it at an older commit's worktree)."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *(extra_args or [])]
    log = open(os.devnull, "wb")
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=log, stderr=log,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("streamlit did not become healthy")
        yield url
    finally:
        # The whole group: a training worker the app spawned outlives the app by design (it serves the
        # runs folder), and a test's must not go on loading the machine after its server is gone.
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
        log.close()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)  # start_new_session=True made the server its group's leader
    except ProcessLookupError:
        pass


FAKE_CAMERA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]  # a test pattern, no prompt


@contextmanager
def browser_page(width: int = 1400, height: int = 1000, extra_args: tuple[str, ...] | list[str] = ()) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args], headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def wait_idle(page: object, timeout_ms: int = 60_000) -> None:
    """Connected, not running, no skeletons: the app has finished this rerun."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => {
            const app = document.querySelector("[data-testid='stApp']");
            if (!app) return false;
            const running = document.querySelector("[data-testid='stStatusWidget'] button, "
                + "[data-testid='stStatusWidget'] [class*='Running']");
            const skeleton = document.querySelector("[data-testid='stSkeleton']");
            return app.getAttribute('data-test-connection-state') === 'CONNECTED'
                && app.getAttribute('data-test-script-state') !== 'running' && !running && !skeleton;
        }""",
        timeout=timeout_ms,
    )


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def browser_available() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists()
