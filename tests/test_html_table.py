"""The plain HTML layer table (ui.tables.html): the same cells as the DataFrame, escaped, marked."""

import pandas as pd

from alexnet_core.arch.table import analytic_summary
from alexnet_core.spec import presets
from tests.helpers import _TableParser
from ui import tables


def parse(html: str) -> pd.DataFrame:
    p = _TableParser()
    p.feed(html)
    df = pd.DataFrame(p.rows, columns=p.head)
    df.attrs["changed"] = p.changed
    return df


def test_the_html_table_holds_every_cell_of_the_frame():
    df = tables.layer_table(analytic_summary(presets.get("paper2012").spec, 227))
    back = parse(tables.html(df, name="t"))
    assert list(back.columns) == list(df.columns)
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    assert back["params"].sum() == 60_965_224


def test_text_is_escaped_and_changed_rows_are_marked():
    df = pd.DataFrame({"layer": ["<script>alert(1)</script>", "b&c"], "n": [1234567, 2]})
    html = tables.html(df, name='x"y', changed=[False, True], help={"n": 'a "tip" <b>'})
    assert "<script>" not in html and "&lt;script&gt;" in html and "b&amp;c" in html
    assert 'data-table="x&quot;y"' in html and 'title="a &quot;tip&quot; &lt;b&gt;"' in html
    assert "1,234,567" in html
    back = parse(html)
    assert back["n"].tolist() == [1234567, 2] and back.attrs["changed"] == [False, True]
