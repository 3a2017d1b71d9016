"""``export`` and ``verify`` from the command line: files, exit codes, one-line errors."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from alexnet_core.arch.build import build_model
from alexnet_core.cli import main
from alexnet_core.export.checks import parity_bound
from alexnet_core.spec import presets


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """torchvision at its default 224 px, dynamic batch, written once by the CLI."""
    out = tmp_path_factory.mktemp("onnx") / "alexnet.onnx"
    assert main(["export", "--variant", "torchvision", "--dynamic-batch", "--seed", "3", "--out", str(out)]) == 0
    return out


def test_export_writes_a_checked_file_that_matches_pytorch(exported, capsys):
    data = exported.read_bytes()
    assert main(["verify", str(exported), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] and report["sha256"] == hashlib.sha256(data).hexdigest()
    assert report["size_bytes"] == len(data)
    assert report["output_shape"] == ["batch", 1000] and report["max_abs_diff"] <= report["parity_bound"]
    assert report["initializer_elements"] == report["param_count"] == presets.get("torchvision").expected_params
    # The file holds the seeded weights: onnxruntime reproduces build_model(seed=3) on two images.
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        want = build_model(presets.get("torchvision").spec, seed=3).eval()(x).numpy()
    got = ort.InferenceSession(data, providers=["CPUExecutionProvider"]).run(None, {"input": x.numpy()})[0]
    assert np.abs(got - want).max() <= parity_bound(want)


def flip(data: bytes, at: int) -> bytes:
    broken = bytearray(data)
    broken[at] ^= 0xFF
    return bytes(broken)


def test_verify_rejects_a_corrupted_byte_with_one_clear_line(exported, tmp_path):
    data = exported.read_bytes()
    weight = onnx.load_from_string(data).graph.initializer[-2].raw_data  # classifier.6.weight
    cases = {
        "weight": (flip(data, data.find(weight[4000:4064]) + 10), "corrupted"),
        "header": (flip(data, 40), "corrupted"),
        "truncated": (data[: len(data) // 2], "not a readable ONNX file"),
    }
    for name, (bad, words) in cases.items():
        path = tmp_path / f"{name}.onnx"
        path.write_bytes(bad)
        proc = subprocess.run([sys.executable, "-m", "alexnet_core", "verify", str(path)], capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode in (1, 2), name
        assert "Traceback" not in proc.stderr + proc.stdout, name
        err = proc.stderr.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and words in err[0], (name, proc.stderr)
        assert "FAIL" in proc.stdout


def test_user_errors_exit_2_with_one_line(tmp_path, capsys):
    assert main(["verify", str(tmp_path / "missing.onnx")]) == 2
    assert capsys.readouterr().err.strip() == f"error: no file at {tmp_path / 'missing.onnx'}"
    out = str(tmp_path / "x.onnx")
    assert main(["export", "--variant", "unpadded_classic", "--input-size", "224", "--out", out]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "227–258 px" in err[0]
    assert main(["export", "--variant", "small_input", "--opset", "10", "--out", str(tmp_path / "x.onnx")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "opset 10" in err[0]
    assert not (tmp_path / "x.onnx").exists()
