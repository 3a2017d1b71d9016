"""Sessions share cached models: captures and Grad-CAM from many threads at once on one model each get
exactly their own single-threaded result, and no hook is left behind."""

from __future__ import annotations

import threading

import torch

from alexnet_core.arch.build import build_model
from alexnet_core.inside import activations as A
from alexnet_core.spec import presets

SPEC = presets.get("small_input").spec


def _model():
    return build_model(SPEC, seed=0).eval()


def test_concurrent_captures_on_one_model_each_get_their_own_outputs():
    model = _model()
    size = presets.get("small_input").input_size
    xs = [torch.randn(1, SPEC.in_channels, size, size, generator=torch.Generator().manual_seed(i)) for i in range(4)]
    alone = [A.capture(model, x) for x in xs]
    got: dict[tuple[int, int], A.Capture] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for r in range(6):
                got[(i, r)] = A.capture(model, xs[i])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for (i, _), cap in got.items():
        assert list(cap.outputs) == list(alone[i].outputs)
        assert all(torch.equal(cap.outputs[k], alone[i].outputs[k]) for k in cap.outputs)
        assert torch.equal(cap.logits, alone[i].logits)
    assert all(not m._forward_hooks for m in model.modules())


def test_grad_cam_alongside_captures_is_unchanged_and_leaves_no_hook():
    model = _model()
    size = presets.get("small_input").input_size
    x = torch.randn(1, SPEC.in_channels, size, size, generator=torch.Generator().manual_seed(9))
    want = A.grad_cam(model, x, 0)
    out: list = []
    threads = [threading.Thread(target=lambda: out.append(A.grad_cam(model, x, 0))) for _ in range(3)]
    threads += [threading.Thread(target=lambda: A.capture(model, x)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 3 and all((o == want).all() for o in out)
    assert all(not m._forward_hooks for m in model.modules())
