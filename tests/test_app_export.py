"""AppTest of the Export page, run on its own as a deep link runs it."""

from __future__ import annotations

import hashlib

from alexnet_core.export.run import export_and_check
from alexnet_core.spec import presets
from alexnet_core.weights.source import WeightsSource
from tests.helpers import app_test


def test_export_page_checks_then_offers_the_file():
    at = app_test("pages/export.py", {"variant": "small_input", "size": "64"})
    assert not at.exception
    assert not at.get("download_button")  # nothing offered before an export
    at.button(key="exp_run").click().run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    parity = next(m for m in at.metric if m.label == "Max |ORT − PyTorch|")
    assert float(parity.value) <= float(parity.help.split()[3])  # the bound the page states
    assert metrics["Weights in the file"] == f"{presets.get('small_input').expected_params:,}"
    table = at.dataframe[0].value
    assert list(table["check"]) == ["onnx.checker", "content digest", "shape inference", "onnxruntime parity",
                                    "initializers"]
    assert list(table["result"]) == ["pass"] * 5
    assert len(at.get("download_button")) == 1
    # The SHA-256 shown is the file's: the same export outside the app hashes the same.
    same = export_and_check(presets.get("small_input").spec, (64, 64), weights=WeightsSource())
    assert at.code[0].value == hashlib.sha256(same.data).hexdigest()
    nodes = at.dataframe[1].value
    assert list(nodes["op"]).count("Conv") == 5 and nodes["output shape"].iloc[-1] == "1×10"

    at.checkbox(key="exp_dynamic").check().run()  # new settings: the old file is not offered for them
    assert not at.get("download_button") and "Press **Export and check**" in " ".join(c.value for c in at.caption)


def test_export_page_says_why_an_export_cannot_happen():
    at = app_test("pages/export.py", {"variant": "unpadded_classic", "size": "224"})
    at.button(key="exp_run").click().run()
    assert not at.exception
    assert "227–258 px" in at.error[0].value
    at.radio(key="exp_weights").set_value("checkpoint").run()
    assert not at.exception and "No checkpoints yet" in at.info[0].value
