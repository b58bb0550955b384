"""`KerasFileEditor` (`keras.saving.KerasFileEditor`): inspect and edit the weights of a `.keras`
or `.weights.h5` file without building its model, e.g. to adapt an old file to a changed
architecture (rename a layer, drop one, add the weights of a new one), then write the result
as a `.weights.h5` file.

The weights are held as nested dicts following the file's groups, with each object's `vars`
group folded into the object's own dict: `{"layers": {"dense": {"0": kernel, "1": bias}},
"optimizer": {...}}`. Saving writes the arrays of each dict back into `<path>/vars`, the
layout `model.load_weights` reads (see weights_h5.py).

Unlike Keras, an object with both variables of its own and sub-objects (an RNN layer and its
cell) keeps both when read (Keras keeps only the variables).
"""
import io
import json
import os
import zipfile

import numpy as np

from minikeras.saving import weights_h5
from minikeras.saving.keras_archive import CONFIG_FILENAME, METADATA_FILENAME, WEIGHTS_FILENAME
from minikeras.utils.io_utils import print_msg


def _weights_argument_check(weights):
    if not isinstance(weights, dict):
        raise ValueError(f"Argument `weights` should be a dict where keys are weight names "
                         f"(usually '0', '1', etc.) and values are NumPy arrays. Received: "
                         f"type(weights)={type(weights)}")


def read_weights_tree(group, path="", object_metadata=None):
    """(nested dict of arrays, {path: attributes}) from an open h5py group, `vars` folded in.
    External links, soft links and virtual datasets are refused, as Keras refuses them."""
    import h5py
    object_metadata = {} if object_metadata is None else object_metadata
    if group.attrs:
        object_metadata[path] = dict(group.attrs)
    result = {}
    for key in group.keys():
        link = group.get(key, getclass=True, getlink=True)
        if link in (h5py.ExternalLink, h5py.SoftLink):
            raise ValueError(f"Not allowed: H5 file with {link.__name__}")
        value = group[key]
        child_path = f"{path}/{key}" if path else key
        if isinstance(value, h5py.Group):
            if key == "vars":       # this object's own variables: merged into its dict
                if value.attrs:
                    object_metadata[path] = dict(value.attrs)
                variables, _ = read_weights_tree(value, child_path, {})
                result.update(variables)
                continue
            child, _ = read_weights_tree(value, child_path, object_metadata)
            if child:
                result[key] = child
        elif isinstance(value, h5py.Dataset):
            if value.is_virtual or value.external:
                raise ValueError(f"Not allowed: H5 file with a virtual or external Dataset at "
                                 f"{child_path}")
            result[key] = value[()]
    return result, object_metadata


def write_weights_tree(weights_dict, h5file, path=""):
    """Write nested dicts of arrays into an open h5py file: each dict's arrays into
    `<path>/vars`, its dicts below `<path>/<key>`. Empty dicts write nothing."""
    arrays = {key: value for key, value in weights_dict.items() if not isinstance(value, dict)}
    if arrays:
        group = h5file.require_group(f"{path}/vars" if path else "vars")
        for key, value in arrays.items():
            group[key] = np.asarray(value)
    for key, value in weights_dict.items():
        if isinstance(value, dict) and value:
            write_weights_tree(value, h5file, f"{path}/{key}" if path else key)


class KerasFileEditor:
    """Inspect, edit and resave the weights of a Keras file.

    Args:
        filepath: a `.keras` or `.weights.h5` file.

    Attributes:
        weights_dict: the weights as nested dicts (see the module docstring).
        config, metadata: the model config and metadata of a `.keras` file (None otherwise).

    Example:
        editor = KerasFileEditor("my_model.weights.h5")
        editor.summary()                                   # prints the weights' tree
        editor.delete_object("layers/dense_2")
        editor.add_object("layers/einsum_dense", weights={"0": kernel, "1": bias})
        editor.resave_weights("edited_model.weights.h5")
    """

    def __init__(self, filepath):
        import h5py
        self.filepath = os.fspath(filepath)
        self.config = None
        self.metadata = None
        if self.filepath.endswith(".keras"):
            with zipfile.ZipFile(self.filepath, "r") as archive:
                names = archive.namelist()
                self.config = json.loads(archive.read(CONFIG_FILENAME))
                if METADATA_FILENAME in names:
                    self.metadata = json.loads(archive.read(METADATA_FILENAME))
                weights = archive.read(WEIGHTS_FILENAME)
            with h5py.File(io.BytesIO(weights), "r") as h5file:
                self.weights_dict, self.object_metadata = read_weights_tree(h5file)
        elif self.filepath.endswith(".weights.h5"):
            with h5py.File(self.filepath, "r") as h5file:
                self.weights_dict, self.object_metadata = read_weights_tree(h5file)
        else:
            raise ValueError(f"Invalid filename: expected a `.keras` `.weights.h5` extension. "
                             f"Received: filepath={self.filepath}")
        print_msg(f"Keras model file '{self.filepath}'")
        if self.metadata is not None:
            print_msg(f"Saved with Keras {self.metadata.get('keras_version')} - date: "
                      f"{self.metadata.get('date_saved')}")

    # -- inspecting ------------------------------------------------------------------------------
    def summary(self):
        """Print the tree of objects and weights (shape and dtype of each)."""
        print_msg("Weights structure")
        for line in self._tree_lines(self.weights_dict, "  ", ""):
            print_msg(line)

    def _tree_lines(self, weights_dict, prefix, path):
        lines = []
        items = list(weights_dict.items())
        for index, (key, value) in enumerate(items):
            last = index == len(items) - 1
            connector = "> " if not path and index == 0 else ("└─ " if last else "├─ ")
            child_path = f"{path}/{key}" if path else key
            if isinstance(value, dict):
                label = f"{prefix}{connector}{key}"
                name = self.object_metadata.get(child_path, {}).get("name")
                if name is not None:
                    label += f" ('{name}')"
                lines.append(label)
                lines += self._tree_lines(value, prefix + ("    " if last else "│   "),
                                          child_path)
            else:
                lines.append(f"{prefix}{connector}{key}: shape={value.shape}, "
                             f"dtype={value.dtype}")
        return lines

    def compare(self, reference_model):
        """List every difference between the file and `reference_model`'s weights (objects or
        weights missing on either side, shapes that differ).

        Returns:
            {"status": "success" or "error", "error_count": ..., "match_count": ...}.
        """
        import h5py
        print_msg("Running comparison")
        buffer = io.BytesIO()
        with h5py.File(buffer, "w") as h5file:
            weights_h5.write_tree(reference_model, h5file)
        with h5py.File(buffer, "r") as h5file:
            reference, _ = read_weights_tree(h5file)
        errors, matches = self._compare(self.weights_dict, reference, "", "saved file",
                                        "reference model")
        errors += self._compare(reference, self.weights_dict, "", "reference model",
                                "saved file", count_shapes=False)[0]
        print_msg("─────────────────────")
        if errors == 0:
            print_msg("Comparison successful: saved file is compatible with the reference "
                      "model")
            print_msg(f"    Found {matches} matching weight{'' if matches == 1 else 's'}")
        else:
            print_msg(f"Found {errors} error{'' if errors == 1 else 's'}: saved file is not "
                      f"compatible with the reference model")
        return {"status": "success" if errors == 0 else "error", "error_count": errors,
                "match_count": matches}

    @classmethod
    def _compare(cls, target, reference, path, target_name, reference_name, count_shapes=True):
        """(errors, matches) of the entries of `reference` looked up in `target`."""
        errors = matches = 0
        for key, value in reference.items():
            child_path = f"{path}/{key}"
            if key not in target:
                errors += 1
                if isinstance(value, dict):
                    print_msg(f"...Object {child_path} present in {reference_name}, missing "
                              f"from {target_name}")
                    print_msg(f"    In {reference_name}, {child_path} contains the following "
                              f"keys: {list(value)}")
                else:
                    print_msg(f"...Weight {child_path} present in {reference_name}, missing "
                              f"from {target_name}")
            elif isinstance(value, dict):
                more_errors, more_matches = cls._compare(target[key], value, child_path,
                                                         target_name, reference_name,
                                                         count_shapes)
                errors += more_errors
                matches += more_matches
            elif not count_shapes:
                continue
            elif np.shape(target[key]) != np.shape(value):
                errors += 1
                print_msg(f"...Weight shape mismatch for {child_path}\n    In {reference_name}: "
                          f"shape={np.shape(value)}\n    In {target_name}: "
                          f"shape={np.shape(target[key])}")
            else:
                matches += 1
        return errors, matches

    # -- editing ---------------------------------------------------------------------------------
    def _find(self, name):
        """(parent dict, key) of the object `name`: a path ("layers/dense") or a name that
        occurs exactly once in the tree ("dense")."""
        if "/" in name:
            parts = name.split("/")
            parent = self.weights_dict
            for part in parts[:-1]:
                if not isinstance(parent.get(part), dict):
                    raise ValueError(f"Path '{name}' not found in model.")
                parent = parent[part]
            if parts[-1] not in parent:
                raise ValueError(f"Path '{name}' not found in model.")
            return parent, parts[-1]
        found = []

        def search(weights_dict):
            for key, value in weights_dict.items():
                if key == name:
                    found.append(weights_dict)
                if isinstance(value, dict):
                    search(value)
        search(self.weights_dict)
        if len(found) > 1:
            raise ValueError(f"Name '{name}' occurs more than once in the model; try passing a "
                             f"complete path")
        if not found:
            raise ValueError(f"Source name '{name}' does not appear in the model. Use "
                             f"`editor.summary()` to list all objects.")
        return found[0], name

    def rename_object(self, object_name, new_name):
        """Rename an object (e.g. a layer): `object_name` is a name ("dense_2") or a path
        ("layers/dense_2"); `new_name` is a leaf name."""
        if "/" in new_name:
            raise ValueError(f"Argument `target_name` should be a leaf name, not a full path "
                             f"name. Received: target_name='{new_name}'")
        parent, key = self._find(object_name)
        parent[new_name] = parent.pop(key)

    def delete_object(self, object_name):
        """Remove an object (e.g. a layer) and its weights: a name or a path."""
        parent, key = self._find(object_name)
        parent.pop(key)

    def add_object(self, object_path, weights):
        """Add an object at `object_path` (e.g. "layers/dense_2") with `weights`, a dict of
        weight name ("0", "1", ...) -> array."""
        _weights_argument_check(weights)
        parts = object_path.split("/")
        parent = self.weights_dict
        for part in parts[:-1]:
            if not isinstance(parent.get(part), dict):
                raise ValueError(f"Path '{'/'.join(parts[:-1])}' not found in model.")
            parent = parent[part]
        parent[parts[-1]] = dict(weights)

    def delete_weight(self, object_name, weight_name):
        """Remove the weight `weight_name` (e.g. "0") of an object."""
        parent, key = self._find(object_name)
        if weight_name not in parent[key]:
            raise ValueError(f"Weight {weight_name} not found in object {object_name}. Weights "
                             f"found: {list(parent[key].keys())}")
        parent[key].pop(weight_name)

    def add_weights(self, object_name, weights):
        """Add weights (a dict of name -> array) to an existing object."""
        _weights_argument_check(weights)
        parent, key = self._find(object_name)
        parent[key].update(weights)

    # -- writing ---------------------------------------------------------------------------------
    def save(self, filepath):
        """Write the edited weights to a `.weights.h5` file (what `model.load_weights` reads)."""
        import h5py
        filepath = os.fspath(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError(f"Invalid `filepath` argument: expected a `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        with h5py.File(filepath, "w") as h5file:
            write_weights_tree(self.weights_dict, h5file)

    def resave_weights(self, filepath):
        """The same as `save(filepath)`."""
        self.save(filepath)
