"""Keras 3's native `.keras` file: a zip archive of three members.

    metadata.json      {"keras_version": "3.15.1", "date_saved": "2025-01-31@12:00:00"}
    config.json        the model serialized in Keras 3's style ({"module", "class_name",
                       "config", "registered_name", "build_config", "compile_config"})
    model.weights.h5   the weights (and optimizer state) in the `.weights.h5` layout
                       (minikeras/saving/weights_h5.py)

Members are stored uncompressed, in this order, as Keras writes them. Loading rebuilds the model
from config.json, builds it, compiles it from `compile_config` (which also builds the optimizer
for the model's trainable variables), then loads model.weights.h5 into it, optimizer state
included, so that `fit` continues exactly where the saved model stopped.

The archive is read member by member into memory (never extracted to disk, so a member name
cannot point outside a folder, and a member stored as a symbolic link is only bytes). Limits on
what a file may make the loader read:

- any member that expands to more than 256 MiB must not expand more than 100 times its stored
  size (a zip bomb);
- config.json, a description of the architecture, may not expand to more than 64 MiB at all
  (a model of thousands of layers needs a few MB);
- the weights are checked against the model's variables (shape and type, from the HDF5
  metadata) before they are read (weights_h5.py).
"""
import datetime
import io
import json
import os
import zipfile

from minikeras.saving import weights_h5
from minikeras.saving.h5_errors import reading
from minikeras.saving.model_config import deserialize_model, serialize_model

KERAS_VERSION = "3.15.1"  # the Keras release whose format this writes
METADATA_FILENAME = "metadata.json"
CONFIG_FILENAME = "config.json"
WEIGHTS_FILENAME = "model.weights.h5"
_BOMB_FLOOR_BYTES = 1 << 28  # a member above this must not expand more than ...
_MAX_EXPANSION = 100         # ... this many times its stored size
MAX_CONFIG_BYTES = 1 << 26   # config.json is never larger than this (64 MiB)


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"Cannot write {value!r} ({type(value).__name__}) into config.json.")


# -- saving --------------------------------------------------------------------------------------
def save_keras_archive(model, path, include_optimizer=True):
    """Write `model` as a `.keras` zip at `path` (saving_api hands a temporary path that it
    renames over the target once this returns).

    `include_optimizer=False` leaves out the optimizer state and the compile configuration (the
    model then loads uncompiled, as from a legacy `.h5` saved that way).
    """
    from minikeras.saving.compile_config import get_compile_config
    config = serialize_model(model)
    if not include_optimizer:
        config["compile_config"] = {}
    elif not config.get("compile_config"):
        config["compile_config"] = get_compile_config(model)
    config_json = json.dumps(config, default=_json_default)
    metadata_json = json.dumps({
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    })
    weights = _weights_bytes(model, include_optimizer)
    with zipfile.ZipFile(os.fspath(path), "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(_member_info(METADATA_FILENAME), metadata_json.encode("utf8"))
        archive.writestr(_member_info(CONFIG_FILENAME), config_json.encode("utf8"))
        archive.writestr(_member_info(WEIGHTS_FILENAME, now=True), weights)


def _member_info(name, now=False):
    info = zipfile.ZipInfo(name, date_time=datetime.datetime.now().timetuple()[:6] if now
                           else (1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    return info


def _weights_bytes(model, include_optimizer):
    import h5py
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5file:
        weights_h5.write_tree(model, h5file, include_optimizer=include_optimizer)
    return buffer.getvalue()


# -- reading -------------------------------------------------------------------------------------
def _read_members(path, names, required):
    """{name: bytes} for the members `names` of the zip at `path` (those in `required` must be
    there). Every failure is a ValueError naming the file."""
    path = os.fspath(path)
    try:
        with zipfile.ZipFile(path, "r") as archive:
            present = set(archive.namelist())
            missing = [name for name in required if name not in present]
            if missing:
                raise ValueError(f"{path!r} is not a complete `.keras` file: the archive has no "
                                 f"{', '.join(missing)} (it holds {sorted(present)}).")
            result = {}
            for name in names:
                if name not in present:
                    continue
                info = archive.getinfo(name)
                if name == CONFIG_FILENAME and info.file_size > MAX_CONFIG_BYTES:
                    raise ValueError(f"Not allowed: the member {name!r} of {path!r} declares "
                                     f"{info.file_size} bytes; a model's config.json is at most "
                                     f"{MAX_CONFIG_BYTES} bytes (64 MiB). The file is corrupted "
                                     f"or crafted.")
                if info.file_size > _BOMB_FLOOR_BYTES and \
                        info.file_size > _MAX_EXPANSION * max(info.compress_size, 1):
                    raise ValueError(f"Not allowed: member {name!r} of {path!r} declares "
                                     f"{info.file_size} bytes but stores only "
                                     f"{info.compress_size}: refusing a potential "
                                     f"decompression bomb.")
                with archive.open(info, "r") as member:
                    result[name] = member.read(info.file_size + 1)
            return result
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError,
            OSError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(f"Cannot read {path!r} as a `.keras` file: the zip archive is truncated "
                         f"or corrupted ({type(error).__name__}: {error}).") from None


def _parse_json(data, name, path):
    try:
        return json.loads(data.decode("utf8"))
    except RecursionError:
        raise ValueError(f"{os.fspath(path)!r}: the member {name} is nested too deeply to be a "
                         f"model's config; the file is corrupted or crafted.") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{os.fspath(path)!r}: the member {name} is not valid JSON "
                         f"({error}); the file is corrupted.") from None


def _open_weights(data, path):
    import h5py
    try:
        return h5py.File(io.BytesIO(data), "r")
    except OSError as error:
        raise ValueError(f"{os.fspath(path)!r}: the member {WEIGHTS_FILENAME} is not a readable "
                         f"HDF5 file ({error}); the file is corrupted.") from None


def load_keras_archive(path, custom_objects=None, compile=True):
    """Rebuild the model saved in the `.keras` file at `path` (by minikeras or Keras 3)."""
    members = _read_members(path, [CONFIG_FILENAME, WEIGHTS_FILENAME],
                            required=[CONFIG_FILENAME, WEIGHTS_FILENAME])
    config = _parse_json(members[CONFIG_FILENAME], CONFIG_FILENAME, path)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{os.fspath(path)!r}: config.json does not describe a Keras model.")
    model = deserialize_model(config, custom_objects, source=repr(os.fspath(path)))
    compile_config = config.get("compile_config")
    if compile and compile_config:
        from minikeras.saving.compile_config import compile_from_config
        compile_from_config(model, compile_config, custom_objects)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and not optimizer.built and model.built:
            optimizer.build(model.trainable_weights)
    with _open_weights(members[WEIGHTS_FILENAME], path) as h5file:
        with reading(h5file, _weights_name(path)):
            weights_h5.read_tree(model, h5file, skip_mismatch=False, source=_weights_name(path))
    return model


def load_weights_from_archive(model, path, skip_mismatch=False):
    """`model.load_weights("x.keras")`: the weights (and optimizer state, when `model` has a
    built optimizer of the same kind) of a `.keras` file, into an existing model."""
    members = _read_members(path, [WEIGHTS_FILENAME], required=[WEIGHTS_FILENAME])
    with _open_weights(members[WEIGHTS_FILENAME], path) as h5file:
        with reading(h5file, _weights_name(path)):
            weights_h5.load_weights_from_h5(model, h5file, skip_mismatch=skip_mismatch,
                                            source=_weights_name(path))


def _weights_name(path):
    """How errors name the weights member of the archive at `path`."""
    return f"{os.fspath(path)!r} (member {WEIGHTS_FILENAME})"
