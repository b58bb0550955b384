"""`rearrange`: reshape and transpose in one step, described by an einops pattern.

    rearrange(x, "b h (w c) -> b c (h w)", c=2)   # (2, 3, 8) -> (2, 2, 12)

Each side lists named axes separated by spaces; parentheses group axes that share one axis of
the array (a group on the left is split, on the right merged, in row-major order). Every name
on one side must appear once on the other. A group on the left may hold one axis of unknown
size; the others come from `**axes_lengths`. As in Keras, ellipses and literal sizes ("1") are
not part of the pattern language here.
"""
import math
import re

from minikeras.ops.core import convert_to_tensor
from minikeras.ops.manipulation import reshape, transpose
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.einops"

_TOKEN = re.compile(r"\(|\)|[A-Za-z_][A-Za-z0-9_]*|\S+")


def _parse_side(pattern, side):
    """The side as a list of groups (lists of names); a bare name is a group of one."""
    groups, current = [], None
    for token in _TOKEN.findall(side):
        if token == "(":
            if current is not None:
                raise ValueError(f"rearrange: nested parentheses in pattern {pattern!r}.")
            current = []
        elif token == ")":
            if current is None:
                raise ValueError(f"rearrange: unbalanced ')' in pattern {pattern!r}.")
            groups.append(current)
            current = None
        elif token[0].isalpha() or token[0] == "_":
            if current is None:
                groups.append([token])
            else:
                current.append(token)
        else:
            raise ValueError(f"rearrange: pattern {pattern!r} may hold only axis names and "
                             f"parentheses, received {token!r}.")
    if current is not None:
        raise ValueError(f"rearrange: unbalanced '(' in pattern {pattern!r}.")
    names = [name for group in groups for name in group]
    if len(set(names)) != len(names):
        raise ValueError(f"rearrange: an axis name repeats on one side of {pattern!r}.")
    return groups, names


@op
def rearrange(tensor, pattern, **axes_lengths):
    """`tensor` reshaped and transposed as `pattern` ("left -> right") says; see the module
    docstring. Shapes: the left side must match tensor's rank; sizes of split groups come from
    `axes_lengths` (one unknown per group is inferred). The gradient is the inverse
    rearrangement."""
    x = convert_to_tensor(tensor)
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(f"rearrange: `pattern` must be a string 'left -> right', received "
                         f"{pattern!r}.")
    left, right = pattern.split("->")
    left_groups, left_names = _parse_side(pattern, left)
    right_groups, right_names = _parse_side(pattern, right)
    if set(left_names) != set(right_names):
        raise ValueError(f"rearrange: both sides of {pattern!r} must name the same axes, "
                         f"received {sorted(left_names)} and {sorted(right_names)}.")
    unknown = set(axes_lengths) - set(left_names)
    if unknown:
        raise ValueError(f"rearrange: `axes_lengths` names axes not in {pattern!r}: "
                         f"{sorted(unknown)}.")
    if len(left_groups) != x.ndim:
        raise ValueError(f"rearrange: the left side of {pattern!r} has {len(left_groups)} "
                         f"axes but `tensor` has shape {x.shape}.")
    sizes = {}
    for group, total in zip(left_groups, x.shape):
        missing = [name for name in group if name not in axes_lengths]
        known = math.prod(int(axes_lengths[name]) for name in group if name in axes_lengths)
        if len(missing) > 1:
            raise ValueError(f"rearrange: cannot infer the sizes of {missing} in {pattern!r}; "
                             f"give all but one in `axes_lengths`.")
        if (missing and (known == 0 or total % known)) or (not missing and known != total):
            raise ValueError(f"rearrange: the axis of size {total} does not split into "
                             f"{group} with lengths {axes_lengths}.")
        for name in group:
            sizes[name] = int(axes_lengths[name]) if name in axes_lengths else total // known
    split = reshape(x, tuple(sizes[name] for name in left_names))
    moved = transpose(split, tuple(left_names.index(name) for name in right_names))
    return reshape(moved, tuple(math.prod(sizes[name] for name in group)
                                for group in right_groups))
