"""`plot_confusion_matrix`: which classes a classifier mistakes for which."""
import numpy as np

from minikeras.visualization.figures import as_numpy, finish, new_figure


def _class_indices(values, what):
    values = as_numpy(values)
    if values.ndim == 2 and values.shape[1] > 1:  # one-hot labels or class probabilities
        return values.argmax(axis=1)
    values = values.reshape(-1)
    if values.dtype.kind == "f" and values.size and not np.all(values == np.round(values)):
        return (values > 0.5).astype(np.int64)  # probabilities of a binary classifier
    if values.size and values.min() < 0:
        raise ValueError(f"{what} holds negative class indices.")
    return values.astype(np.int64)


def confusion_matrix(y_true, y_pred, num_classes=None):
    """counts[i, j] = how many samples of true class i were predicted as class j.

    Labels may be class indices or one-hot rows; predictions class indices, class
    probabilities (the argmax is taken) or binary probabilities (thresholded at 0.5).
    """
    y_true, y_pred = _class_indices(y_true, "y_true"), _class_indices(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred have {len(y_true)} and {len(y_pred)} samples.")
    if num_classes is None:
        num_classes = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def plot_confusion_matrix(y_true, y_pred, labels=None, normalize=None, cmap="Blues",
                          to_file=None, dpi=None, title="Confusion matrix"):
    """The confusion matrix as a heat map with the count (or fraction) in each cell.

        probabilities = model.predict(x_test)
        plot_confusion_matrix(y_test, probabilities, labels=[str(d) for d in range(10)])

    Args:
        y_true: true classes (indices, or one-hot rows).
        y_pred: predicted classes, or the model's class probabilities.
        labels: class names, in class order (default 0, 1, ...).
        normalize: None (counts), "true" (each row sums to 1: recall on the diagonal), "pred"
            (each column sums to 1: precision on the diagonal) or "all", as in scikit-learn.
    Returns:
        The matplotlib Figure; rows are true classes, columns predicted ones, and
        `figure.axes[0].images[0].get_array()` is the matrix drawn.
    """
    num_classes = len(labels) if labels is not None else None
    counts = confusion_matrix(y_true, y_pred, num_classes)
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be None, 'true', 'pred' or 'all'. "
                         f"Received: {normalize!r}")
    matrix = counts.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalize == "true":
            matrix = np.nan_to_num(matrix / matrix.sum(axis=1, keepdims=True))
        elif normalize == "pred":
            matrix = np.nan_to_num(matrix / matrix.sum(axis=0, keepdims=True))
        elif normalize == "all":
            matrix = matrix / max(matrix.sum(), 1.0)
    n = len(matrix)
    labels = [str(i) for i in range(n)] if labels is None else [str(label) for label in labels]
    size = min(2.0 + 0.5 * n, 12.0)
    figure, (ax,) = new_figure(1, figsize=(size + 1.2, size))
    image = ax.imshow(matrix if normalize else counts, cmap=cmap, interpolation="nearest")
    figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if n <= 30:
        high = matrix.max() if matrix.size else 0
        for i in range(n):
            for j in range(n):
                text = f"{matrix[i, j]:.2f}" if normalize else f"{counts[i, j]:d}"
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if matrix[i, j] > high / 2 else "black")
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xticklabels(labels, rotation=45 if max(map(len, labels), default=0) > 3 else 0)
    ax.set_yticklabels(labels)
    ax.set_xlabel("Predicted label")
    ax.set_ylabel("True label")
    ax.set_title(title)
    return finish(figure, to_file, dpi)
