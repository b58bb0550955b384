"""Dtype policies (`keras.dtype_policies`): which float type a layer computes in and which its
weights are stored in.

A policy is named by a dtype ("float32", "float64": both dtypes the same) or by a mixed
precision name: "mixed_float16" / "mixed_bfloat16" compute in float16 / bfloat16 while the
weights stay float32, so that small gradient updates are not lost to rounding. A layer takes
its policy from `dtype=` (a name, a `DTypePolicy` or a saved config), else the global one
(`keras.config.set_dtype_policy`), else `floatx()`'s.
"""
import re
from collections.abc import MutableMapping

from minikeras.backend import config
from minikeras.backend.dtypes import standardize_dtype

_MIXED = {"mixed_float16": ("float16", "float32"), "mixed_bfloat16": ("bfloat16", "float32")}
_GLOBAL_POLICY = None


class DTypePolicy:
    """A layer's compute dtype and variable dtype, named as Keras names them.

    Args:
        name: "float32", "float64", "mixed_float16", ... (any float dtype name, or a mixed
            precision name); None takes the global policy's name.

    Example:
        >>> policy = DTypePolicy("mixed_float16")
        >>> policy.compute_dtype, policy.variable_dtype
        ('float16', 'float32')
    """

    def __init__(self, name=None):
        if name is None:
            name = global_policy().name
        self._name = name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)
        self._quantization_mode = None

    @staticmethod
    def _parse_name(name):
        if not isinstance(name, str):
            raise TypeError(f"DTypePolicy: 'name' must be a string, such as 'mixed_float16'. "
                            f"Received: name={name} (of type {type(name)})")
        if name in _MIXED:
            return _MIXED[name]
        try:
            dtype = standardize_dtype(name)
        except (ValueError, TypeError) as error:
            raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid "
                             f"policies include 'mixed_float16', 'mixed_bfloat16', and the name "
                             f"of any float dtype such as 'float32'.") from error
        return dtype, dtype

    @property
    def name(self):
        """The policy's name, e.g. "mixed_float16"."""
        return self._name

    @property
    def compute_dtype(self):
        """The dtype a layer casts its float inputs to and computes in."""
        return self._compute_dtype

    @property
    def variable_dtype(self):
        """The dtype of a layer's weights."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        """None: minikeras has no quantized policies."""
        return self._quantization_mode

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other):
        if type(other) not in (DTypePolicy, FloatDTypePolicy):
            return False
        return self._name == other._name

    def __hash__(self):
        return hash(self._name)


class FloatDTypePolicy(DTypePolicy):
    """Another name of `DTypePolicy` (Keras keeps it for older code)."""


class DTypePolicyMap(DTypePolicy, MutableMapping):
    """Layer paths to policies, for models whose layers differ: `policy_map[layer.path]`.

    A key is first looked up exactly; otherwise every key is tried as a regular expression
    (`re.fullmatch`), so "encoder/.*" covers every sublayer of the encoder. A path that matches
    no key gets `default_policy`; one that matches two patterns is an error.

    Args:
        default_policy: a policy or a name; None follows the global policy.
        policy_map: an optional dict of path (or pattern) -> policy.
    """

    def __init__(self, default_policy=None, policy_map=None):
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("`default_policy` cannot be a `DTypePolicyMap`.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError(f"If specified, `policy_map` must be a dict. Received: "
                            f"policy_map={policy_map} of type {type(policy_map)}")
        self._default_policy_arg = default_policy
        self._default_policy = get(default_policy)
        self._policy_map = {key: get(value) for key, value in (policy_map or {}).items()}
        self._quantization_mode = None

    @property
    def default_policy(self):
        """The policy of paths with no entry (the global one when none was given)."""
        return get(self._default_policy_arg) if self._default_policy_arg is None \
            else self._default_policy

    @property
    def name(self):
        return f"map_{self.default_policy.name}"

    @property
    def compute_dtype(self):
        return self.default_policy.compute_dtype

    @property
    def variable_dtype(self):
        return self.default_policy.variable_dtype

    def __getitem__(self, key):
        if key in self._policy_map:
            return self._policy_map[key]
        matches = [pattern for pattern in self._policy_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(f"Path '{key}' matches multiple dtype policy specification keys: "
                             f"{matches}. Please make sure each path only matches at most one "
                             f"dtype policy specification key in the DTypePolicyMap.")
        if matches:
            return self._policy_map[matches[0]]
        return self.default_policy

    def __setitem__(self, key, policy):
        if key in self._policy_map:
            raise ValueError(f"{key} already exist in the DTypePolicyMap with value "
                             f"{self._policy_map[key]}. Please make sure to not use duplicated "
                             f"keys.")
        try:
            policy = get(policy)
        except (ValueError, TypeError) as error:
            raise ValueError(f"Cannot interpret the assigned value by "
                             f"`keras.dtype_policies.get`. Received: {policy} of type "
                             f"{type(policy)}") from error
        self._policy_map[key] = policy

    def __delitem__(self, key):
        return self._policy_map.pop(key)

    def __contains__(self, key):
        return key in self._policy_map

    def __len__(self):
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def __eq__(self, other):
        return (isinstance(other, DTypePolicyMap) and self.name == other.name
                and self._policy_map == other._policy_map)

    __hash__ = None

    def get_config(self):
        return {"default_policy": self._default_policy_arg,
                "policy_map": {key: serialize(value) for key, value in self._policy_map.items()}}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["policy_map"] = {key: deserialize(value)
                                for key, value in (config.get("policy_map") or {}).items()}
        return cls(**config)

    def __repr__(self):
        mapping = [(key, value.name) for key, value in self._policy_map.items()]
        return (f"<DTypePolicyMap at {hex(id(self))} default_policy="
                f"{self._default_policy.name}, mapping={mapping}>")


_CLASSES = {"DTypePolicy": DTypePolicy, "FloatDTypePolicy": FloatDTypePolicy,
            "DTypePolicyMap": DTypePolicyMap}


def serialize(dtype_policy):
    """A policy as Keras saves it: {"module": "keras", "class_name": "DTypePolicy", "config":
    {"name": ...}, "registered_name": None} (a map: module "keras.dtype_policies")."""
    if not isinstance(dtype_policy, DTypePolicy):
        raise TypeError(f"dtype_policies.serialize: expected a DTypePolicy, received "
                        f"{dtype_policy!r}.")
    if isinstance(dtype_policy, DTypePolicyMap):
        return {"module": "keras.dtype_policies", "class_name": "DTypePolicyMap",
                "config": dtype_policy.get_config(), "registered_name": None}
    return {"module": "keras", "class_name": "DTypePolicy", "config": dtype_policy.get_config(),
            "registered_name": None}


def deserialize(config, custom_objects=None):
    """A policy from `serialize`'s dict (also a plain {"class_name", "config"} dict)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"dtype_policies.deserialize: expected a dict with 'class_name' and "
                         f"'config', received {config!r}.")
    class_name = config["class_name"]
    cls = (custom_objects or {}).get(class_name) or _CLASSES.get(class_name)
    if cls is None:
        raise ValueError(f"dtype_policies.deserialize: unknown dtype policy class "
                         f"{class_name!r}; expected one of {sorted(_CLASSES)}.")
    return cls.from_config(config.get("config", {}))


def get(identifier):
    """A `DTypePolicy` from a policy (returned as is), a name, a dtype, a config dict, or None
    (the global policy)."""
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(standardize_dtype(identifier))
    except (ValueError, TypeError):
        raise ValueError(f"Cannot interpret `dtype` argument. Expected a string or an instance "
                         f"of DTypePolicy. Received: dtype={identifier}") from None


def set_global_policy(policy):
    """Set the global policy (`keras.config.set_dtype_policy`) from a name or a `DTypePolicy`;
    None goes back to following `floatx()`."""
    global _GLOBAL_POLICY
    if policy is not None and not isinstance(policy, DTypePolicy):
        if not isinstance(policy, str):
            raise ValueError(f"Invalid `policy` argument. Expected the string name of a policy "
                             f"(such as 'mixed_float16') or a `DTypePolicy` instance. Received: "
                             f"policy={policy} (of type {type(policy)})")
        policy = DTypePolicy(policy)
    _GLOBAL_POLICY = policy


def global_policy():
    """The policy set with `set_global_policy`, else `DTypePolicy(floatx())`.

    Keras fixes floatx's policy at the first call; here it follows later `set_floatx` calls
    until a policy is set, so that `set_floatx` keeps working as before."""
    if _GLOBAL_POLICY is not None:
        return _GLOBAL_POLICY
    return DTypePolicy(config.floatx())


def clear_global_policy():
    """Forget the global policy (what `clear_session` does in Keras)."""
    set_global_policy(None)
