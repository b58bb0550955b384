"""`minikeras.models`: Model (functional graphs and subclasses), Sequential, their training loop.

`load_model`, `save_model` and `model_from_json` are Keras's `keras.models` names for the file
formats of `minikeras.saving`, which sits above this package: they are looked up on first use
(see docs/architecture.md).
"""
from minikeras.models.model import Model
from minikeras.models.functional import Functional
from minikeras.models.sequential import Sequential
from minikeras.models.cloning import clone_model

_SAVING_NAMES = ("load_model", "save_model", "model_from_json")


def __getattr__(name):
    if name in ("load_model", "save_model"):
        from minikeras.saving import saving_api as module
    elif name == "model_from_json":
        from minikeras.saving import model_config as module
    else:
        raise AttributeError(f"module 'minikeras.models' has no attribute {name!r}")
    return getattr(module, name)


def __dir__():
    return sorted(list(globals()) + list(_SAVING_NAMES))
