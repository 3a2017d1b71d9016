"""Summary -> the DataFrame the pages show and offer as CSV."""

from __future__ import annotations

import pandas as pd

from alexnet_core.arch.table import Summary
from alexnet_core.format import fmt_shape


def layer_table(summary: Summary) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "layer": r.name,
            "type": r.type,
            "kernel/stride/pad": f"{r.kernel}/{r.stride}/{r.padding}" if r.kernel is not None else "",
            "groups": str(r.groups) if r.groups is not None else "",
            "output": fmt_shape(r.output_shape[1:]),
            "params": r.params,
            "mult-adds": r.mult_adds,
            "receptive field": r.receptive_field,
            "activation kB": round(r.activation_bytes / 1000, 1),
        }
        for r in summary.layers
    )
