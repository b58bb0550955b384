"""Plain values inside layer configs, written the way Keras 3 writes them.

A NumPy array in a config (a Rescaling `scale`, a Lambda `arguments` entry) becomes
{"class_name": "__numpy__", "config": {"value": nested lists, "dtype": "float64"}} so the config
stays JSON; NumPy scalars become Python numbers; tuples, lists and dicts are walked.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor


def serialize_value(value):
    """A JSON-friendly copy of `value` (arrays and Tensors as Keras's tagged dicts)."""
    if isinstance(value, Tensor):
        return {"class_name": "__tensor__",
                "config": {"value": value.data.tolist(), "dtype": str(value.dtype)}}
    if isinstance(value, xp.ndarray):
        return {"class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": str(value.dtype)}}
    if isinstance(value, xp.generic):
        return value.item()
    if isinstance(value, dict):
        return {key: serialize_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(serialize_value(item) for item in value)
    return value


def deserialize_value(config):
    """Undo `serialize_value`: tagged dicts back to arrays (or Tensors); the rest as it is."""
    if isinstance(config, dict):
        if config.get("class_name") in ("__numpy__", "__tensor__"):
            inner = config["config"]
            array = xp.asarray(inner["value"], dtype=inner.get("dtype"))
            return Tensor(array) if config["class_name"] == "__tensor__" else array
        return {key: deserialize_value(item) for key, item in config.items()}
    if isinstance(config, (list, tuple)):
        return type(config)(deserialize_value(item) for item in config)
    return config


def settings_config(obj, names):
    """{name: getattr(obj, name)} for the constructor arguments `names`, in that order, each
    activation / initializer / regularizer / constraint (told by the name's ending, as Keras
    names them) serialized as Keras writes it: the long configs of the recurrent layers and
    cells in one line each."""
    from minikeras import activations, constraints, initializers, regularizers
    serializers = (("activation", activations.serialize),
                   ("initializer", initializers.serialize),
                   ("regularizer", regularizers.serialize),
                   ("constraint", constraints.serialize))
    config = {}
    for name in names:
        value = getattr(obj, name)
        for ending, serialize in serializers:
            if name.endswith(ending):
                value = serialize(value)
                break
        config[name] = value
    return config
