"""Hypothesis through the page: any combination of conv1/pool1 control values and input size either
renders a table that matches a real forward pass, or shows the collapse message (never a traceback)."""

from __future__ import annotations

import torch
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as hst

from alexnet_core.arch.build import build_model
from alexnet_core.arch.shapes import ShapeError, trace
from alexnet_core.spec import presets, url
from tests.helpers import app_test, forward_shapes, html_tables, set_dial

CONTROLS = hst.fixed_dictionaries({
    "lab_0_k": hst.integers(1, 31), "lab_0_s": hst.integers(1, 16), "lab_0_p": hst.integers(0, 32),
    "lab_0_pool": hst.booleans(), "lab_0_pk": hst.integers(1, 6), "lab_0_ps": hst.integers(1, 4),
})


@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.generate],  # shrinking AppTests is slow
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(controls=CONTROLS, size=hst.integers(16, 256))
@example(controls={"lab_0_k": 1, "lab_0_s": 1, "lab_0_p": 0, "lab_0_pool": False, "lab_0_pk": 1, "lab_0_ps": 1},
         size=16)
def test_any_control_values_give_a_real_table_or_the_message(controls, size):
    at = app_test("pages/layer_lab.py", {"variant": "torchvision", "size": str(size)})
    at.session_state["lab_more"] = True  # the pooling controls sit under "More"
    at.run()
    kinds = {"lab_0_pool": "checkbox", "lab_0_pk": "number_input", "lab_0_ps": "number_input"}
    for key, value in controls.items():
        if key in ("lab_0_pk", "lab_0_ps") and not at.checkbox(key="lab_0_pool").value:
            continue  # disabled while max-pool is off
        if key in kinds:
            getattr(at, kinds[key])(key=key).set_value(value).run()  # fresh element list after every run
        else:  # kernel, stride, padding: the dials (ui/lab/dials.py)
            set_dial(at, 0, key.rsplit("_", 1)[1], value)
        assert not at.exception, at.exception
    token = at.query_params.get("spec")
    spec = url.decode(token[0] if isinstance(token, list) else token) if token else presets.get(
        "torchvision").spec
    try:
        trace(spec, size)
    except ShapeError as err:
        assert "lab" not in html_tables(at)
        assert f"{err.layer} collapses" in at.error[0].value or "classifier expects" in at.error[0].value
        return
    df = html_tables(at)["lab"]
    model = build_model(spec, device="meta")
    real = forward_shapes(model, torch.zeros(1, spec.in_channels, size, size, device="meta"))
    assert list(df["output"]) == ["×".join(map(str, s)) for _, s in real]
    assert list(df["layer"]) == [label for label, _ in real]
