"""The command line, run as users run it: a subprocess, exit codes, stdout, stderr."""

import json
import subprocess
import sys

import pytest

from alexnet_core.cli import main
from alexnet_core.spec import presets


def run(*args):
    return subprocess.run([sys.executable, "-m", "alexnet_core", *args], capture_output=True, text=True, timeout=120)


def test_variants_json_lists_every_preset(capsys):
    assert main(["variants", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == presets.ids()
    assert rows[0]["params"] == 60_965_224


def test_summary_json_has_the_documented_keys(capsys):
    assert main(["summary", "--variant", "torchvision", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"variant", "input_shape", "total_params", "trainable_params", "mult_adds", "layers"} <= set(out)
    assert out["input_shape"] == [1, 3, 224, 224]
    assert out["total_params"] == out["trainable_params"] == 61_100_840
    first = out["layers"][0]
    assert {"name", "type", "output_shape", "params", "mult_adds", "receptive_field"} <= set(first)
    assert first["name"] == "conv1" and first["output_shape"] == [1, 64, 55, 55]
    assert out["layers"][-1]["output_shape"] == [1, 1000]
    assert sum(layer["params"] for layer in out["layers"]) == out["total_params"]


def test_summary_overrides(capsys):
    assert main(["summary", "--variant", "small_input", "--input-size", "64x80", "--in-channels", "3",
                 "--num-classes", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["input_shape"] == [1, 3, 64, 80] and out["layers"][-1]["output_shape"] == [1, 100]


def test_summary_from_a_spec_file(tmp_path, capsys):
    path = tmp_path / "net.json"
    path.write_text(presets.get("paper2012").spec.to_json())
    assert main(["summary", "--spec", str(path), "--input-size", "227", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_params"] == 60_965_224


def test_text_summary_prints_the_table():
    r = run("summary", "--variant", "paper2012")
    assert r.returncode == 0, r.stderr
    assert "conv1" in r.stdout and "60,965,224" in r.stdout


@pytest.mark.parametrize("args,needle", [
    (["summary", "--variant", "unpadded_classic", "--input-size", "224"], "accepts 227–258 px"),
    (["summary", "--variant", "nope"], "no variant 'nope'"),
    (["summary", "--input-size", "12x"], "input size must be"),
    (["summary", "--num-classes", "0"], "num_classes"),
    (["summary", "--spec", "/nonexistent.json"], "nonexistent"),
    (["frobnicate"], "invalid choice"),
    (["train", "--train-limit", "0"], "train_limit must be between 1"),  # was a ZeroDivisionError
    (["train", "--train-limit", "-1"], "train_limit must be between 1"),  # was accepted
    (["train", "--seed", str(2**70)], "seed must be a whole number"),  # was "Overflow when unpacking long long"
    (["export", "--checkpoint", "", "--out", "{tmp}/never.onnx"], "choose a checkpoint"),  # not random weights
    (["summary", "--input-size", "20000"], "over the budget"),
    (["summary", "--spec", "/tmp"], "is not a spec file"),  # a directory
    (["summary", "--spec", "/dev/zero"], "is not a spec file"),  # a device that reads without end
])
def test_bad_requests_exit_2_with_one_line(args, needle, tmp_path):
    r = run(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert r.returncode == 2
    assert needle in r.stderr
    assert r.stderr.strip().count("\n") == 0 and "Traceback" not in r.stderr
    assert not (tmp_path / "never.onnx").exists()


# Runs the CLI, then prints its own peak RSS. VmHWM belongs to the process's memory since its exec; the rusage
# maxrss a parent reads also keeps the pre-exec peak, which is the forking parent's (2.6 GB under the full suite).
PEAK_AFTER = """
import runpy, sys
sys.argv = ["alexnet_core"] + sys.argv[1:]
try:
    runpy.run_module("alexnet_core", run_name="__main__", alter_sys=True)
finally:
    print(next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1])
"""


def test_a_huge_summary_size_is_refused_before_its_input_is_allocated():
    """At 20,000 px one float32 RGB input alone is 4.8 GB: the refusal must come with no such tensor made."""
    r = subprocess.run([sys.executable, "-c", PEAK_AFTER, "summary", "--input-size", "20000"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "over the budget" in r.stderr
    peak_kb = int(r.stdout.split()[-1])
    assert peak_kb * 1024 < 20_000 * 20_000 * 3 * 4 / 2  # this process's peak RSS under half the input
