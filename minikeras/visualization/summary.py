"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts."""
import math

from minikeras.backend.array_module import xp


KERAS_COLUMN_WIDTHS = [33, 24, 15, 11]


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


def _row(cells, widths, aligns, edge="│"):
    parts = []
    for text, width, align in zip(cells, widths, aligns):
        text = str(text)[: width - 2]
        parts.append(" " + (text.rjust(width - 2) if align == "right" else text.ljust(width - 2)) + " ")
    return edge + edge.join(parts) + edge


def _rule(widths, left, mid, right, fill):
    return left + mid.join(fill * w for w in widths) + right


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Print (or pass to `print_fn`, one line at a time) the summary table of `model`.

    Columns: Layer (type) | Output Shape | Param # [| Trainable]; then total, trainable,
    non-trainable (and optimizer) parameter counts with their size in bytes.
    """
    print_fn = print_fn or print
    columns = ["Layer (type)", "Output Shape", "Param #"] + (["Trainable"] if show_trainable else [])
    if line_length is None and positions is None:
        widths = KERAS_COLUMN_WIDTHS[: len(columns)]  # what Keras 3 draws by default
    else:
        line_length = line_length or 79
        positions = positions or [0.45, 0.75, 1.0, 1.0][: len(columns)]
        if positions[-1] <= 1:
            positions = [int(line_length * p) for p in positions]
        widths = [positions[0] - 1] + [positions[i] - positions[i - 1] - 1
                                       for i in range(1, len(positions))]
    aligns = ["left", "left", "right", "left"][: len(columns)]

    rows = []
    for layer, output_shape in model._summary_rows(expand_nested):
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        row = [f"{layer.name} ({type(layer).__name__})", format_shape(output_shape), params]
        if show_trainable:
            row.append("Y" if layer.trainable else "N")
        rows.append(row)

    print_fn(f'Model: "{model.name}"')
    print_fn(_rule(widths, "┏", "┳", "┓", "━"))
    print_fn(_row(columns, widths, aligns[:2] + ["right"] + aligns[3:], edge="┃"))
    print_fn(_rule(widths, "┡", "╇", "┩", "━"))
    for i, row in enumerate(rows):
        print_fn(_row(row, widths, aligns))
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
