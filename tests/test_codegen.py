"""The network as PyTorch code: the generated file needs torch alone, has the app's modules and
state_dict keys, takes the app's weights with strict=True, computes the same outputs, and its
shape comments are what a real forward pass gives."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from torch import nn

from alexnet_core.arch.build import build_model
from alexnet_core.arch.codegen import CLASS_NAME, code_filename, generate_code
from alexnet_core.arch.shapes import ShapeError, trace, valid_range
from alexnet_core.cli import main
from alexnet_core.spec import presets
from alexnet_core.spec.types import ArchSpec, InitScheme, Pool
from alexnet_core.weights.checkpoint import save_checkpoint
from tests.lab_strategies import lab_specs

ROOT = Path(__file__).resolve().parents[1]
COMMENT = re.compile(r"^\s+(?:self\.\w+ = )?nn\.\w+\(.*\),?  # (\w+): ([\d×]+)$")


def _size(variant: presets.Variant) -> int:
    return 64 if variant.spec.adaptive_pool else variant.input_size  # small where the spec allows it


def generated_class(code: str) -> type[nn.Module]:
    ns: dict = {"__name__": "generated"}
    exec(compile(code, "generated.py", "exec"), ns)
    return ns[CLASS_NAME]


def build_generated(code: str, *, seed: int = 0, device: str | None = None) -> nn.Module:
    cls = generated_class(code)
    if device == "meta":
        with torch.device("meta"):
            return cls()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return cls()


def comment_shapes(code: str) -> list[tuple[str, tuple[int, ...]]]:
    return [(m[1], tuple(int(d) for d in m[2].split("×"))) for line in code.splitlines() if (m := COMMENT.match(line))]


def hooked(model: nn.Module, seen: list[tuple[int, ...]]) -> nn.Module:
    """The model, recording every layer's output shape (without batch) into ``seen`` in forward order."""
    leaves = [m for name, m in model.named_modules() if name and not list(m.children()) and not isinstance(m, nn.Identity)]
    for m in leaves:
        m.register_forward_hook(lambda m, i, o: seen.append(tuple(o.shape[1:])))
    return model


def bound(ref: torch.Tensor) -> float:
    return 1e-5 * (1.0 + ref.abs().max().item())


def assert_same_structure(gen: nn.Module, app: nn.Module) -> None:
    assert repr(gen) == repr(app)  # every layer and every hyperparameter
    assert {k: v.shape for k, v in gen.state_dict().items()} == {k: v.shape for k, v in app.state_dict().items()}
    assert list(gen.state_dict()) == list(app.state_dict())


def assert_matches_app(spec: ArchSpec, size: int, code: str) -> None:
    """Seeded init equals the app's, the app's weights load strictly, outputs and comments agree."""
    app, gen = build_model(spec, seed=1).eval(), build_generated(code, seed=1).eval()
    assert all(torch.equal(a, b) for a, b in zip(app.state_dict().values(), gen.state_dict().values(), strict=True))
    gen.load_state_dict(app.state_dict(), strict=True)
    x = torch.randn(1, spec.in_channels, size, size, generator=torch.Generator().manual_seed(3))
    seen: list[tuple[int, ...]] = []
    with torch.no_grad():
        ref, out = app(x), hooked(gen, seen)(x)
    torch.testing.assert_close(out, ref, rtol=0.0, atol=bound(ref))
    comments = comment_shapes(code)
    assert [c[1] for c in comments] == seen  # the comments are what a real forward pass gives
    assert [c[0] for c in comments] == [r.label for r in trace(spec, size)]


def imports(code: str) -> set[str]:
    tree = ast.parse(code)
    found = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return found | {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}


@pytest.mark.parametrize("vid", presets.ids())
def test_every_preset_has_the_apps_modules_keys_and_shapes(vid):
    variant = presets.get(vid)
    code = generate_code(variant.spec, variant.input_size)
    assert imports(code) == {"torch"}
    assert_same_structure(build_generated(code, device="meta"), build_model(variant.spec, device="meta"))
    assert comment_shapes(code) == [(r.label, r.out_shape) for r in trace(variant.spec, variant.input_size)]
    assert f"torch.randn(1, {variant.in_channels}, {variant.input_size}, {variant.input_size})" in code


def test_the_paper_file_reads_like_the_table():
    code = generate_code(presets.get("paper2012").spec, 227)
    assert "nn.Conv2d(3, 96, kernel_size=11, stride=4),  # conv1: 96×55×55" in code
    assert "nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=2),  # conv2: 256×27×27" in code
    assert "# pool5: 256×6×6" in code and "def init_weights" in code


def test_torchvisions_weights_load_strictly():
    tv = pytest.importorskip("torchvision")
    code = generate_code(presets.get("torchvision").spec, 224)
    with torch.device("meta"):
        state = tv.models.alexnet(weights=None).state_dict()
    build_generated(code, device="meta").load_state_dict(state, strict=True, assign=True)


@pytest.mark.parametrize(("vid", "size"), [("paper2012", 227), ("batchnorm", 224), ("small_input", 64)])
def test_real_presets_match_the_app(vid, size):
    spec = presets.get(vid).spec
    assert_matches_app(spec, size, generate_code(spec, size))


@st.composite
def specs_and_sizes(draw) -> tuple[ArchSpec, int]:  # type: ignore[no-untyped-def]
    """Lab specs plus what the Lab strategies leave out: dilation, pool padding and ceil_mode, init."""
    spec = draw(lab_specs())
    convs = []
    for c in spec.convs:
        pool = c.pool
        if pool is not None:
            pool = Pool(pool.kernel, pool.stride, draw(st.integers(0, pool.kernel // 2)), draw(st.booleans()))
        convs.append(replace(c, pool=pool, dilation=draw(st.sampled_from([1, 1, 2, 3]))))
    spec = spec.with_(convs=tuple(convs), init=draw(st.sampled_from(list(InitScheme))))
    valid = valid_range(spec)
    assume(valid is not None and valid[0] <= 96)
    lo, hi = valid
    size = draw(st.integers(lo, min(hi or lo + 16, lo + 16)))
    try:
        trace(spec, size)
    except ShapeError:
        assume(False)
    return spec, size


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(specs_and_sizes())
def test_lab_specs_match_the_app(case):
    spec, size = case
    code = generate_code(spec, size)
    compile(code, "generated.py", "exec")
    assert_same_structure(build_generated(code, device="meta"), build_model(spec, device="meta"))
    assert_matches_app(spec, size, code)


def test_a_hostile_name_never_becomes_code():
    spec = presets.get("torchvision").spec.with_(name='x"""\nimport os; os.system("echo pwned")\n"""')
    code = generate_code(spec, 64)
    assert imports(code) == {"torch"}
    body = ast.parse(code).body
    assert [type(n).__name__ for n in body] == ["Expr", "Import", "ImportFrom", "ClassDef", "If"]
    assert re.fullmatch(r"alexnet_[A-Za-z0-9_.-]+\.py", code_filename(spec))


def test_generated_files_pass_ruff(tmp_path):
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    for v in presets.list_variants():
        (tmp_path / f"{v.id}.py").write_text(generate_code(v.spec, v.input_size), encoding="utf-8")
    out = subprocess.run([ruff, "check", "--isolated", "--select", "E,F,W,I,B,UP", "--line-length", "120",
                          "--target-version", "py311", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


DRIVER = """
import contextlib, importlib.util, io, json, runpy, sys
import torch
assert importlib.util.find_spec("alexnet_core") is None, "the repository is on sys.path"
results = []
for c in json.load(open(sys.argv[1])):
    torch.manual_seed(0)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), torch.device("meta" if c["meta"] else "cpu"):
        ns = runpy.run_path(c["file"], run_name="__main__")
    row = {"printed": printed.getvalue().strip(), "diff": None}
    if not c["meta"]:
        model = ns["model"]
        model.load_state_dict(torch.load(c["checkpoint"], weights_only=True)["state_dict"], strict=True)
        x, ref = torch.load(c["input"]), torch.load(c["expected"])
        with torch.no_grad():
            row["diff"] = (model(x) - ref).abs().max().item()
    results.append(row)
results.append(sorted(m for m in sys.modules if m.split(".")[0] in ("alexnet_core", "ui", "tests")))
print(json.dumps(results))
"""


@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(specs_and_sizes(), min_size=6, max_size=6))
def test_files_run_in_a_fresh_interpreter_that_has_torch_alone(tmp_path_factory, cases):
    """One isolated interpreter (-I, outside the repo) runs every file: each preset's __main__ on the
    meta device; the drawn specs for real, with the weights of an app checkpoint file, against the
    app's outputs."""
    tmp = tmp_path_factory.mktemp("code")
    jobs = [(v.spec, v.input_size, "meta") for v in presets.list_variants()]
    jobs += [(s, n, "checkpoint") for s, n in cases]
    rows, expected_shapes = [], []
    for i, (spec, size, how) in enumerate(jobs):
        (tmp / f"m{i}.py").write_text(generate_code(spec, size), encoding="utf-8")
        row = {"file": str(tmp / f"m{i}.py"), "meta": how == "meta"}
        expected_shapes.append(f"output shape: (1, {spec.num_classes})")
        if how != "meta":
            app = build_model(spec, seed=7).eval()
            x = torch.randn(2, spec.in_channels, size, size)
            with torch.no_grad():
                torch.save(app(x), tmp / f"y{i}.pt")
            torch.save(x, tmp / f"x{i}.pt")
            row |= {"input": str(tmp / f"x{i}.pt"), "expected": str(tmp / f"y{i}.pt"),
                    "checkpoint": str(save_checkpoint(tmp / f"c{i}.pt", spec, app))}
        rows.append(row)
    (tmp / "cases.json").write_text(json.dumps(rows))
    (tmp / "driver.py").write_text(DRIVER)
    out = subprocess.run([sys.executable, "-I", str(tmp / "driver.py"), str(tmp / "cases.json")],
                         cwd=tmp, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    *results, ours = json.loads(out.stdout.splitlines()[-1])
    assert ours == []
    assert [r["printed"] for r in results] == expected_shapes
    for row, r in zip(rows, results, strict=True):
        if not row["meta"]:
            ref = torch.load(row["expected"])
            assert r["diff"] <= bound(ref), (row, r)


def test_cli_writes_the_file(tmp_path, capsys):
    out = tmp_path / "alexnet_paper.py"
    assert main(["code", "--variant", "paper2012", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == generate_code(presets.get("paper2012").spec, 227)
    spec_file = tmp_path / "net.json"
    spec_file.write_text(presets.get("small_input").spec.to_json())
    assert main(["code", "--spec", str(spec_file), "--input-size", "64x80"]) == 0
    assert "torch.randn(1, 1, 64, 80)" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["code", "--variant", "unpadded_classic", "--input-size", "224"],
    ["code", "--variant", "nope"],
    ["code", "--spec", "/nonexistent/net.json"],
    ["code", "--variant", "torchvision", "--out", "/nonexistent/dir/x.py"],
])
def test_cli_bad_input_exits_2_with_one_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_cli_out_to_a_folder_exits_2(tmp_path, capsys):
    assert main(["code", "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_codegen_loads_no_torch():
    code = "import sys, alexnet_core.arch.codegen; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _download_page():  # run by AppTest in its own script: imports inside
    from alexnet_core.spec import presets
    from ui import downloads

    downloads.code_button(presets.get("paper2012").spec, 227, key="ok")
    downloads.code_button(presets.get("unpadded_classic").spec, 224, key="bad")


def test_the_download_button_is_offered_or_greyed_out_with_why():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_download_page, default_timeout=60).run()
    assert not at.exception
    ok, bad = (b.proto for b in at.get("download_button"))
    assert not ok.disabled and bad.disabled and "accepts 227–258 px" in bad.help


@pytest.mark.parametrize("path", ["pages/architecture.py", "pages/layer_lab.py"])
def test_architecture_and_the_lab_offer_the_code_download(path):
    from tests.helpers import app_test
    from ui import downloads

    at = app_test(path, {"variant": "paper2012", "size": "227"})
    assert not at.exception, at.exception
    assert not any(b.proto.label == downloads.LABEL for b in at.get("download_button"))  # folded under Files
    at.session_state["arch_files" if "architecture" in path else "lab_files"] = True
    at.run()
    button = next(b for b in at.get("download_button") if b.proto.label == downloads.LABEL)
    assert not button.proto.disabled
