"""`save_model`, `load_model`, `save_weights`, `load_weights`: the file format follows the name.

    model.save("m.keras")             # Keras 3's native zip: config.json + model.weights.h5
    model.save("m.h5")                # the legacy full-model HDF5 file (Keras 2 and 3 read it)
    model.save_weights("w.weights.h5")   # Keras 3's weights-only HDF5 tree
    model.load_weights("w.h5")        # also reads legacy full-model and Keras 2 weights files

Every write goes to a temporary file in the target's folder that is renamed over the target
only once it is complete, so a crash mid-save never leaves a half-written model behind.
Loading never runs code stored in a file unless `safe_mode=False`.
"""
import contextlib
import os

from minikeras.registry.serialization import safe_mode_scope, unsafe_deserialization_enabled
from minikeras.utils.file_utils import atomic_path

LEGACY_H5_SUFFIXES = (".h5", ".hdf5")


def _suffix_kind(filepath):
    name = os.fspath(filepath).lower()
    if name.endswith(".weights.h5"):
        return "weights"
    if name.endswith(".keras"):
        return "keras"
    if name.endswith(LEGACY_H5_SUFFIXES):
        return "h5"
    return None


def save_model(model, filepath, overwrite=True, include_optimizer=True, zipped=None, **kwargs):
    """Save architecture, weights and (if compiled) training state to `.keras` or `.h5`."""
    if kwargs.pop("save_format", None) not in (None, "h5", "keras"):
        raise ValueError("`save_format` is not supported: the file extension decides the format.")
    if kwargs:
        raise ValueError(f"save_model: unexpected keyword arguments {sorted(kwargs)}.")
    kind = _suffix_kind(filepath)
    if kind == "keras":
        from minikeras.saving.keras_archive import save_keras_archive
        with atomic_path(filepath, overwrite) as temporary:
            save_keras_archive(model, temporary, include_optimizer=include_optimizer)
    elif kind == "h5":
        import h5py
        from minikeras.saving.legacy_h5 import save_model_to_h5
        with atomic_path(filepath, overwrite) as temporary:
            with h5py.File(temporary, "w") as f:
                save_model_to_h5(model, f, include_optimizer=include_optimizer)
    else:
        raise ValueError(f"Invalid filepath extension for saving: {os.fspath(filepath)!r}. Use "
                         f"`.keras` (Keras 3's native format) or `.h5` / `.hdf5` (the legacy "
                         f"HDF5 format). To save only the weights use `save_weights` with a name "
                         f"ending in `.weights.h5`.")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model saved by minikeras, Keras 3 or Keras 2 / tf.keras.

    Args:
        filepath: a `.keras` zip, or a `.h5` / `.hdf5` legacy full-model file.
        custom_objects: {name: class or function} for your own layers, losses, ...
        compile: restore the optimizer (with its state), loss and metrics when saved.
        safe_mode: refuse to run code stored in the file (a Lambda's function bytecode).
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No file or directory found at {filepath!r}.")
    _refuse_directory(filepath, "load_model", "a `.keras` zip or a `.h5` / `.hdf5` file")
    kind = _suffix_kind(filepath)
    if unsafe_deserialization_enabled():
        safe_mode = False  # Keras: `enable_unsafe_deserialization()` overrides the default
    with safe_mode_scope(safe_mode):
        if kind == "keras" or (kind is None and _is_zip(filepath)):
            from minikeras.saving.keras_archive import load_keras_archive
            return load_keras_archive(filepath, custom_objects=custom_objects, compile=compile)
        if kind in ("h5", "weights") or (kind is None and _is_hdf5(filepath)):
            from minikeras.saving.legacy_h5 import load_model_from_h5
            with _open_h5(filepath) as f:
                return load_model_from_h5(f, custom_objects=custom_objects, compile=compile)
    raise ValueError(f"File format not supported: filepath={filepath!r}. minikeras loads `.keras` "
                     f"zips and `.h5` / `.hdf5` files.")


def save_weights(model, filepath, overwrite=True, max_shard_size=None):
    """Write the weights in Keras 3's `.weights.h5` layout (the name must end that way)."""
    if _suffix_kind(filepath) != "weights":
        raise ValueError(f"The filename must end in `.weights.h5`. Received: "
                         f"filepath={os.fspath(filepath)!r}")
    if max_shard_size is not None:
        raise ValueError("`max_shard_size` (sharded weight files) is not supported by minikeras.")
    import h5py
    from minikeras.saving.weights_h5 import save_weights_to_h5
    with atomic_path(filepath, overwrite) as temporary:
        with h5py.File(temporary, "w") as f:
            save_weights_to_h5(model, f)


def load_weights(model, filepath, skip_mismatch=False, by_name=False):
    """Load weights from `.weights.h5`, a `.keras` zip, or a legacy `.h5` (full model or weights)."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No weights file found at {filepath!r}.")
    _refuse_directory(filepath, "load_weights",
                      "a `.weights.h5`, `.keras` or legacy `.h5` file")
    kind = _suffix_kind(filepath)
    if kind == "keras":
        if by_name:
            raise ValueError("`by_name=True` only applies to legacy `.h5` weight files.")
        from minikeras.saving.keras_archive import load_weights_from_archive
        return load_weights_from_archive(model, filepath, skip_mismatch=skip_mismatch)
    with _open_h5(filepath) as f:
        from minikeras.saving.h5_errors import reading
        from minikeras.saving.weights_h5 import is_weights_h5_layout, load_weights_from_h5
        with reading(f, repr(filepath)):
            weights_layout = is_weights_h5_layout(f)
        if weights_layout:
            if by_name:
                raise ValueError("`by_name=True` only applies to legacy `.h5` weight files, not "
                                 "to Keras 3 `.weights.h5` files.")
            with reading(f, repr(filepath)):
                return load_weights_from_h5(model, f, skip_mismatch=skip_mismatch)
        from minikeras.saving.legacy_h5 import load_weights_from_legacy_h5
        return load_weights_from_legacy_h5(model, f, by_name=by_name, skip_mismatch=skip_mismatch)


def _refuse_directory(filepath, who, expected):
    if os.path.isdir(filepath):
        raise ValueError(f"{who}: {filepath!r} is a directory; expected {expected}. (A "
                         f"TensorFlow SavedModel folder cannot be loaded by minikeras: load it in "
                         f"Keras and save it again with `model.save('model.keras')`.)")


@contextlib.contextmanager
def _open_h5(filepath):
    import h5py
    try:
        f = h5py.File(filepath, "r")
    except OSError as error:
        raise ValueError(f"Cannot read {filepath!r} as an HDF5 file: it is truncated, corrupted "
                         f"or not HDF5 ({error}).") from None
    try:
        yield f
    finally:
        f.close()


def _is_zip(filepath):
    import zipfile
    return os.path.isfile(filepath) and zipfile.is_zipfile(filepath)


def _is_hdf5(filepath):
    import h5py
    return os.path.isfile(filepath) and h5py.is_hdf5(filepath)
