"""Issue 16 (weak errors): a loss given targets whose shape does not match the predictions
names itself and both shapes, instead of surfacing NumPy's broadcast error."""
import numpy as np
import pytest

from minikeras import losses

PAIRS = [((8, 2), (8, 3)), ((4, 5), (4, 2)), ((3, 2, 2), (3, 2, 3))]
FUNCTIONS = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
             "mean_squared_logarithmic_error", "cosine_similarity", "huber", "log_cosh"]


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("true_shape, pred_shape", PAIRS)
def test_shape_mismatch_names_the_loss_and_both_shapes(name, true_shape, pred_shape):
    y_true, y_pred = np.ones(true_shape, "float32"), np.ones(pred_shape, "float32")
    message = (rf"{name}: the shapes of y_true and y_pred do not match, received "
               rf"y_true.shape={re_shape(true_shape)} and y_pred.shape={re_shape(pred_shape)}")
    with pytest.raises(ValueError, match=message):
        getattr(losses, name)(y_true, y_pred)


def test_loss_object_names_the_shapes_too():
    with pytest.raises(ValueError, match=r"y_true.shape=\(8, 2\) and y_pred.shape=\(8, 3\)"):
        losses.MeanSquaredError()(np.ones((8, 2)), np.ones((8, 3)))


def test_shapes_that_broadcast_still_compute():
    value = losses.mean_squared_error(np.zeros((4, 3)), np.ones((4, 1)))
    np.testing.assert_allclose(np.asarray(value.data), np.ones(4))


def re_shape(shape):
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")
