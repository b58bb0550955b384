"""Print how many of Keras 3.15's public names minikeras has, per module (issue 17's "surface
count").

The reference list is shared/research/keras_public_names.json (every public non-module name
Keras 3.15.1 exports, by module, read from `dir()` of each); names that only make sense on
another backend are left out of the count (`EXCLUDED`, with the reason). A name counts when
`getattr(minikeras.<module>, name)` works. Run from the repository root:

    python tools/public_names_coverage.py [--missing] [path/to/keras_public_names.json]

`--missing` lists the missing names under each module. The last lines give the total over every
module, and over issue 17's modules (all but `applications`, which issue 22 owns).
"""
import importlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_REFERENCE = ROOT / "shared" / "research" / "keras_public_names.json"
FALLBACK_REFERENCE = pathlib.Path("/work/shared/research/keras_public_names.json")

_OTHER_BACKEND = "tied to another backend (JAX, TensorFlow, PyTorch) than NumPy"
_QUANTIZATION = "quantization: minikeras trains and stores float weights only"
#: module -> {name: why minikeras leaves it out}
EXCLUDED = {
    "keras": {"Quantizer": _QUANTIZATION, "RematScope": "rematerialization: a JAX/TF memory "
              "trade-off with no NumPy counterpart", "remat": "rematerialization (as RematScope)",
              "device": "device placement scopes of the JAX/TF/torch backends"},
    "layers": {"JaxLayer": _OTHER_BACKEND, "FlaxLayer": _OTHER_BACKEND,
               "TFSMLayer": _OTHER_BACKEND, "TorchModuleWrapper": _OTHER_BACKEND},
    "callbacks": {"OrbaxCheckpoint": _OTHER_BACKEND + " (Orbax is JAX's checkpointing)"},
    "config": {"is_nnx_enabled": _OTHER_BACKEND + " (Flax NNX)",
               "set_backend": "minikeras has one backend, NumPy"},
    "dtype_policies": {name: _QUANTIZATION for name in (
        "AWQDTypePolicy", "GPTQDTypePolicy", "Int4DTypePolicy", "QuantizedDTypePolicy",
        "QuantizedFloat8DTypePolicy")},
}


#: modules another issue builds (not counted in issue 17's surface)
LATER_ISSUES = {"applications": "issue 22 (keras.applications)"}


def _module(name):
    """minikeras.<name> ("keras" is the package itself) as a user reaches it: by attributes
    from the package (`minikeras.config`), else by import; None when it does not exist."""
    module = importlib.import_module("minikeras")
    if name == "keras":
        return module
    for part in name.split("."):
        found = getattr(module, part, None)
        if found is None:
            try:
                found = importlib.import_module(f"{module.__name__}.{part}")
            except ImportError:
                return None
        module = found
    return module


def coverage(reference):
    """[(module, present names, counted names, missing names)] for every module of
    `reference` ({module: [names]}), the exclusions left out of the count."""
    rows = []
    for module_name, names in reference.items():
        module = _module(module_name)
        excluded = EXCLUDED.get(module_name, {})
        counted = [n for n in names if n not in excluded]
        missing = [n for n in counted if module is None or not hasattr(module, n)]
        rows.append((module_name, len(counted) - len(missing), len(counted), missing))
    return rows


def main(argv):
    show_missing = "--missing" in argv
    paths = [a for a in argv if not a.startswith("--")]
    path = pathlib.Path(paths[0]) if paths else (
        DEFAULT_REFERENCE if DEFAULT_REFERENCE.exists() else FALLBACK_REFERENCE)
    reference = json.loads(path.read_text(encoding="utf8"))["modules"]
    rows = coverage(reference)
    width = max(len(name) for name, *_ in rows)
    for name, present, counted, missing in rows:
        share = f"{100 * present / counted:5.1f} %" if counted else "    - "
        print(f"{name:<{width}}  {present:4d} / {counted:<4d} {share}")
        if show_missing and missing:
            print(" " * (width + 2) + "missing: " + ", ".join(missing))
    for label, chosen in (("total", rows),
                          ("without applications",
                           [row for row in rows if row[0] not in LATER_ISSUES])):
        present = sum(row[1] for row in chosen)
        counted = sum(row[2] for row in chosen)
        print(f"{label:<{max(width, 20)}}  {present:4d} / {counted:<4d} {100 * present / counted:5.1f} %")
    excluded = sum(len(v) for v in EXCLUDED.values())
    print(f"({excluded} names tied to other backends or quantization are not counted)")


if __name__ == "__main__":
    main(sys.argv[1:])
