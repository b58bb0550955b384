"""Record Keras 3's values and gradients for the op cases of tests/ops/keras_cases/.

Runs in a reference venv outside the project (torch 2.13.0 CPU + keras 3.15), never with
minikeras's own dependencies:

    KERAS_BACKEND=torch /path/to/refvenv/bin/python tools/keras_reference.py [family ...]

For every case of each family (all families when none is named) it calls the case with
`keras.ops`, keeps the outputs, and takes torch autograd's gradient of sum(output_i * w_i)
(w_i from `cotangent`) with respect to every float array argument. It writes
tests/data/keras_reference/<family>.npz: `<case>/out<i>` and `<case>/grad<j>` (j = the argument's
position), `<case>/dtype<i>` (the dtype Keras's symbolic call declares: the torch backend does
not always return it eagerly), plus `__versions__`. tests/ops/test_keras_reference.py compares minikeras with it.
A case Keras rejects is reported and left out (the test then fails for it: fix the case).
Run without family names it also records every keras.ops / keras.random function's signature in
tests/data/keras_reference/signatures.json (tests/ops/test_keras_signatures.py) and the output
dtypes of the ops for every input dtype in dtypes.json (tests/ops/test_keras_dtypes.py).
"""
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from tests.ops.keras_cases import cotangent, families  # noqa: E402

OUT_DIR = ROOT / "tests" / "data" / "keras_reference"


def _flatten(value):
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in _flatten(item)]
    return [value]


def record_case(case):
    """{key: array} for one case: its outputs and (if case.grad) Keras's gradients."""
    differentiable = [i for i, a in enumerate(case.args)
                      if isinstance(a, np.ndarray) and a.dtype.kind == "f" and case.grad]
    args = [torch.tensor(a, requires_grad=i in differentiable) if isinstance(a, np.ndarray)
            else a for i, a in enumerate(case.args)]
    outputs = _flatten(case.call(keras.ops, *args))
    arrays = {}
    loss = None
    for i, out in enumerate(outputs):
        arrays[f"{case.name}/out{i}"] = keras.ops.convert_to_numpy(out)
        if (differentiable and isinstance(out, torch.Tensor) and out.is_floating_point()
                and out.requires_grad):
            w = torch.tensor(cotangent(case.name, i, tuple(out.shape),
                                       keras.ops.convert_to_numpy(out).dtype))
            term = (out * w).sum()
            loss = term if loss is None else loss + term
    if differentiable:
        sources = [args[i] for i in differentiable]
        grads = (torch.autograd.grad(loss, sources, allow_unused=True) if loss is not None
                 else [None] * len(sources))
        for i, g in zip(differentiable, grads):
            arrays[f"{case.name}/grad{i}"] = (np.zeros_like(case.args[i]) if g is None
                                              else g.detach().numpy())
    arrays.update(_symbolic_dtypes(case, len(outputs)))
    return arrays


def _symbolic_dtypes(case, count):
    """`<case>/dtype<i>`: the dtypes Keras declares for the outputs (its symbolic call), which
    the torch backend's eager results do not always keep (top_k's indices come out int64)."""
    symbolic = [keras.KerasTensor(a.shape, dtype=str(a.dtype)) if isinstance(a, np.ndarray)
                else a for a in case.args]
    try:
        outputs = _flatten(case.call(keras.ops, *symbolic))
    except Exception as error:
        print(f"  {case.name}: no symbolic call in Keras ({type(error).__name__}: {error}); "
              "the eager dtypes stand")
        return {}
    if len(outputs) != count:
        return {}
    return {f"{case.name}/dtype{i}": np.array(str(out.dtype)) for i, out in enumerate(outputs)
            if isinstance(out, keras.KerasTensor)}


def record_family(name, module):
    arrays, failed = {}, []
    for case in module.CASES:
        try:
            arrays.update(record_case(case))
        except Exception as error:  # reported, and the test fails for the missing record
            failed.append(case.name)
            print(f"  {name}/{case.name}: Keras raised {type(error).__name__}: {error}")
    arrays["__versions__"] = np.array([f"keras {keras.__version__}",
                                       f"torch {torch.__version__}"])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}.npz"
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)
    print(f"{name}: {len(module.CASES) - len(failed)} of {len(module.CASES)} cases -> "
          f"{path.relative_to(ROOT)}")


def record_signatures():
    """tests/data/keras_reference/signatures.json: {"ops.<name>": [[parameter, kind, default
    repr or None], ...]} for every function of keras.ops, ops.image, ops.linalg and random."""
    import inspect
    import json
    modules = {"ops": keras.ops, "ops.image": keras.ops.image, "ops.linalg": keras.ops.linalg,
               "random": keras.random}
    table = {}
    for module_name, module in modules.items():
        for name in sorted(dir(module)):
            obj = getattr(module, name)
            if (name.startswith("_") or inspect.isclass(obj) or inspect.ismodule(obj)
                    or not callable(obj)):
                continue
            table[f"{module_name}.{name}"] = [
                [p.name, p.kind.name,
                 None if p.default is inspect.Parameter.empty else repr(p.default)]
                for p in inspect.signature(obj).parameters.values()]
    path = OUT_DIR / "signatures.json"
    path.write_text(json.dumps({"keras": keras.__version__, "signatures": table}, indent=1) + "\n",
                    encoding="utf8")
    print(f"signatures: {len(table)} functions -> {path.relative_to(ROOT)}")


DTYPES = ["bool", "int8", "int32", "uint8", "float16", "float32", "float64"]
BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "power",
          "maximum", "minimum", "equal", "less", "logical_and", "arctan2", "hypot", "fmod",
          "matmul"]


def record_dtypes():
    """tests/data/keras_reference/dtypes.json: the output dtype of every one-argument op of
    keras.ops for each input dtype of `DTYPES`, and of the `BINARY` ops for each pair, where
    Keras's symbolic call and its torch backend's eager result agree (where they disagree,
    Keras itself is not settled and the op is left out)."""
    import inspect
    import json

    def agreed(call, arrays):
        symbolic = call(*[keras.KerasTensor(a.shape, dtype=a.dtype.name) for a in arrays])
        eager = keras.ops.convert_to_numpy(call(*arrays)).dtype.name
        return eager if str(symbolic.dtype) == eager else None

    unary, binary = {}, {}
    for name in sorted(dir(keras.ops)):
        fn = getattr(keras.ops, name)
        if (name.startswith("_") or inspect.isclass(fn) or inspect.ismodule(fn)
                or not callable(fn)):
            continue
        required = [p for p in inspect.signature(fn).parameters.values()
                    if p.default is inspect.Parameter.empty and p.kind == p.POSITIONAL_OR_KEYWORD]
        if len(required) != 1 or name in ("custom_gradient", "vectorize"):
            continue
        for dtype in DTYPES:
            try:
                found = agreed(fn, [np.ones((2, 3), dtype)])
            except Exception:
                continue
            if found:
                unary[f"{name}/{dtype}"] = found
    for name in BINARY:
        for a in DTYPES:
            for b in DTYPES:
                try:
                    found = agreed(getattr(keras.ops, name),
                                   [np.ones((2, 2), a), np.ones((2, 2), b)])
                except Exception:
                    continue
                if found:
                    binary[f"{name}/{a}/{b}"] = found
    path = OUT_DIR / "dtypes.json"
    path.write_text(json.dumps({"keras": keras.__version__, "unary": unary, "binary": binary},
                               indent=0, sort_keys=True) + "\n", encoding="utf8")
    print(f"dtypes: {len(unary)} unary and {len(binary)} binary calls -> "
          f"{path.relative_to(ROOT)}")


def main(argv):
    found = families()
    for name in argv or sorted(found):
        record_family(name, found[name])
    if not argv:
        record_signatures()
        record_dtypes()


if __name__ == "__main__":
    main(sys.argv[1:])
