"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts."""
import math
import sys
import textwrap

from minikeras.backend.array_module import xp


def _count(variables):
    return int(sum(math.prod(v.shape) for v in variables))


def _bytes(variables):
    return int(sum(math.prod(v.shape) * xp.dtype(v.dtype).itemsize for v in variables))


def format_bytes(size):
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.2f} {unit}"
    return f"{size:.2f} B"


def format_shape(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(format_shape(s) for s in shape) + "]"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _align(text, width, align):
    if align == "right":
        return text.rjust(width)
    if align == "center":
        return text.center(width)
    return text.ljust(width)


def _row(cells, widths, aligns, edge="│"):
    """One table row; a cell too long for its column wraps onto more lines, as rich does."""
    wrapped = [[_cut(line, max(1, width - 2)) for line in
                textwrap.wrap(str(text), max(1, width - 2), break_long_words=False,
                              break_on_hyphens=False) or [""]]
               for text, width in zip(cells, widths)]
    lines = []
    for i in range(max(len(cell) for cell in wrapped)):
        parts = [" " + _align(cell[i] if i < len(cell) else "", width - 2, align) + " "
                 for cell, width, align in zip(wrapped, widths, aligns)]
        lines.append(edge + edge.join(parts) + edge)
    return "\n".join(lines)


def _cut(text, width):
    """A word too long for its column is cut with an ellipsis (rich's overflow="ellipsis")."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _header(columns, widths):
    """Header cells cut with an ellipsis when the column is too narrow (rich's overflow)."""
    return [_cut(name, width - 2) for name, width in zip(columns, widths)]


def _rule(widths, left, mid, right, fill):
    return left + mid.join(fill * w for w in widths) + right


# Keras 3 sizes its table for the terminal (`shutil.get_terminal_size()`); minikeras draws what
# Keras draws in an 80-column terminal, whatever the terminal, so that the text is reproducible.
TERMINAL_COLUMNS = 80


def column_widths(n_columns, graph, show_trainable, line_length=None, positions=None):
    """The cell widths (padding included, borders excluded) of Keras 3's rich table.

    Keras turns `positions` (fractions of `line_length`) into column widths, hands rich a table
    `line_length` wide with those fixed widths, and rich takes the padding and the borders back
    out of the widths with `ratio_reduce`; this is the same arithmetic. As in Keras 3, positions
    are always fractions (Keras 2's absolute positions give equal columns here too).
    """
    if graph:
        default_line_length, default_positions = 108, [0.3, 0.56, 0.74, 1.0]
    else:
        default_line_length, default_positions = 88, [0.45, 0.80, 1.0]
    positions = list(positions or default_positions)
    if show_trainable:
        default_line_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
    default_line_length = min(default_line_length, TERMINAL_COLUMNS - 4)
    line_length = line_length or default_line_length
    if len(positions) != n_columns:
        wanted = n_columns - 1 if show_trainable else n_columns
        raise ValueError(f"`positions` must give one position per column: {wanted} here"
                         + (" (the Trainable column is added at 1.0)" if show_trainable else "")
                         + f". Received: positions={positions[:wanted + 1]}")
    widths, current = [], 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    cells = [w + 2 for w in widths]  # rich adds one space of padding on each side
    available = line_length - (n_columns + 1)  # the table is line_length wide, borders included
    if sum(cells) > available:
        cells = _ratio_reduce(sum(cells) - available, cells)
    return cells


def _ratio_reduce(total, values):
    """rich's `ratio_reduce` with equal ratios: take `total` away, spread as evenly as possible."""
    result, remaining, ratio = [], total, len(values)
    for value in values:
        taken = min(value, round(remaining / ratio))
        result.append(value - taken)
        remaining -= taken
        ratio -= 1
    return result


HEADERS = ["Layer (type)", "Output Shape", "Param #", "Connected to", "Trainable"]


def summary_rows(model, expand_nested=False, layer_range=None, level=0):
    """[(layer, output_shape, nesting level)]: the model's rows, and with `expand_nested` the
    rows of every nested model (anything with `_summary_rows` and a non-empty `layers`) right
    below it, one level deeper, as Keras draws them."""
    pairs = model._summary_rows(expand_nested)
    if layer_range is not None:
        start, stop = _layer_index_bounds([layer for layer, _ in pairs], layer_range)
        pairs = pairs[start:stop]
    rows = []
    for layer, output_shape in pairs:
        rows.append((layer, output_shape, level))
        if expand_nested and hasattr(layer, "_summary_rows") and getattr(layer, "layers", None):
            rows.extend(summary_rows(layer, True, None, level + 1))
    return rows


def _layer_index_bounds(layers, layer_range):
    """Keras's `layer_range`: [first index matching layer_range[0], last matching [1]] + 1."""
    import re
    if len(layer_range) != 2:
        raise ValueError(f"layer_range must be a list or tuple of length 2. Received: "
                         f"layer_range = {layer_range} of length {len(layer_range)}")
    if not isinstance(layer_range[0], str) or not isinstance(layer_range[1], str):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(f"Passed layer_names do not match the layer names in the model. "
                         f"Received: {layer_range}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def summary_text(model, line_length=None, positions=None, expand_nested=False,
                 show_trainable=False, layer_range=None):
    """The whole summary as one string, ending in a newline (what Keras hands `print_fn`)."""
    graph = hasattr(model, "_is_sequential_like") and not model._is_sequential_like()
    columns = HEADERS[:3] + (["Connected to"] if graph else []) + (
        ["Trainable"] if show_trainable else [])
    aligns = ["left", "left", "right"] + (["left"] if graph else []) + (
        ["center"] if show_trainable else [])
    widths = column_widths(len(columns), graph, show_trainable, line_length, positions)

    rows = []
    for layer, output_shape, level in summary_rows(model, expand_nested, layer_range):
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        prefix = "   " * level + "└ " if level else ""
        row = [f"{prefix}{layer.name} ({type(layer).__name__})", format_shape(output_shape), params]
        if graph:  # a nested model's own layers are not called in this graph: "-"
            row.append(model._connections(layer))
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        rows.append(row)

    lines = [f'Model: "{model.name}"', _rule(widths, "┏", "┳", "┓", "━")]
    lines += _row(_header(columns, widths), widths, aligns, edge="┃").split("\n")
    lines.append(_rule(widths, "┡", "╇", "┩", "━"))
    for i, row in enumerate(rows):
        lines += _row(row, widths, aligns).split("\n")
        if i < len(rows) - 1:
            lines.append(_rule(widths, "├", "┼", "┤", "─"))
    lines.append(_rule(widths, "└", "┴", "┘", "─"))

    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    optimizer = getattr(model, "optimizer", None)
    built = optimizer is not None and getattr(optimizer, "built", False)
    optimizer_vars = list(optimizer.variables) if built else []
    total = _count(trainable) + _count(non_trainable) + _count(optimizer_vars)
    total_bytes = _bytes(trainable) + _bytes(non_trainable) + _bytes(optimizer_vars)
    lines.append(f" Total params: {total:,} ({format_bytes(total_bytes)})")
    lines.append(f" Trainable params: {_count(trainable):,} ({format_bytes(_bytes(trainable))})")
    lines.append(f" Non-trainable params: {_count(non_trainable):,} "
                 f"({format_bytes(_bytes(non_trainable))})")
    if optimizer_vars:
        lines.append(f" Optimizer params: {_count(optimizer_vars):,} "
                     f"({format_bytes(_bytes(optimizer_vars))})")
    return "\n".join(lines) + "\n"


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Print the summary table of `model`, or hand it to `print_fn`.

    Columns: Layer (type) | Output Shape | Param # [| Connected to] [| Trainable]; then total,
    trainable, non-trainable (and optimizer) parameter counts with their size in bytes. With
    `expand_nested=True` the layers of a nested model follow its row, indented
    (`   └ name (Type)`, three more spaces per level), with "-" as their Connected to.

    As in Keras 3, `print_fn` is called once, with the whole summary as one string ending in a
    newline (`model.summary(print_fn=lines.append)` gives a one-element list; split it with
    `.splitlines()`); without `print_fn` the text goes to standard output.
    """
    text = summary_text(model, line_length, positions, expand_nested, show_trainable, layer_range)
    if print_fn is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        print_fn(text)
