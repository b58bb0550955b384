"""Helpers that walk nested structures (lists, tuples, dicts) of tensors.

The graph's `Node` and `KerasHistory` live in minikeras/ops/node.py.
"""


def flatten(structure):
    """The leaves of a nested list / tuple / dict (dicts by sorted key, as Keras's `tree`)."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn, structure):
    """`fn` applied to every leaf (in `flatten` order), keeping the list / tuple / dict nesting."""
    if isinstance(structure, (list, tuple)):
        items = [map_structure(fn, item) for item in structure]
        if hasattr(structure, "_fields"):  # a namedtuple takes its fields as arguments
            return type(structure)(*items)
        return type(structure)(items)
    if isinstance(structure, dict):
        return {key: map_structure(fn, structure[key]) for key in sorted(structure)}
    return fn(structure)


def pack_as(structure, flat_values):
    """The inverse of `flatten`: `flat_values` put back into the nesting of `structure`."""
    values = iter(flat_values)
    return map_structure(lambda _: next(values), structure)
