"""Nested structures: Keras's `keras.tree` on plain Python containers.

A *structure* is a leaf or a list / tuple (namedtuples included) / dict of structures. Every
function here walks them in one order, Keras's: lists and tuples by position, dicts by sorted
key (insertion order when the keys cannot be sorted). Results keep each dict's own key order,
so `map_structure(f, {"b": 1, "a": 2})` is `{"b": f(1), "a": f(2)}` while `flatten` of it is
`[2, 1]`. `None` is a leaf unless a function says otherwise.

Every nested walk in minikeras (graph nodes, data adapters, the trainer, distribution) goes
through these functions, so all of them agree on the order of the leaves.
"""
import numbers

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
           "flatten_with_path", "is_nested",
           "lists_to_tuples", "map_shape_structure", "map_structure", "map_structure_up_to",
           "pack_sequence_as", "structure_of_shapes", "traverse"]


class _MapToNone:
    """Returned by a `traverse` function to put None in the structure (None means "go on")."""

    def __repr__(self):
        return "keras.tree.MAP_TO_NONE"


MAP_TO_NONE = _MapToNone()


def is_nested(structure):
    """True for a list, tuple (namedtuples too) or dict; False for a leaf."""
    return isinstance(structure, (list, tuple, dict))


def _sorted_keys(mapping):
    try:
        return sorted(mapping)
    except TypeError:  # keys of mixed types: insertion order
        return list(mapping)


def _children(structure):
    """[(key or index, child)] in walking order."""
    if isinstance(structure, dict):
        return [(key, structure[key]) for key in _sorted_keys(structure)]
    return list(enumerate(structure))


def _rebuild(structure, children):
    """A container like `structure` holding `children` ({key: child} for dicts, else a list in
    position order); a dict keeps its own key order."""
    if isinstance(structure, dict):
        items = [(key, children[key]) for key in structure]
        try:
            return type(structure)(items)
        except TypeError:  # a dict subclass with another constructor (defaultdict, ...)
            return dict(items)
    if hasattr(structure, "_fields"):  # a namedtuple takes its fields as arguments
        return type(structure)(*children)
    return type(structure)(children)


def flatten(structure):
    """The leaves of `structure`, in walking order (dicts by sorted key)."""
    leaves = []
    _flatten_into(structure, leaves)
    return leaves


def _flatten_into(structure, leaves):
    if isinstance(structure, (list, tuple)):
        for item in structure:
            _flatten_into(item, leaves)
    elif isinstance(structure, dict):
        for key in _sorted_keys(structure):
            _flatten_into(structure[key], leaves)
    else:
        leaves.append(structure)


def flatten_with_path(structure):
    """[(path, leaf)] where path is the tuple of keys / indices that leads to the leaf."""
    result = []

    def walk(path, value):
        if is_nested(value):
            for key, child in _children(value):
                walk(path + (key,), child)
        else:
            result.append((path, value))

    walk((), structure)
    return result


def map_structure(func, *structures, none_is_leaf=True):
    """`func(*leaves)` at every leaf position of `structures` (which must share one nesting),
    in the nesting of the first.

    With `none_is_leaf=False` a None is an empty subtree: it stays None and `func` does not see it.
    """
    if not structures:
        raise ValueError("`map_structure` needs at least one structure.")
    for other in structures[1:]:
        assert_same_structure(structures[0], other)
    return _map(func, structures, none_is_leaf)


def _map(func, structures, none_is_leaf):
    first = structures[0]
    if not none_is_leaf and first is None:
        return None
    if isinstance(first, (list, tuple)):
        return _rebuild(first, [_map(func, items, none_is_leaf) for items in zip(*structures)])
    if isinstance(first, dict):
        return _rebuild(first, {key: _map(func, [s[key] for s in structures], none_is_leaf)
                                for key in first})
    return func(*structures)


def map_structure_up_to(shallow_structure, func, *structures):
    """`func(*subtrees)` where `shallow_structure` has a leaf: the deeper parts of
    `structures` below that point are handed over whole. Returns the shallow nesting."""
    if not structures:
        raise ValueError("`map_structure_up_to` needs at least one structure.")

    def walk(shallow, values):
        if not is_nested(shallow):
            return func(*values)
        for value in values:
            _check_shallow_level(shallow, value)
        if isinstance(shallow, dict):
            return _rebuild(shallow, {key: walk(shallow[key], [v[key] for v in values])
                                      for key in shallow})
        return _rebuild(shallow, [walk(s, [v[i] for v in values])
                                  for i, s in enumerate(shallow)])

    return walk(shallow_structure, structures)


def _check_shallow_level(shallow, value):
    if not is_nested(value):
        raise ValueError(f"The shallow structure {shallow!r} goes deeper than the input "
                         f"structure at {value!r}.")
    if isinstance(shallow, dict) != isinstance(value, dict):
        raise ValueError(f"Expected a {type(shallow).__name__} in the input structure, "
                         f"received a {type(value).__name__}: {value!r}.")
    if isinstance(shallow, dict):
        missing = [key for key in shallow if key not in value]
        if missing:
            raise ValueError(f"The input structure lacks the keys {missing} of the shallow "
                             f"structure.")
    elif len(shallow) != len(value):
        raise ValueError(f"The shallow structure has {len(shallow)} items where the input "
                         f"structure has {len(value)}.")


def assert_same_structure(a, b, check_types=None):
    """Raise ValueError unless `a` and `b` nest the same containers the same way (lists and
    tuples are told apart, as are dicts with different keys); leaves may differ.

    `check_types` is accepted for compatibility and ignored, as in Keras 3."""
    del check_types

    def describe(value):
        return "a leaf" if not is_nested(value) else f"a {type(value).__name__}"

    def walk(x, y, path):
        if is_nested(x) != is_nested(y):
            raise ValueError(f"The two structures don't have the same nested structure: at "
                             f"{list(path)} the first has {describe(x)} ({x!r}) and the second "
                             f"{describe(y)} ({y!r}).")
        if not is_nested(x):
            return
        same_kind = (type(x) is type(y) or (isinstance(x, dict) and isinstance(y, dict))
                     or (isinstance(x, list) and isinstance(y, list)))
        if not same_kind:
            raise ValueError(f"The two structures don't have the same sequence type: at "
                             f"{list(path)} the first has a {type(x).__name__} and the second a "
                             f"{type(y).__name__}.")
        if isinstance(x, dict):
            if set(x) != set(y):
                raise ValueError(f"The two structures don't have the same keys at {list(path)}: "
                                 f"{_sorted_keys(x)} and {_sorted_keys(y)}.")
            for key in x:
                walk(x[key], y[key], path + (key,))
        else:
            if len(x) != len(y):
                raise ValueError(f"The two structures don't have the same length at "
                                 f"{list(path)}: {len(x)} and {len(y)}.")
            for i, (p, q) in enumerate(zip(x, y)):
                walk(p, q, path + (i,))

    walk(a, b, ())


def assert_same_paths(a, b):
    """Raise ValueError unless `a` and `b` reach their leaves by the same paths (indices for
    sequences, keys for dicts), whatever the container types: `[0, 1]` and `(2, 3)` agree.
    The message lists the paths each has that the other lacks."""
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths == b_paths:
        return
    message = "`a` and `b` don't have the same paths."
    if a_paths - b_paths:
        message += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
    if b_paths - a_paths:
        message += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
    raise ValueError(message)


def pack_sequence_as(structure, flat_sequence, sequence_fn=None):
    """The inverse of `flatten`: `flat_sequence` put back into the nesting of `structure`.

    `sequence_fn(template, items)`, when given, builds each list / tuple container."""
    flat_sequence = list(flat_sequence)
    expected = len(flatten(structure))
    if len(flat_sequence) != expected:
        raise ValueError(f"Cannot pack a sequence of {len(flat_sequence)} values into a "
                         f"structure with {expected} leaves: {structure!r}.")
    values = iter(flat_sequence)

    def build(template):
        if isinstance(template, (list, tuple)):
            items = [build(item) for item in template]
            return sequence_fn(template, items) if sequence_fn else _rebuild(template, items)
        if isinstance(template, dict):
            built = {key: build(template[key]) for key in _sorted_keys(template)}
            return _rebuild(template, built)
        return next(values)

    return build(structure)


def traverse(func, structure, top_down=True):
    """Visit every substructure (containers and leaves) with `func`.

    Top down: `func(sub)` returning None means "look inside" (a leaf stays as it is);
    any other value replaces `sub` without looking inside; `MAP_TO_NONE` replaces it by None.
    Bottom up: children first, then `func` on the rebuilt container; None keeps it as it is.
    """
    def finish(value, original):
        if value is MAP_TO_NONE:
            return None
        return original if value is None else value

    def down(sub):
        result = func(sub)
        if result is not None:
            return finish(result, sub)
        if not is_nested(sub):
            return sub
        return _rebuild(sub, {key: down(child) for key, child in _children(sub)}
                        if isinstance(sub, dict) else [down(child) for child in sub])

    def up(sub):
        if is_nested(sub):
            sub = _rebuild(sub, {key: up(child) for key, child in _children(sub)}
                           if isinstance(sub, dict) else [up(child) for child in sub])
        return finish(func(sub), sub)

    return down(structure) if top_down else up(structure)


def lists_to_tuples(structure):
    """The same structure with every list turned into a tuple (hashable, fixed nesting)."""
    if isinstance(structure, list):
        return tuple(lists_to_tuples(item) for item in structure)
    if isinstance(structure, tuple):
        return _rebuild(structure, [lists_to_tuples(item) for item in structure])
    if isinstance(structure, dict):
        return _rebuild(structure, {key: lists_to_tuples(value) for key, value in structure.items()})
    return structure


def is_shape_tuple(value):
    """A tuple or list of ints / None (a shape), which `map_shape_structure` treats as a leaf."""
    return isinstance(value, (list, tuple)) and all(
        dim is None or (isinstance(dim, numbers.Integral) and not isinstance(dim, bool))
        for dim in value)


def map_shape_structure(func, structure, *more):
    """`func(shape, *leaves)` for every shape (a tuple / list of ints or None) in a nesting of
    shapes; the result has the nesting of `structure`, with shapes as tuples.

    `more` (a minikeras extension) are structures nested like `structure` whose leaf at each
    shape's position goes along (e.g. the dtypes of the inputs whose shapes these are)."""
    if is_shape_tuple(structure):
        return func(tuple(structure), *more)
    if isinstance(structure, (list, tuple)):
        return _rebuild(structure, [map_shape_structure(func, item, *(m[i] for m in more))
                                    for i, item in enumerate(structure)])
    if isinstance(structure, dict):
        return _rebuild(structure, {key: map_shape_structure(func, value, *(m[key] for m in more))
                                    for key, value in structure.items()})
    raise ValueError(f"Cannot map over a structure of shapes that holds {structure!r} "
                     f"(expected tuples of ints / None, in lists, tuples or dicts).")


def structure_of_shapes(structure, leaf_fn=lambda x: tuple(x.shape)):
    """`leaf_fn` of every tensor / array of `structure` (default: its shape), nested like
    `structure` but with every tuple container as a list, so that the shapes (tuples) stand out:
    `structure_of_shapes((a, {"k": b}))` is `[a.shape, {"k": b.shape}]`. What `build` gets."""
    as_lists = traverse(lambda s: list(s) if isinstance(s, tuple) else None, structure,
                        top_down=False)
    return map_structure(leaf_fn, as_lists)
