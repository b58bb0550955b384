"""keras.losses.CTC and keras.losses.ctc: Keras's argument conventions (y_true integer labels
with 0 the blank and the padding, y_pred logits using every step), values from Keras 3.15.1
(torch backend) on these inputs, config, names, gradients and training."""
import numpy as np
import pytest

from minikeras import layers, losses, models
from minikeras.backend.autodiff import Tensor, gradients

Y_TRUE = np.array([[1, 2, 0], [3, 3, 1]])
Y_PRED = np.random.default_rng(0).standard_normal((2, 6, 4)).astype("float32")
KERAS_CTC = [6.5901623, 6.4102397]  # keras.losses.ctc(Y_TRUE, Y_PRED)


def test_ctc_function_matches_keras():
    np.testing.assert_allclose(losses.ctc(Y_TRUE, Y_PRED).numpy(), KERAS_CTC, rtol=1e-5)


@pytest.mark.parametrize("reduction, expected", [
    ("sum_over_batch_size", np.mean(KERAS_CTC)), ("sum", np.sum(KERAS_CTC)), (None, KERAS_CTC)])
def test_ctc_class_reductions_and_float_labels(reduction, expected):
    loss = losses.CTC(reduction=reduction)
    np.testing.assert_allclose(loss(Y_TRUE, Y_PRED).numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(loss(Y_TRUE.astype("float32"), Y_PRED).numpy(), expected,
                               rtol=1e-5)


def test_ctc_config_and_names_like_keras():
    assert losses.CTC().get_config() == {"name": "ctc", "reduction": "sum_over_batch_size"}
    rebuilt = losses.deserialize(losses.serialize(losses.CTC(reduction="sum", name="c")))
    assert isinstance(rebuilt, losses.CTC) and rebuilt.reduction == "sum" and rebuilt.name == "c"
    assert losses.get("ctc") is losses.ctc and isinstance(losses.get("CTC"), losses.CTC)


def test_ctc_gradient_sums_to_zero_over_classes():
    logits = Tensor(Y_PRED, requires_grad=True)
    (grad,) = gradients(losses.CTC()(Y_TRUE, logits), [logits])
    grad = np.asarray(grad.numpy() if hasattr(grad, "numpy") else grad)
    np.testing.assert_allclose(grad.sum(axis=-1), 0.0, atol=1e-6)  # softmax - posterior


@pytest.mark.parametrize("y_true, y_pred, match", [
    (np.ones((2, 3, 1)), Y_PRED, "y_true"), (Y_TRUE, np.ones((2, 6)), "y_pred")])
def test_ctc_bad_shapes(y_true, y_pred, match):
    with pytest.raises(ValueError, match=f"ctc: `{match}`"):
        losses.ctc(y_true, y_pred)


def test_a_model_trains_with_the_ctc_loss():
    model = models.Sequential([layers.Input((6, 3)), layers.Dense(4)])
    model.compile(optimizer="adam", loss="ctc")
    x = np.random.default_rng(1).standard_normal((8, 6, 3)).astype("float32")
    y = np.tile(np.array([[1, 2, 0]]), (8, 1))
    history = model.fit(x, y, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
