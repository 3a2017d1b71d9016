"""The network as PyTorch code from the browser: an Architecture deep link on a fresh server, the download
button gives one .py file that runs on its own and prints the spec's output shape."""

import subprocess
import sys

import pytest

from tests.e2e import harness
from ui import downloads

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]


def test_the_code_download_runs_alone(tmp_path):
    with harness.streamlit_server() as url, harness.browser_page() as page:
        page.goto(f"{url}/architecture?variant=paper2012&size=227")
        page.wait_for_selector(".ax-table")
        harness.wait_idle(page)
        page.get_by_text("Files: CSV, model card, PyTorch code").click()  # drawn only while open
        with page.expect_download() as info:
            page.get_by_role("button", name=downloads.LABEL).click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        assert page.locator("[data-testid='stException']").count() == 0
    assert path.suffix == ".py"
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stderr
    assert "1000" in out.stdout  # (1, 1000): the paper's 1000 classes
