"""The classroom limits agree with the server's config, and the guard's ledger and byte-bounded cache hold."""

from __future__ import annotations

import re
import threading
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from alexnet_core.arch.budget import BudgetError
from alexnet_core.guard import limits
from alexnet_core.guard.memory import ByteCache, Ledger, size_of

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


def test_the_ledger_holds_at_most_its_cap_and_gives_back_what_it_held():
    ledger = Ledger(cap=100)
    with ledger.hold(60):
        assert ledger.held == 60
        with pytest.raises(BudgetError, match="the server is busy"):
            with ledger.hold(41):
                pass
        assert ledger.held == 60  # a refusal holds nothing
        with ledger.hold(40):
            assert ledger.held == 100
    assert ledger.held == 0
    with pytest.raises(RuntimeError):
        with ledger.hold(70):
            raise RuntimeError("the work failed")
    assert ledger.held == 0  # a failure gives back too


def test_the_ledger_cap_holds_across_threads():
    ledger, peak, lock = Ledger(cap=10), [0], threading.Lock()
    start = threading.Barrier(16)

    def work() -> None:
        start.wait()
        for _ in range(200):
            try:
                with ledger.hold(3):
                    with lock:
                        peak[0] = max(peak[0], ledger.held)
            except BudgetError:
                pass

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 0 < peak[0] <= 10 and ledger.held == 0


def _array(nbytes: int) -> np.ndarray:
    return np.zeros(nbytes, dtype=np.uint8)


def test_size_of_counts_arrays_and_bytes_once():
    a = _array(1000)
    assert size_of(a) == 1000 and size_of(b"x" * 50) == 50 and size_of("text") == 0
    assert size_of({"a": a, "b": [a, b"y" * 10]}) == 1010  # the same array twice is held once


def test_the_byte_cache_stays_within_its_bytes_and_evicts_the_least_recently_used():
    cache = ByteCache(max_bytes=1000, ledger=Ledger(cap=10_000))
    for k in range(10):
        cache.get(k, lambda: _array(300))
        assert cache.held <= 1000
    assert len(cache) == 3 and cache.held == 900 and {7, 8, 9} == {k for k in range(10) if k in cache}
    cache.get(7, lambda: pytest.fail("a hit makes nothing"))  # 7 is now the most recent
    cache.get(10, lambda: _array(300))
    assert 8 not in cache and 7 in cache and cache.held <= 1000
    big = cache.get("big", lambda: _array(5000))  # used once, never kept
    assert big.nbytes == 5000 and "big" not in cache and cache.held <= 1000
    cache.clear()
    assert cache.held == 0 and len(cache) == 0


def test_the_byte_cache_holds_the_estimate_while_making_and_caches_no_error():
    ledger = Ledger(cap=1000)
    cache = ByteCache(max_bytes=10_000, ledger=ledger)
    seen = []
    cache.get("a", lambda: seen.append(ledger.held) or _array(10), estimate=400)
    assert seen == [400] and ledger.held == 0  # held while made, given back after
    with pytest.raises(BudgetError):
        cache.get("b", lambda: pytest.fail("not made over the server's cap"), estimate=1001)
    with pytest.raises(ValueError):
        cache.get("c", lambda: (_ for _ in ()).throw(ValueError("bad")))
    assert "b" not in cache and "c" not in cache and ledger.held == 0
    assert cache.get("c", lambda: _array(5)).nbytes == 5  # a later ask makes it afresh


def test_the_byte_cache_makes_a_key_once_when_sessions_ask_together():
    cache = ByteCache(max_bytes=10_000, ledger=Ledger(cap=10_000))
    made, start = [], threading.Barrier(8)

    def make() -> np.ndarray:
        made.append(1)
        time.sleep(0.05)  # long enough that the others arrive while it is being made (correct either way)
        return _array(100)

    def ask() -> None:
        start.wait()
        cache.get("shared", make)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1 and cache.held == 100
