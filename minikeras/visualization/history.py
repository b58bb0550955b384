"""`plot_history`: the loss and metric curves of `model.fit`, training next to validation."""
import numpy as np

from minikeras.visualization.figures import finish, new_figure


def plot_history(history, metrics=None, to_file=None, dpi=None, ncols=2):
    """One panel per logged quantity, its training curve and (when logged) its validation curve.

        history = model.fit(x, y, validation_split=0.1, epochs=10)
        plot_history(history, to_file="history.png")            # loss, accuracy, ...
        plot_history(history, metrics=["loss"])                  # just the loss

    Args:
        history: what `fit` returns (a `History` callback) or its `history` dict
            (`{"loss": [...], "val_loss": [...], ...}`).
        metrics: names to plot (training names such as "loss" or "accuracy"; the matching
            "val_" curve joins each panel). Default: every training quantity in the logs, the
            loss first. A multi-output model logs a loss and metrics per output
            (`digit_loss`, `digit_accuracy`, `ink_loss`, ...): each gets its own panel, and
            when `history` is the History of `fit` (it knows the model's output names) the
            panels are laid out one row per output, the total loss in the first row.
        to_file: save the figure there too (the extension picks the format).
        dpi: resolution of the saved file (default: the figure's, 100).
        ncols: panels per row.
    Returns:
        The matplotlib Figure. Panel i's lines are the training curve then the validation
        curve, in that order, with the epoch number (1, 2, ...) on the x axis.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(f"plot_history expects a History (what fit returns) or its history "
                        f"dict. Received: {history!r}")
    if metrics is None:
        names = [key for key in logs if not key.startswith("val_")] or list(logs)
        names = sorted(names, key=lambda key: key != "loss")  # the loss first, then log order
    else:
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        missing = [name for name in names if name not in logs and f"val_{name}" not in logs]
        if missing:
            raise ValueError(f"No {missing} in the history; it has {sorted(logs)}.")
    if not names:
        raise ValueError("The history is empty: nothing to plot (was `fit` run?).")
    output_names = getattr(getattr(history, "model", None), "output_names", None)
    rows = _rows_per_output(names, output_names) if metrics is None else [names]

    if len(rows) == 1:
        figure, axes = new_figure(len(names), ncols=ncols, panel_size=(4.5, 3.2))
        panels = list(zip(axes, rows[0]))
    else:  # one row per output (the total loss and anything else first)
        width = max(len(row) for row in rows)
        figure, axes = new_figure(len(rows) * width, ncols=width, panel_size=(4.5, 3.2))
        panels = []
        for r, row in enumerate(rows):
            for c in range(width):
                ax = axes[r * width + c]
                if c < len(row):
                    panels.append((ax, row[c]))
                else:
                    figure.delaxes(ax)
    epochs = list(getattr(history, "epoch", []) or [])
    for ax, name in panels:
        curves = [(name, "training")] if name in logs else []
        if not name.startswith("val_") and f"val_{name}" in logs:
            curves.append((f"val_{name}", "validation"))
        for key, label in curves:
            values = np.asarray(logs[key], dtype=float)
            x = (np.asarray(epochs, dtype=float) + 1 if len(epochs) == len(values)
                 else np.arange(1, len(values) + 1, dtype=float))
            ax.plot(x, values, marker="o" if len(values) <= 30 else None, markersize=3,
                    label=label, color="C0" if label == "training" else "C1")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
        if len(curves) > 1:
            ax.legend()
    return finish(figure, to_file, dpi)


def _rows_per_output(names, output_names):
    """Group the panels by output when the model has several (`<output>_loss`, ...): first
    row the total loss and whatever belongs to no output, then one row per output. With one
    output (or no model at hand), a single group: the loss first, then the log's order."""
    outputs = [name for name in (output_names or []) if f"{name}_loss" in names]
    if len(outputs) < 2:
        return [names]
    groups = {output: [] for output in outputs}
    first = []
    for key in names:
        owner = next((o for o in sorted(outputs, key=len, reverse=True)
                      if key.startswith(f"{o}_")), None)
        (groups[owner] if owner else first).append(key)
    rows = [first] if first else []
    for output in outputs:  # each output's loss first, then its metrics
        rows.append(sorted(groups[output], key=lambda key: key != f"{output}_loss"))
    return rows
