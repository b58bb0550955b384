"""What every plot shares: a matplotlib Figure that belongs to no window, and saving it.

The plots build `matplotlib.figure.Figure` objects directly instead of going through pyplot, so
they never open a window, never depend on (or change) the matplotlib backend, and never pile
up in pyplot's list of open figures: they are safe on a headless machine, in a test suite, or
in a web server. In Jupyter, a returned figure shows itself when it is the value of a cell; in
a script, save it (`to_file=` or `figure.savefig(...)`). To show one in a pyplot window,
draw into pyplot's own figure instead, e.g. `plt.figure().canvas` or re-create it there.
"""
import math

import numpy as np


def new_figure(n_axes=1, ncols=None, panel_size=(4.0, 3.0), figsize=None):
    """A constrained-layout Figure and its list of `n_axes` axes in a grid (`ncols` wide)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError("minikeras.visualization draws with matplotlib, which is not "
                          "installed: `pip install matplotlib` (or `pip install "
                          "minikeras[viz]`).") from error
    ncols = max(1, min(n_axes, ncols or n_axes))
    nrows = max(1, math.ceil(n_axes / ncols))
    if figsize is None:
        figsize = (panel_size[0] * ncols, panel_size[1] * nrows)
    figure = Figure(figsize=figsize, layout="constrained")
    axes = [figure.add_subplot(nrows, ncols, i + 1) for i in range(n_axes)]
    return figure, axes


def finish(figure, to_file=None, dpi=None):
    """Save `figure` to `to_file` (its extension picks the format) when given; return it."""
    if to_file is not None:
        figure.savefig(to_file, dpi=dpi or "figure", facecolor="white")
    return figure


def as_numpy(value):
    """A NumPy array from an array, a list, a minikeras Tensor or Variable."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


def grid_columns(n):
    """Columns of a near-square grid of `n` small images."""
    return max(1, math.ceil(math.sqrt(n)))
