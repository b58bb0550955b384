"""docs/api tables are generated from the code; they must match it (run tools/make_api_docs.py)."""
import importlib.util

import pytest

from tests.paths import ROOT

spec = importlib.util.spec_from_file_location("make_api_docs", ROOT / "tools" / "make_api_docs.py")
make_api_docs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_api_docs)


@pytest.mark.parametrize("page", sorted(make_api_docs.PAGES))
def test_reference_table_is_up_to_date(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    assert make_api_docs.render(text, make_api_docs.PAGES[page]) == text, (
        f"{page} is out of date: run `python tools/make_api_docs.py`")


@pytest.mark.parametrize("page", sorted(make_api_docs.PAGES))
def test_every_table_lists_objects_with_their_defaults(page):
    table = make_api_docs.table(make_api_docs.PAGES[page])
    rows = table.splitlines()[2:]
    assert len(rows) >= 3
    assert all(row.count("|") >= 5 for row in rows)


def test_tables_show_keras_defaults():
    assert "`learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07" in make_api_docs.table("optimizers")
    assert "`minval=-0.05, maxval=0.05, seed=None`" in make_api_docs.table("initializers")
