"""Issue 16, items 6, 8, 9, 10 and the weak errors of fit / evaluate / predict: each wrong
argument is refused with an error naming it (regression tests; each failed before the fix)."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.utils.py_dataset import PyDataset


def tiny_model(features=3, units=1, loss="mse", metrics=None, activation=None):
    inputs = keras.Input((features,))
    model = keras.Model(inputs, layers.Dense(units, activation=activation)(inputs))
    model.compile("sgd", loss, metrics=metrics)
    return model


X = np.linspace(0, 1, 24, dtype="float32").reshape(8, 3)
Y = np.linspace(0, 1, 8, dtype="float32").reshape(8, 1)
LABELS = np.array([0, 1, 2, 0, 1, 2, 0, 1])


# -- 6: class_weight keys -------------------------------------------------------------------
def test_negative_class_weight_key_is_refused_naming_key_and_range():
    model = tiny_model(units=3, loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"`class_weight` has the key -1.*0 or more"):
        model.fit(X, LABELS, class_weight={-1: 5.0}, verbose=0)


def test_class_weight_key_beyond_one_hot_classes_names_the_range():
    model = tiny_model(units=3, loss="categorical_crossentropy")
    with pytest.raises(ValueError, match=r"key 3.*from 0 to 2 \(3 classes\)"):
        model.fit(X, np.eye(3, dtype="float32")[LABELS], class_weight={0: 1.0, 3: 2.0}, verbose=0)


def test_class_weight_must_be_a_dict_of_numbers():
    model = tiny_model(units=3, loss="sparse_categorical_crossentropy")
    with pytest.raises(TypeError, match="`class_weight` must be a dict"):
        model.fit(X, LABELS, class_weight=[1.0, 2.0, 3.0], verbose=0)
    with pytest.raises(TypeError, match=r"class_weight\[1\]='heavy'"):
        model.fit(X, LABELS, class_weight={1: "heavy"}, verbose=0)
    with pytest.raises(TypeError, match="keys must be integer class indices"):
        model.fit(X, LABELS, class_weight={0.5: 2.0}, verbose=0)


def test_negative_class_weight_key_is_refused_for_a_pydataset():
    class Batches(PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return X[:4], LABELS[:4]

    model = tiny_model(units=3, loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="`class_weight` has the key -2"):
        model.fit(Batches(), class_weight={-2: 3.0}, verbose=0)


def test_valid_class_weight_still_weights_the_samples():
    model = tiny_model(units=3, loss="sparse_categorical_crossentropy")
    history = model.fit(X, LABELS, class_weight={0: 1.0, 2: 3.0}, verbose=0)
    assert np.isfinite(history.history["loss"][0])


# -- 8: no samples --------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_fit_and_evaluate_on_zero_samples_raise(method):
    model = tiny_model(metrics=["mae"])
    with pytest.raises(ValueError, match=rf"`{method}` needs at least one sample, but `x` holds 0"):
        getattr(model, method)(X[:0], Y[:0], verbose=0)


def test_predict_on_zero_samples_raises_naming_x():
    with pytest.raises(ValueError, match=r"`predict` needs at least one sample, but `x` holds 0"):
        tiny_model().predict(X[:0], verbose=0)


def test_empty_validation_data_is_refused():
    with pytest.raises(ValueError, match="`validation_data` holds 0 samples"):
        tiny_model().fit(X, Y, validation_data=(X[:0], Y[:0]), verbose=0)


def test_train_on_batch_on_zero_samples_raises():
    with pytest.raises(ValueError, match="`train_on_batch` needs at least one sample"):
        tiny_model().train_on_batch(X[:0], Y[:0])


# -- 9: binary crossentropy labels ----------------------------------------------------------
@pytest.mark.parametrize("loss", ["binary_crossentropy", keras.losses.BinaryCrossentropy(),
                                  keras.losses.BinaryFocalCrossentropy()])
def test_binary_crossentropy_refuses_labels_outside_0_1(loss):
    model = tiny_model(loss=loss, activation="sigmoid")
    y = np.array([[4], [7]] * 4, dtype="float32")
    with pytest.raises(ValueError, match=r"expects targets \(`y`\) between 0 and 1.*4\.0, 7\.0"):
        model.fit(X, y, verbose=0)


def test_binary_crossentropy_accepts_soft_labels_and_checks_once_per_fit():
    model = tiny_model(loss="binary_crossentropy", activation="sigmoid")
    model.fit(X, Y, verbose=0)  # probabilities in [0, 1]
    assert model._compile_loss.check_targets_next_call is False
    with pytest.raises(ValueError, match="between 0 and 1"):
        model.fit(X, -Y - 1, verbose=0)  # a new fit checks its own first batch


# -- 10: zero-size feature axes -------------------------------------------------------------
def test_dense_trains_on_zero_features():
    model = tiny_model(features=0, units=2)
    history = model.fit(np.zeros((8, 0), "float32"), np.ones((8, 2), "float32"), verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.predict(np.zeros((3, 0), "float32"), verbose=0).shape == (3, 2)


def test_flatten_then_dense_trains_on_zero_features():
    model = keras.Sequential([keras.Input((0, 4)), layers.Flatten(), layers.Dense(2)])
    model.compile("sgd", "mse")
    model.fit(np.zeros((5, 0, 4), "float32"), np.ones((5, 2), "float32"), batch_size=2, verbose=0)
    assert model.predict(np.zeros((3, 0, 4), "float32"), verbose=0).shape == (3, 2)


# -- weak errors ----------------------------------------------------------------------------
def test_list_of_lists_as_x_says_how_it_is_read():
    with pytest.raises(ValueError, match=r"`x`.*list of 8 entries holding Python scalars.*np\.asarray"):
        tiny_model().fit([[1.0, 2.0, 3.0]] * 8, Y, verbose=0)


def test_ragged_list_as_x_says_to_pad():
    with pytest.raises(ValueError, match=r"`x`.*ragged list of 2 rows of lengths 2 to 3.*pad"):
        tiny_model().fit([[1.0, 2.0, 3.0], [1.0, 2.0]], Y[:2], verbose=0)


@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_missing_y_names_y(method):
    with pytest.raises(ValueError, match="needs targets, but `y` is None"):
        getattr(tiny_model(), method)(X, verbose=0)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"batch_size": True}, TypeError, r"`batch_size` must be a positive integer.*True"),
    ({"batch_size": 0}, ValueError, r"`batch_size` must be a positive integer.*batch_size=0"),
    ({"epochs": 1.5}, TypeError, r"`epochs` must be an integer.*1\.5"),
    ({"epochs": "2"}, TypeError, r"`epochs` must be an integer.*'2'"),
    ({"epochs": -1}, ValueError, r"`epochs` must be a non-negative integer.*-1"),
    ({"epochs": 1, "initial_epoch": 3}, ValueError, r"`initial_epoch` \(3\).*`epochs` \(1\)"),
    ({"validation_split": "0.2"}, TypeError, r"`validation_split` must be a float.*'0\.2'"),
    ({"validation_split": 1.0}, ValueError, r"`validation_split` must be a float in \[0, 1\)"),
    ({"steps_per_epoch": 0}, ValueError, r"`steps_per_epoch` must be a positive integer.*=0"),
    ({"shuffle": "yes"}, ValueError, r"`shuffle` must be True, False or 'batch'.*'yes'"),
    ({"validation_steps": 0, "validation_data": (X, Y)}, ValueError, r"`validation_steps`"),
])
def test_fit_refuses_wrong_plain_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        tiny_model().fit(X, Y, verbose=0, **kwargs)


@pytest.mark.parametrize("method", ["evaluate", "predict"])
def test_evaluate_and_predict_refuse_a_bool_batch_size(method):
    args = (X, Y) if method == "evaluate" else (X,)
    with pytest.raises(TypeError, match="`batch_size` must be a positive integer"):
        getattr(tiny_model(), method)(*args, batch_size=True, verbose=0)


def test_valid_plain_arguments_still_train():
    model = tiny_model()
    history = model.fit(X, Y, batch_size=np.int64(4), epochs=np.int32(2), initial_epoch=2,
                        validation_split=0.25, shuffle="batch", verbose=0)
    assert history.history == {} or history.epoch == []  # initial_epoch == epochs: nothing to do
    assert len(model.fit(X, Y, epochs=2, shuffle=np.bool_(False), verbose=0).epoch) == 2


@pytest.mark.parametrize("shape, message", [
    ((-1,), "Negative dimensions are not allowed"),
    ((3, "a"), "Found invalid entry 'a'"),
])
def test_input_refuses_a_bad_shape_at_once(shape, message):
    with pytest.raises(ValueError, match=rf"Input `shape`: cannot convert .*{message}"):
        keras.Input(shape)


def test_empty_class_weight_weighs_every_class_one():
    # found by tests/trainers/test_argument_properties.py: max() of an empty dict
    model = tiny_model(units=3, loss="sparse_categorical_crossentropy")
    assert np.isfinite(model.fit(X, LABELS, class_weight={}, verbose=0).history["loss"][0])
