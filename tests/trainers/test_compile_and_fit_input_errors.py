"""Bad input gets a clear error naming what was expected and what came."""
import numpy as np
import pytest

import minikeras
from minikeras import layers


def model():
    return minikeras.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])


def test_fit_before_compile():
    with pytest.raises(ValueError, match=r"You must call `compile\(\)` before using the model"):
        model().fit(np.zeros((2, 4)), np.zeros(2))


def test_compile_without_loss_then_fit():
    m = model()
    m.compile(optimizer="adam")
    with pytest.raises(ValueError, match="No loss to compute"):
        m.fit(np.zeros((2, 4)), np.zeros(2), verbose=0)


def test_x_and_y_of_different_lengths():
    m = model()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"(?s)Data cardinality is ambiguous.*'x' sizes: 3\n'y' sizes: 4"):
        m.fit(np.zeros((3, 4)), np.zeros(4), verbose=0)


def test_input_shape_mismatch_names_layer_expected_and_received():
    m = model()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r'layer "sequential.*".*expected shape=\(None, 4\), '
                                         r"found shape=\(2, 5\)"):
        m.fit(np.zeros((2, 5)), np.zeros(2), verbose=0)


@pytest.mark.parametrize("kwargs, pattern", [
    ({"optimizer": "adamm", "loss": "mse"}, r"Unknown optimizer: 'adamm'.*'adam'"),
    ({"optimizer": "adam", "loss": "mean_sqared_error"}, r"Unknown loss.*'mean_sqared_error'.*'mse'"),
    ({"optimizer": "adam", "loss": "mse", "metrics": ["acuracy"]}, r"Unknown metric.*'acuracy'.*'accuracy'"),
])
def test_unknown_names_list_the_valid_ones(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        model().compile(**kwargs)


def test_unknown_activation_name():
    with pytest.raises(ValueError, match=r"Unknown activation: 'sigmod'.*'sigmoid'"):
        layers.Dense(2, activation="sigmod")


def test_sparse_labels_out_of_range():
    m = model()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy.*\[0, 3\).*5"):
        m.fit(np.zeros((2, 4)), np.array([0, 5]), verbose=0)
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy"):
        m.evaluate(np.zeros((2, 4)), np.array([-1, 0]), verbose=0)


def test_nan_inputs_propagate_as_nan():
    m = model()
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = np.zeros((2, 4))
    x[1, 2] = np.nan
    loss = m.train_on_batch(x, np.array([0, 1]))
    assert np.isnan(loss)


def test_bad_validation_data_and_split():
    m = model()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="validation_data"):
        m.fit(np.zeros((4, 4)), np.zeros(4), validation_data=np.zeros(3), verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        m.fit(np.zeros((4, 4)), np.zeros(4), validation_split=1.5, verbose=0)


def test_bad_batch_size_and_verbose():
    m = model()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="batch_size"):
        m.fit(np.zeros((4, 4)), np.zeros(4), batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="verbose"):
        m.fit(np.zeros((4, 4)), np.zeros(4), verbose=3)


def test_unknown_names_suggest_close_matches():
    with pytest.raises(ValueError, match=r"Unknown optimizer: 'adamm'\. Did you mean 'adam'"):
        minikeras.optimizers.get("adamm")
    with pytest.raises(ValueError, match=r"Did you mean 'relu'"):
        minikeras.activations.get("rellu")
    with pytest.raises(ValueError, match=r"Unknown loss: 'zzz'\. Valid losses"):
        minikeras.losses.get("zzz")
