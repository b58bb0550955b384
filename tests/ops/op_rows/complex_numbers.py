"""Dispatch-table rows for the complex-tensor ops."""
from minikeras import ops

ROWS = {
    "view_as_complex": ("b", lambda b: ops.view_as_complex(b[..., :2]), (None, 4)),
    "view_as_real": ("b", lambda b: ops.view_as_real(b), (None, 4, 3, 2)),
    "real": ("b", lambda b: ops.real(ops.view_as_complex(b[..., :2])), (None, 4)),
    "imag": ("b", lambda b: ops.imag(ops.view_as_complex(b[..., :2])), (None, 4)),
    "conj": ("b", lambda b: ops.conj(ops.view_as_complex(b[..., :2])), (None, 4)),
    "conjugate": ("b", lambda b: ops.conjugate(ops.view_as_complex(b[..., 1:])), (None, 4)),
    "angle": ("b", lambda b: ops.angle(ops.view_as_complex(b[..., 1:])), (None, 4)),
    "polar": ("bb", ops.polar, (None, 4, 3)),
}
