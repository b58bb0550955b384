"""The import rules of docs/architecture.md, checked on the source.

Every import statement in minikeras/ (top-level and inside functions) is read with `ast`. A
package may import the packages below it in `LAYERS`, never those above, except for the few
imports in `ALLOWED_UPWARD` (each with its reason); with those left out, the packages form no
import cycle; and no package imports a private name (one starting with `_`), or a private
module, of another package.
"""
import ast
import collections
import pathlib

import pytest

import minikeras

PACKAGE = pathlib.Path(minikeras.__file__).parent

#: bottom to top; a package may import only those listed before it
LAYERS = ["tree", "backend", "dtype_policies", "registry", "ops", "random", "utils",
          "activations", "constraints", "initializers", "regularizers", "losses", "metrics",
          "distribution", "optimizers", "mixed_precision", "layers", "callbacks", "trainers",
          "models", "visualization", "saving", "datasets", "preprocessing"]

#: (importing module, imported package): why it may import upward. Each is an import inside a
#: function (or a module `__getattr__`), so importing the lower package never loads the higher.
ALLOWED_UPWARD = {
    ("minikeras.utils", "trainers"):
        "keras.utils.pack_x_y_sample_weight / unpack_x_y_sample_weight, looked up on first use",
    ("minikeras.utils", "visualization"):
        "keras.utils.plot_model / model_to_dot, looked up on first use",
    ("minikeras.utils", "saving"):
        "keras.utils.serialize_keras_object / deserialize_keras_object (they know every "
        "family), looked up on first use",
    ("minikeras.utils", "layers"):
        "keras.utils.FeatureSpace (a Layer built from preprocessing layers), looked up on "
        "first use",
    ("minikeras.models", "saving"):
        "keras.models.load_model / save_model / model_from_json, Keras's public names",
    ("minikeras.models.model", "saving"):
        "Model.save / save_weights / load_weights / to_json / compile configs call the formats",
    ("minikeras.models.model", "visualization"):
        "Model.summary prints with visualization.summary",
}


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package_of(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "minikeras"


def _imports():
    """[(importing module, imported module, imported name or None, line, top-level?)]."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(), str(path))
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.append((module, alias.name, None, node.lineno, id(node) in top_level))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".") if is_package else module.split(".")[:-1]
                    base = base[:len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module
                for alias in node.names:
                    found.append((module, target, alias.name, node.lineno, id(node) in top_level))
    return [entry for entry in found if entry[1] and entry[1].split(".")[0] == "minikeras"]


IMPORTS = _imports()


def _target_package(target, name):
    """The package an import reaches: `from minikeras import layers` reaches layers."""
    if target == "minikeras" and name is not None:
        return name
    return _package_of(target)


def _edges():
    edges = collections.defaultdict(list)  # (from package, to package) -> [where]
    for module, target, name, line, _ in IMPORTS:
        source, destination = _package_of(module), _target_package(target, name)
        if source != destination and source != "minikeras" and destination in LAYERS:
            edges[(source, destination)].append((module, line))
    return edges


def test_every_package_is_placed_in_the_layers():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    assert packages | modules == set(LAYERS), \
        "add the new package to LAYERS (and to docs/architecture.md)"


def test_no_package_imports_a_package_above_it():
    upward = []
    for (source, destination), where in sorted(_edges().items()):
        if LAYERS.index(destination) < LAYERS.index(source):
            continue
        for module, line in where:
            if (module, destination) not in ALLOWED_UPWARD:
                upward.append(f"{module}:{line} imports {destination} (above {source})")
    assert not upward, "\n".join(upward)


def test_allowed_upward_imports_happen_inside_functions_only():
    for module, target, name, line, top_level in IMPORTS:
        if (module, _target_package(target, name)) in ALLOWED_UPWARD:
            assert not top_level, f"{module}:{line}: an allowed upward import must be lazy"


def test_allowed_upward_imports_are_still_needed():
    used = {(module, _target_package(target, name)) for module, target, name, _, _ in IMPORTS}
    assert set(ALLOWED_UPWARD) <= used, set(ALLOWED_UPWARD) - used


def test_packages_form_no_import_cycle():
    graph = collections.defaultdict(set)
    for (source, destination), where in _edges().items():
        if any((module, destination) not in ALLOWED_UPWARD for module, _ in where):
            graph[source].add(destination)
    state = {}

    def visit(package, path):
        if state.get(package) == "done":
            return
        if state.get(package) == "open":
            cycle = path[path.index(package):] + [package]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        state[package] = "open"
        for destination in sorted(graph[package]):
            visit(destination, path + [package])
        state[package] = "done"

    for package in sorted(graph):
        visit(package, [])


def test_no_private_name_is_imported_across_packages():
    private = []
    for module, target, name, line, _ in IMPORTS:
        if _package_of(module) == _target_package(target, name) or module == "minikeras":
            continue
        parts = target.split(".")[2:] + ([name] if name else [])
        if any(part.startswith("_") for part in parts):
            private.append(f"{module}:{line} imports {target}.{name}")
    assert not private, "\n".join(private)
