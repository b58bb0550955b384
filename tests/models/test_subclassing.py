"""Model subclassing: tracked attributes, custom layers with `add_weight`, Keras 3's step overrides."""
import numpy as np
import pytest

import minikeras
from minikeras import layers, ops
from minikeras.backend.autodiff import Tensor
from minikeras.utils import layer_gradient_check, pack_x_y_sample_weight, unpack_x_y_sample_weight

RNG = np.random.default_rng(7)
X = RNG.normal(size=(96, 4)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32") + 0.25).astype("float32")


class Scale(layers.Layer):
    """y = tanh(x * w + b): a custom layer written with ops only (no hand-written gradient)."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
        self.b = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="b")

    def call(self, x):
        return ops.tanh(x * self.w + self.b)


class Regressor(minikeras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.scale = Scale()
        self.hidden = layers.Dense(8, activation="relu")
        self.head = layers.Dense(1)

    def call(self, x, training=None):
        return self.head(self.hidden(self.scale(x)))


def test_custom_layer_gradients_come_from_ops():
    layer = Scale(dtype="float64")
    x = RNG.normal(size=(3, 5))
    layer(x)
    layer.set_weights([RNG.normal(size=5), RNG.normal(size=5)])
    assert layer_gradient_check(layer, x) < 1e-6


def test_layers_assigned_as_attributes_are_tracked_in_order():
    model = Regressor()
    model(X[:2])
    assert [layer.name for layer in model.layers] == [model.scale.name, model.hidden.name,
                                                     model.head.name]
    assert [tuple(w.shape) for w in model.weights] == [(4,), (4,), (4, 8), (8,), (8, 1), (1,)]
    assert model.count_params() == 4 + 4 + 32 + 8 + 8 + 1


def test_subclassed_model_trains_with_the_default_train_step():
    minikeras.utils.set_random_seed(3)
    model = Regressor()
    model.compile(optimizer=minikeras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    history = model.fit(X, Y, epochs=30, batch_size=32, verbose=0)
    assert list(history.history) == ["loss", "mae"]
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]


class GradientTapeModel(Regressor):
    """The Keras 3 "customizing fit" pattern: own train_step / test_step and own trackers."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.loss_tracker = minikeras.metrics.Mean(name="loss")
        self.mae_metric = minikeras.metrics.MeanAbsoluteError(name="mae")
        self.steps_seen = []

    def train_step(self, data):
        x, y = data
        self.steps_seen.append(len(x))
        with minikeras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.loss_tracker.update_state(self.compute_loss(y=y, y_pred=y_pred))
        self.mae_metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]


def test_custom_train_step_with_gradient_tape_matches_the_default_step():
    minikeras.utils.set_random_seed(5)
    custom = GradientTapeModel()
    custom(X[:1])
    minikeras.utils.set_random_seed(5)
    default = Regressor()
    default(X[:1])
    default.set_weights(custom.get_weights())
    for model in (custom, default):
        model.compile(optimizer=minikeras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    h_custom = custom.fit(X, Y, epochs=3, batch_size=32, shuffle=False, verbose=0)
    h_default = default.fit(X, Y, epochs=3, batch_size=32, shuffle=False, verbose=0)
    assert custom.steps_seen == [32, 32, 32] * 3
    np.testing.assert_allclose(h_custom.history["loss"], h_default.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(h_custom.history["mae"], h_default.history["mae"], rtol=1e-6)
    for a, b in zip(custom.get_weights(), default.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    loss, mae = custom.evaluate(X, Y, verbose=0)
    np.testing.assert_allclose([loss, mae], default.evaluate(X, Y, verbose=0), rtol=1e-6)


def test_metrics_assigned_as_attributes_are_reset_each_epoch_and_logged():
    class Counting(Regressor):
        def __init__(self):
            super().__init__()
            self.batches = minikeras.metrics.Sum(name="batches")

        def train_step(self, data):
            self.batches.update_state(1.0)
            return super().train_step(data)

    model = Counting()
    model.compile(optimizer="sgd", loss="mse")
    assert model.batches in model.metrics
    history = model.fit(X, Y, epochs=2, batch_size=32, verbose=0)
    assert history.history["batches"] == [3.0, 3.0]  # reset at every epoch start


def test_train_step_receives_the_sample_weight_when_given():
    received = []

    class Recording(Regressor):
        def train_step(self, data):
            received.append(len(data))
            return super().train_step(data)

    model = Recording()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, Y, batch_size=96, epochs=1, verbose=0)
    model.fit(X, Y, sample_weight=np.ones(96), batch_size=96, epochs=1, verbose=0)
    assert received == [2, 3]


def test_predict_step_override_changes_predict():
    class Doubling(Regressor):
        def predict_step(self, data):
            return super().predict_step(data) * 2.0

    model = Doubling()
    plain = model.predict(X, verbose=0) / 2.0
    np.testing.assert_allclose(plain, Regressor.predict_step(model, (X,)), rtol=1e-6)


def test_a_train_step_that_returns_no_dict_is_a_clear_error():
    class Broken(Regressor):
        def train_step(self, data):
            return 1.0

    model = Broken()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match="must return a dict of logs"):
        model.fit(X, Y, epochs=1, verbose=0)


def test_pack_and_unpack_data_like_keras():
    x, y, w = np.zeros(2), np.ones(2), np.full(2, 3.0)
    assert pack_x_y_sample_weight(x) == (x,)
    assert pack_x_y_sample_weight(x, y)[1] is y
    assert len(pack_x_y_sample_weight(x, y, w)) == 3
    assert unpack_x_y_sample_weight((x,)) == (x, None, None)
    assert unpack_x_y_sample_weight((x, y))[1] is y
    assert unpack_x_y_sample_weight(x)[0] is x
    with pytest.raises(ValueError, match="found a tuple of length 4"):
        unpack_x_y_sample_weight((x, y, w, w))


def test_add_loss_in_call_trains_without_a_compiled_loss():
    class Penalized(minikeras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1, kernel_initializer="ones")

        def call(self, x):
            out = self.dense(x)
            self.add_loss(ops.mean(ops.square(out - 3.0)))
            return out

    model = Penalized()
    model.compile(optimizer=minikeras.optimizers.SGD(0.1))
    history = model.fit(X, Y, epochs=60, batch_size=96, verbose=0)
    assert history.history["loss"][-1] < 0.05 * history.history["loss"][0]
    assert abs(float(np.mean(model.predict(X, verbose=0))) - 3.0) < 0.2


def test_model_called_eagerly_returns_a_tensor():
    model = Regressor()
    out = model(X[:5])
    assert isinstance(out, Tensor) and out.shape == (5, 1)
    np.testing.assert_allclose(out.numpy(), model.predict(X[:5], verbose=0), rtol=1e-6)


def test_positional_arguments_other_than_inputs_outputs_are_rejected():
    with pytest.raises(TypeError, match="inputs` and `outputs`"):
        minikeras.Model("not a tensor")


def test_a_step_returning_every_metric_result_logs_flat_keys_like_keras():
    """Keras's guide returns {m.name: m.result() for m in self.metrics}; `compile_metrics`'
    result is a dict, merged into the logs rather than nested."""
    class GuideStyle(Regressor):
        def train_step(self, data):
            x, y = data
            with minikeras.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            self.optimizer.apply(tape.gradient(loss, self.trainable_variables),
                                 self.trainable_variables)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    model = GuideStyle()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(X, Y, epochs=2, batch_size=32, verbose=0)
    assert sorted(history.history) == ["loss", "mae"]
    assert all(isinstance(v, float) for v in history.history["mae"])


def test_metrics_passed_where_loss_weights_go_is_a_clear_error():
    model = Regressor()
    with pytest.raises(ValueError, match="`loss_weights` must hold numbers"):
        model.compile("sgd", "mse", ["mae"])
