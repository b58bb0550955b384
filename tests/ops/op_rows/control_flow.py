"""Dispatch-table rows for the control-flow ops: each records one node (Keras's `Cond`,
`Scan`, `Map` ... operations) whose shapes come from running the functions once."""
from minikeras import ops

ROWS = {
    "cond": ("a", lambda a: ops.cond(ops.sum(a) > 0.0, lambda: ops.ones((2,)),
                                     lambda: ops.zeros((2,))), (2,)),
    "switch": ("a", lambda a: ops.switch(1, [ops.exp, ops.sin], a), (None, 3)),
    "while_loop": ("a", lambda a: ops.while_loop(lambda v: ops.sum(v) < 100.0,
                                                 lambda v: v + 1.0, a), (None, 3)),
    "fori_loop": ("a", lambda a: ops.fori_loop(0, 3, lambda i, v: v + i, a), (None, 3)),
    "scan": ("b", lambda b: ops.scan(lambda c, x: (c + x, c * x), ops.zeros((4, 3)), b),
             [(4, 3), (None, 4, 3)]),
    "associative_scan": ("b", lambda b: ops.associative_scan(lambda x, y: x + y, b, axis=1),
                         (None, 4, 3)),
    "map": ("b", lambda b: ops.map(lambda x: ops.sum(x, axis=0), b), (None, 3)),
    "vectorized_map": ("b", lambda b: ops.vectorized_map(lambda x: x * 2.0, b), (None, 4, 3)),
}
