"""More rows for tests/ops/test_op_dispatch.py's table of ops on symbolic tensors, one module per
op family (`tests/ops/op_rows/<family>.py`), so each family keeps its rows beside its peers.

A module defines `ROWS` ({op name: (input names, call, expected output shape(s))}, as `OPS` in
test_op_dispatch.py) and may define `INPUTS` ({input name: (Input kwargs, data)}) for inputs
the shared table lacks. `collect()` merges them all; a name defined twice is an error.
"""
import importlib
import pkgutil


def collect():
    """(rows, inputs) merged from every module of this package."""
    rows, inputs = {}, {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for table, merged in ((getattr(module, "ROWS", {}), rows),
                              (getattr(module, "INPUTS", {}), inputs)):
            twice = set(table) & set(merged)
            if twice:
                raise ValueError(f"op_rows.{info.name} defines {sorted(twice)} again")
            merged.update(table)
    return rows, inputs
