"""`keras.dtype_policies`: the dtype policies a layer takes as `dtype=` (see
minikeras/backend/dtype_policy.py), and their `get` / `serialize` / `deserialize`."""
from minikeras.backend.dtype_policy import (DTypePolicy, FloatDTypePolicy, DTypePolicyMap,
                                            get, serialize, deserialize)

__all__ = ["DTypePolicy", "FloatDTypePolicy", "DTypePolicyMap", "get", "serialize",
           "deserialize"]
