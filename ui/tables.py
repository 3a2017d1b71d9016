"""Summary -> the DataFrame the pages show and offer as CSV."""

from __future__ import annotations

import pandas as pd

from alexnet_core.arch import table_format as tf
from alexnet_core.arch.table import Summary


def layer_table(summary: Summary) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "layer": r.name,
            "type": r.type,
            "kernel/stride/pad": tf.ksp(r),
            "groups": tf.groups(r),
            "output": tf.output(r),
            "params": r.params,
            "mult-adds": r.mult_adds,
            "receptive field": r.receptive_field,
            "activation kB": round(r.activation_bytes / 1000, 1),
        }
        for r in summary.layers
    )
