"""The house's rules, checked on the source: what each layer may load, and no import cycles."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "alexnet_core"
SUBPACKAGES = sorted(p.name for p in CORE.iterdir() if (p / "__init__.py").exists())
TORCH_FREE = ["alexnet_core.spec", "alexnet_core.spec.types", "alexnet_core.spec.parse", "alexnet_core.spec.url",
              "alexnet_core.spec.presets", "alexnet_core.arch.plan", "alexnet_core.arch.shapes",
              "alexnet_core.arch.table", "alexnet_core.arch.budget", "alexnet_core.arch.fixes",
              "alexnet_core.arch.explain"]


def _modules(package: Path, prefix: str) -> list[str]:
    out = []
    for f in sorted(package.rglob("*.py")):
        parts = f.relative_to(package).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        name = ".".join((prefix, *parts[:-1])) if parts[-1] == "__init__" else ".".join((prefix, *parts))
        out.append(name)
    return out


def _loaded_after_import(modules: list[str]) -> set[str]:
    """sys.modules of a fresh interpreter after importing ``modules`` (nothing else of ours is loaded)."""
    code = ("import importlib, json, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_the_tree_has_the_subpackages_the_readme_names():
    assert {"spec", "arch", "weights", "inside", "training", "export", "figures", "cli"} <= set(SUBPACKAGES)
    flat = sorted(p.name for p in CORE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert flat == ["format.py", "paths.py"], "a core module belongs in the subpackage of its concern"


@pytest.mark.parametrize("sub", SUBPACKAGES)
def test_no_core_subpackage_loads_streamlit(sub):
    loaded = _loaded_after_import(_modules(CORE / sub, f"alexnet_core.{sub}"))
    assert not {m for m in loaded if m == "streamlit" or m.startswith("streamlit.")}


def test_spec_and_the_arithmetic_table_load_neither_torch_nor_torchinfo():
    loaded = _loaded_after_import(TORCH_FREE)
    assert "torch" not in loaded and "torchinfo" not in loaded


def _imports(path: Path, own: set[str], name: str) -> set[str]:
    """Every module of ours that ``path`` imports, at module level or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m in own and m != name}


def test_no_two_modules_import_each_other():
    files = {}
    for pkg in ("alexnet_core", "ui"):
        for name, f in zip(_modules(ROOT / pkg, pkg), _paths(ROOT / pkg), strict=True):
            files[name] = f
    own = set(files)
    graph = {name: _imports(f, own, name) for name, f in files.items()}
    # A package's __init__ is imported on the way to its modules: edges to a parent package do not count.
    pairs = sorted({tuple(sorted((a, b))) for a, deps in graph.items() for b in deps
                    if a in graph.get(b, ()) and not (a.startswith(b + ".") or b.startswith(a + "."))})
    assert not pairs, f"modules importing each other: {pairs}"


def _paths(package: Path) -> list[Path]:
    return [f for f in sorted(package.rglob("*.py")) if f.stem != "__main__"]


def test_pages_reach_the_core_only_through_public_modules():
    # A page is thin: widgets -> ui/ and alexnet_core -> render. It never imports torch itself.
    for page in sorted((ROOT / "pages").glob("*.py")):
        tree = ast.parse(page.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {n for n in names if n == "torch" or n.startswith("torch.")}, page.name
