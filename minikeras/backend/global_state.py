"""Process-wide counters Keras keeps between models: `get_uid` and `clear_session`."""
from collections import defaultdict

from minikeras.backend import config, naming

_uids = defaultdict(int)


def get_uid(prefix=""):
    """A number unique to `prefix` in this session: 1 the first time, then 2, 3, ...
    (`keras.backend.get_uid`; `clear_session()` starts every prefix again)."""
    _uids[prefix] += 1
    return _uids[prefix]


def clear_session(free_memory=True):
    """Reset Keras's global state: the automatic layer names (`dense`, `dense_1`, ... start
    again), the `get_uid` counters and the session switches of `keras.config` (the dtype
    policy, interactive logging, traceback filtering, flash attention). `free_memory` is
    accepted for Keras's signature; NumPy frees arrays when they are no longer referenced, so
    there is no cache to empty."""
    naming.reset_names()
    _uids.clear()
    config.reset_session_switches()
