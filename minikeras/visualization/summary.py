"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts."""
import math
import textwrap

from minikeras.backend.array_module import xp

# The column widths Keras 3 draws (through `rich`) in an 80-column terminal, borders excluded.
KERAS_COLUMN_WIDTHS = [33, 24, 15, 11]
KERAS_GRAPH_COLUMN_WIDTHS = [21, 19, 12, 19]
KERAS_GRAPH_COLUMN_WIDTHS_TRAINABLE = [19, 17, 11, 16, 7]


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
    wrapped = [[_cut(line, width - 2) for line in
                textwrap.wrap(str(text), width - 2, break_long_words=False,
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


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Print (or pass to `print_fn`, one line at a time) the summary table of `model`.

    Columns: Layer (type) | Output Shape | Param # [| Trainable]; then total, trainable,
    non-trainable (and optimizer) parameter counts with their size in bytes.
    """
    print_fn = print_fn or print
    graph = hasattr(model, "_is_sequential_like") and not model._is_sequential_like()
    columns = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if graph else [])
    aligns = ["left", "left", "right"] + (["left"] if graph else [])
    if show_trainable:
        columns.append("Trainable")
        aligns.append("center")
    if line_length is None and positions is None:  # what Keras 3 draws by default
        if graph:
            widths = KERAS_GRAPH_COLUMN_WIDTHS_TRAINABLE if show_trainable else KERAS_GRAPH_COLUMN_WIDTHS
        else:
            widths = KERAS_COLUMN_WIDTHS[: len(columns)]
    else:
        line_length = line_length or 79
        positions = positions or ([0.3, 0.56, 0.74, 1.0, 1.0] if graph else
                                  [0.45, 0.75, 1.0, 1.0])[: len(columns)]
        if positions[-1] <= 1:
            positions = [int(line_length * p) for p in positions]
        widths = [positions[0] - 1] + [positions[i] - positions[i - 1] - 1
                                       for i in range(1, len(positions))]

    rows = []
    for layer, output_shape in model._summary_rows(expand_nested):
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        row = [f"{layer.name} ({type(layer).__name__})", format_shape(output_shape), params]
        if graph:
            row.append(model._connections(layer))
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        rows.append(row)

    print_fn(f'Model: "{model.name}"')
    print_fn(_rule(widths, "┏", "┳", "┓", "━"))
    header_aligns = ["left", "left", "right"] + aligns[3:]
    for line in _row(_header(columns, widths), widths, header_aligns, edge="┃").split("\n"):
        print_fn(line)
    print_fn(_rule(widths, "┡", "╇", "┩", "━"))
    for i, row in enumerate(rows):
        for line in _row(row, widths, aligns).split("\n"):
            print_fn(line)
        if i < len(rows) - 1:
            print_fn(_rule(widths, "├", "┼", "┤", "─"))
    print_fn(_rule(widths, "└", "┴", "┘", "─"))

    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    optimizer = getattr(model, "optimizer", None)
    built = optimizer is not None and getattr(optimizer, "built", False)
    optimizer_vars = list(optimizer.variables) if built else []
    total = _count(trainable) + _count(non_trainable) + _count(optimizer_vars)
    total_bytes = _bytes(trainable) + _bytes(non_trainable) + _bytes(optimizer_vars)
    print_fn(f" Total params: {total:,} ({format_bytes(total_bytes)})")
    print_fn(f" Trainable params: {_count(trainable):,} ({format_bytes(_bytes(trainable))})")
    print_fn(f" Non-trainable params: {_count(non_trainable):,} ({format_bytes(_bytes(non_trainable))})")
    if optimizer_vars:
        print_fn(f" Optimizer params: {_count(optimizer_vars):,} ({format_bytes(_bytes(optimizer_vars))})")
