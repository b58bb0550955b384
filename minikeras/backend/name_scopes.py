"""`name_scope`: nested name prefixes, as `keras.name_scope` ("block1/dense")."""
import threading

_state = threading.local()


def _stack():
    if not hasattr(_state, "stack"):
        _state.stack = []
    return _state.stack


class name_scope:  # noqa: N801 (Keras's name)
    """A `with` block under which `current_path()` gains `name` ("outer/inner").

    Args:
        name: the scope's name (a non-empty string without "/" meaning a path).
        caller: the object that opened the scope (a layer, ...), kept for inspection.
        deduplicate: when the enclosing scope has the same name and `deduplicate` is True,
            the scope adds nothing (so a layer calling itself does not give "dense/dense").
        override_parent: a path that replaces the enclosing path inside the block.
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"name_scope: `name` must be a string without '/'. Received: "
                             f"name={name!r}")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        self._pushed = False

    def __enter__(self):
        stack = _stack()
        parent = stack[-1] if stack else None
        if self.deduplicate and parent is not None and parent.name == self.name:
            return self
        self._pushed = True
        stack.append(self)
        return self

    def __exit__(self, *exc_info):
        if self._pushed:
            _stack().pop()
            self._pushed = False
        return False


def current_path():
    """The "/"-joined names of the open scopes, innermost last ("" outside any scope)."""
    parts = []
    for scope in _stack():
        if scope.override_parent is not None:
            parts = [p for p in scope.override_parent.split("/") if p]
        parts.append(scope.name)
    return "/".join(parts)
