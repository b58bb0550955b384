"""The course's pictures: activation functions and their derivatives, a tangent line, and the
field of steepest-descent arrows of a 2-D function.

The derivatives are minikeras's own: `plot_activations` differentiates each activation with the
autodiff core (the same backward pass training uses), `plot_tangent_line` and
`plot_gradient_field` use `minikeras.utils.numerical_gradient` (central differences, chapter 3
of the course).
"""
import numpy as np

from minikeras.visualization.figures import finish, new_figure

DEFAULT_ACTIVATIONS = ("step", "sigmoid", "tanh", "relu")


def activation_and_derivative(activation, x):
    """(f(x), f'(x)) for an elementwise activation, f' by minikeras's autodiff."""
    from minikeras import activations
    from minikeras.backend.autodiff import Tensor, gradients

    function = activations.get(activation)
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    inputs = Tensor(x, requires_grad=True)
    outputs = function(inputs)
    values = np.asarray(outputs.numpy() if hasattr(outputs, "numpy") else outputs)
    half = x[: max(1, x.size // 2)]
    part = function(Tensor(half))
    part = np.asarray(part.numpy() if hasattr(part, "numpy") else part)
    if values.shape != x.shape or not np.allclose(part, values.reshape(-1)[: half.size],
                                                  rtol=1e-5, atol=1e-6, equal_nan=True):
        raise ValueError(f"{activation!r} is not elementwise (its output at one point depends "
                         f"on the other inputs, or has another shape); plot_activations draws "
                         f"functions of one number.")
    (slope,) = gradients(outputs.sum(), [inputs])
    return values.astype(np.float64), np.asarray(slope, dtype=np.float64)


def plot_activations(names=DEFAULT_ACTIVATIONS, x=None, derivatives=True, to_file=None,
                     dpi=None, ncols=4):
    """Each activation's curve, and its derivative dashed, one panel per activation.

        plot_activations(["step", "sigmoid", "relu"], to_file="activations.png")

    Args:
        names: activation names (`minikeras.activations.get` identifiers: "sigmoid", "relu",
            "tanh", "elu", "gelu", the course's "step", ...) or elementwise functions of a
            Tensor. Softmax is not elementwise and is refused.
        x: the inputs to draw over (default 401 points from -5 to 5).
        derivatives: also draw f'(x), computed by backpropagating through the activation.
    Returns:
        The matplotlib Figure; panel i holds the lines f(x) then f'(x).
    """
    if isinstance(names, str) or callable(names):
        names = [names]
    names = list(names)
    x = np.linspace(-5.0, 5.0, 401) if x is None else np.asarray(x, dtype=np.float64)
    figure, axes = new_figure(len(names), ncols=ncols, panel_size=(3.2, 2.8))
    for ax, name in zip(axes, names):
        values, slope = activation_and_derivative(name, x)
        title = name if isinstance(name, str) else getattr(name, "__name__", "activation")
        ax.plot(x, values, color="C0", linewidth=2, label=title)
        if derivatives:
            ax.plot(x, slope, color="C3", linestyle="--", linewidth=1.5, label="derivative")
        ax.set_title(title)
        ax.set_xlabel("z")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
    return finish(figure, to_file, dpi)


def _evaluate(f, x):
    """f over an array of points: one vectorized call when f allows it, else point by point."""
    try:
        values = np.asarray(f(x), dtype=np.float64)
        if values.shape == x.shape:
            return values
    except Exception:  # a function of one number only
        pass
    return np.array([float(np.asarray(f(v))) for v in x])


def plot_tangent_line(f, x0, x=None, h=1e-4, to_file=None, dpi=None):
    """f, and its tangent at x0: y = f(x0) + f'(x0) (x - x0), with f'(x0) by central
    differences (`minikeras.utils.numerical_gradient`). The course's picture of a derivative.

        plot_tangent_line(lambda x: 0.01 * x ** 2 + 0.1 * x, 5.0, x=np.arange(0, 20, 0.1))

    Returns:
        The matplotlib Figure; its axes hold the lines f(x) then the tangent, and the touching
        point as a marker. The slope is in the title.
    """
    from minikeras.utils.gradient_check import numerical_gradient

    x0 = float(x0)
    x = np.linspace(x0 - 5.0, x0 + 5.0, 201) if x is None else np.asarray(x, dtype=np.float64)
    slope = float(numerical_gradient(lambda v: f(float(v[0])), np.array([x0]), h)[0])
    y0 = float(np.asarray(f(x0)))
    figure, (ax,) = new_figure(1, panel_size=(5.0, 3.6))
    ax.plot(x, _evaluate(f, x), color="C0", linewidth=2, label="f(x)")
    ax.plot(x, y0 + slope * (x - x0), color="C3", linestyle="--", label=f"tangent at x = {x0:g}")
    ax.scatter([x0], [y0], color="C3", zorder=3)
    ax.set_title(f"f'({x0:g}) = {slope:.4g}")
    ax.set_xlabel("x")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return finish(figure, to_file, dpi)


def plot_gradient_field(f, xlim=(-3.0, 3.0), ylim=(-3.0, 3.0), num=15, h=1e-4, contour=True,
                        to_file=None, dpi=None):
    """Arrows of -grad f over a grid: the way downhill from every point (the course's quiver
    plot), on top of f's contour lines.

        plot_gradient_field(lambda p: p[0] ** 2 + p[1] ** 2)     # arrows point at (0, 0)

    Args:
        f: a function of a length-2 array returning a number (a float, a 0-d array or Tensor).
        xlim, ylim: the square of the plane to cover; num: arrows per side.
        h: the central-difference step of `minikeras.utils.numerical_gradient`.
        contour: also draw f's contour lines (f is evaluated on a finer grid).
    Returns:
        The matplotlib Figure; its axes hold one quiver whose U, V are -df/dx0, -df/dx1 at the
        grid points X, Y (`np.meshgrid` of the two ranges).
    """
    from minikeras.utils.gradient_check import numerical_gradient

    def value(point):
        result = f(point)
        result = result.numpy() if hasattr(result, "numpy") else result
        return float(np.asarray(result))

    xs = np.linspace(xlim[0], xlim[1], num)
    ys = np.linspace(ylim[0], ylim[1], num)
    X, Y = np.meshgrid(xs, ys)
    U, V = np.zeros_like(X), np.zeros_like(Y)
    for index in np.ndindex(X.shape):
        grad = numerical_gradient(value, np.array([X[index], Y[index]], dtype=np.float64), h)
        U[index], V[index] = -grad[0], -grad[1]
    figure, (ax,) = new_figure(1, panel_size=(5.0, 4.6))
    if contour:
        fine_x = np.linspace(xlim[0], xlim[1], 60)
        fine_y = np.linspace(ylim[0], ylim[1], 60)
        FX, FY = np.meshgrid(fine_x, fine_y)
        Z = np.array([[value(np.array([a, b])) for a, b in zip(row_x, row_y)]
                      for row_x, row_y in zip(FX, FY)])
        contours = ax.contour(FX, FY, Z, levels=12, cmap="viridis", linewidths=0.8)
        ax.clabel(contours, fontsize=7)
    ax.quiver(X, Y, U, V, angles="xy", color="#444444")
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_title("minus the gradient: the way downhill")
    ax.set_aspect("equal")
    ax.grid(True, alpha=0.3)
    return finish(figure, to_file, dpi)
