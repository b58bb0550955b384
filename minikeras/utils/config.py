"""`Config`: a dict whose keys are also attributes, which can be frozen (`keras.utils.Config`).

    config = Config(learning_rate=1e-3, layers=[64, 64])
    config.epochs = 10             # same as config["epochs"] = 10
    config.freeze()                # from now on, any change raises
"""
import copy
import json


class Config:
    """Keyword settings read and written as attributes or items; `freeze()` makes them
    read-only (a ValueError on any change), `unfreeze()` writable again."""

    __reserved = ("_config", "_frozen")

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self):
        return self._frozen

    def freeze(self):
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        object.__setattr__(self, "_frozen", False)

    def _check_writable(self, name):
        if self._frozen:
            raise ValueError(f"Cannot set {name!r}: this Config is frozen (call `unfreeze()` "
                             f"first).")

    def __getattr__(self, name):
        config = object.__getattribute__(self, "_config")
        if name in config:
            return config[name]
        raise AttributeError(f"Config has no key {name!r}. Keys: {sorted(config)}")

    def __setattr__(self, name, value):
        if name in self.__reserved:
            raise AttributeError(f"{name!r} is reserved in Config.")
        self._check_writable(name)
        self._config[name] = value

    def __delattr__(self, name):
        self._check_writable(name)
        try:
            del self._config[name]
        except KeyError:
            raise AttributeError(f"Config has no key {name!r}.") from None

    def __getitem__(self, key):
        return self._config[key]

    def __setitem__(self, key, value):
        self._check_writable(key)
        self._config[key] = value

    def __delitem__(self, key):
        self._check_writable(key)
        del self._config[key]

    def __contains__(self, key):
        return key in self._config

    def __iter__(self):
        return iter(self._config)

    def __len__(self):
        return len(self._config)

    def __repr__(self):
        return f"<Config {self._config}>"

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def get(self, key, default=None):
        return self._config.get(key, default)

    def pop(self, *args):
        self._check_writable(args[0] if args else None)
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        self._check_writable("update")
        self._config.update(*args, **kwargs)

    def as_dict(self):
        """A deep copy of the settings as a plain dict."""
        return copy.deepcopy(self._config)

    def to_json(self):
        return json.dumps(self._config)
