"""Every function of keras.ops (with ops.image and ops.linalg) and keras.random exists in
minikeras with Keras 3's signature: the same parameters, in the same order, of the same kind,
with the same defaults (recorded from Keras by tools/keras_reference.py in
tests/data/keras_reference/signatures.json), so Keras code calling them by keyword runs.

minikeras may add trailing parameters with defaults (the convolutions' fused `bias`, used by
its layers): a Keras call never passes them.
"""
import inspect
import json

import pytest

from minikeras import ops, random
from tests.paths import DATA

RECORD = json.loads((DATA / "keras_reference" / "signatures.json").read_text(encoding="utf8"))
MODULES = {"ops": ops, "ops.image": ops.image, "ops.linalg": ops.linalg, "random": random}


def _parameters(obj):
    return [[p.name, p.kind.name, None if p.default is inspect.Parameter.empty else repr(p.default)]
            for p in inspect.signature(obj).parameters.values()]


@pytest.mark.parametrize("qualified", sorted(RECORD["signatures"]))
def test_signature_matches_keras(qualified):
    module_name, name = qualified.rsplit(".", 1)
    obj = getattr(MODULES[module_name], name, None)
    assert obj is not None, f"minikeras.{qualified} is missing"
    keras_parameters = RECORD["signatures"][qualified]
    mine = _parameters(obj)
    assert mine[:len(keras_parameters)] == keras_parameters
    extra = mine[len(keras_parameters):]
    assert all(default is not None for _, _, default in extra), extra
