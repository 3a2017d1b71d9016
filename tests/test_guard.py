"""The classroom limits agree with the server's config, and the guard's ledger and byte-bounded cache hold."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from alexnet_core.guard import limits

ROOT = Path(__file__).resolve().parents[1]


def test_the_servers_config_and_the_limits_agree():
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert server["maxUploadSize"] == limits.SERVER_UPLOAD_MB
    assert server["enableXsrfProtection"] is True
    for per_widget in (limits.UPLOAD_IMAGE_MB, limits.UPLOAD_WEIGHTS_MB, limits.UPLOAD_SPEC_MB):
        assert 0 < per_widget <= limits.SERVER_UPLOAD_MB  # a widget cannot take more than the server does


def test_the_readme_promises_the_upload_caps_that_hold():
    readme = (ROOT / "README.md").read_text()
    assert f"state_dict (≤ {limits.UPLOAD_WEIGHTS_MB} MB" in readme
    promised = {int(mb) for mb in re.findall(r"state_dict[^.]{0,40}?≤ (\d+) MB", readme)}
    assert promised == {limits.UPLOAD_WEIGHTS_MB}

