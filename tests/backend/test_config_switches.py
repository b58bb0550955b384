"""`keras.config`'s switches: interactive logging (where progress goes), traceback filtering,
flash attention, the epoch and step caps `fit` honours, and the global dtype policy; each
checked against what Keras 3.15 does (values noted from the reference venv)."""
import logging
import warnings

import numpy as np
import pytest

import minikeras
from minikeras import config, layers, utils


@pytest.fixture(autouse=True)
def _restore_switches():
    yield
    minikeras.utils.clear_session()
    config.set_max_epochs(None)
    config.set_max_steps_per_epoch(None)


def _model():
    model = minikeras.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def test_interactive_logging_switch_is_shared_with_utils():
    assert config.is_interactive_logging_enabled() is True
    utils.disable_interactive_logging()
    assert config.is_interactive_logging_enabled() is False
    config.enable_interactive_logging()
    assert utils.is_interactive_logging_enabled() is True
    assert utils.enable_interactive_logging is config.enable_interactive_logging


def test_fit_progress_goes_to_logging_when_interactive_logging_is_off(capsys, caplog):
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    config.disable_interactive_logging()
    with caplog.at_level(logging.INFO, logger="minikeras"):
        _model().fit(x, y, epochs=2, batch_size=4, verbose=1)
    assert capsys.readouterr().out == ""
    messages = [record.getMessage() for record in caplog.records]
    assert "Epoch 1/2" in messages and "Epoch 2/2" in messages
    assert any(message.startswith("2/2 - ") and "loss:" in message for message in messages)


def test_fit_progress_goes_to_stdout_by_default(capsys):
    _model().fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, batch_size=4, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out and "loss:" in out


def test_progbar_goes_to_logging_when_interactive_logging_is_off(capsys, caplog):
    config.disable_interactive_logging()
    with caplog.at_level(logging.INFO, logger="minikeras"):
        bar = utils.Progbar(2, verbose=2)
        bar.update(2, [("loss", 0.5)], finalize=True)
    assert capsys.readouterr().out == ""
    assert "loss: 0.5000" in caplog.text


def test_traceback_filtering_switch():
    assert config.is_traceback_filtering_enabled() is True
    config.disable_traceback_filtering()
    assert config.is_traceback_filtering_enabled() is False
    config.enable_traceback_filtering()
    assert config.is_traceback_filtering_enabled() is True


def test_flash_attention_switch_has_keras_values():
    # Keras: None by default and after enable_flash_attention() ("where it applies"), False
    # after disable_flash_attention().
    assert config.is_flash_attention_enabled() is None
    config.disable_flash_attention()
    assert config.is_flash_attention_enabled() is False
    config.enable_flash_attention()
    assert config.is_flash_attention_enabled() is None


def test_clear_session_resets_session_switches_but_not_the_caps():
    config.disable_interactive_logging()
    config.disable_flash_attention()
    config.disable_traceback_filtering()
    config.set_dtype_policy("mixed_float16")
    config.set_max_epochs(2)
    utils.clear_session()
    assert config.is_interactive_logging_enabled() is True
    assert config.is_flash_attention_enabled() is None
    assert config.is_traceback_filtering_enabled() is True
    assert config.dtype_policy().name == "float32"
    assert config.max_epochs() == 2


def test_max_epochs_caps_fit_with_a_warning():
    config.set_max_epochs(2)
    assert config.max_epochs() == 2
    with pytest.warns(UserWarning, match="Limiting epochs to 2"):
        history = _model().fit(np.ones((8, 3)), np.ones((8, 1)), epochs=5, verbose=0)
    assert len(history.history["loss"]) == 2


def test_max_epochs_above_epochs_changes_nothing():
    config.set_max_epochs(10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = _model().fit(np.ones((8, 3)), np.ones((8, 1)), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3


def test_max_steps_per_epoch_caps_the_steps_of_fit_evaluate_and_predict():
    config.set_max_steps_per_epoch(2)
    assert config.max_steps_per_epoch() == 2
    model = _model()
    seen = []
    counter = minikeras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(batch))
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 2"):
        model.fit(np.ones((40, 3)), np.ones((40, 1)), batch_size=4, epochs=2, verbose=0,
                  callbacks=[counter])
    assert seen == [0, 1, 0, 1]
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 2"):
        assert model.predict(np.ones((40, 3)), batch_size=4, verbose=0).shape == (8, 1)


def test_max_steps_per_epoch_keeps_a_smaller_steps_per_epoch():
    config.set_max_steps_per_epoch(5)
    seen = []
    counter = minikeras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(batch))
    _model().fit(np.ones((40, 3)), np.ones((40, 1)), batch_size=4, steps_per_epoch=3,
                 verbose=0, callbacks=[counter])
    assert seen == [0, 1, 2]


def test_dtype_policy_defaults_to_floatx_and_can_be_set():
    assert config.dtype_policy() == minikeras.DTypePolicy("float32")
    config.set_dtype_policy("mixed_float16")
    assert config.dtype_policy().compute_dtype == "float16"
    layer = layers.Dense(2)
    assert (layer.compute_dtype, layer.variable_dtype) == ("float16", "float32")
    policy = minikeras.DTypePolicy("float64")
    config.set_dtype_policy(policy)
    assert config.dtype_policy() is policy


def test_set_dtype_policy_rejects_other_types():
    with pytest.raises(ValueError, match="Invalid `policy` argument"):
        config.set_dtype_policy(3)


def test_caps_come_from_the_environment():
    import os
    import subprocess
    import sys
    code = ("from minikeras import config; "
            "print(config.max_epochs(), config.max_steps_per_epoch())")
    env = dict(os.environ, KERAS_MAX_EPOCHS="3", KERAS_MAX_STEPS_PER_EPOCH="7")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["3", "7"]


def test_evaluate_progress_goes_to_logging_when_interactive_logging_is_off(capsys, caplog):
    config.disable_interactive_logging()
    with caplog.at_level(logging.INFO, logger="minikeras"):
        _model().evaluate(np.ones((8, 3)), np.ones((8, 1)), batch_size=4, verbose=1)
    assert capsys.readouterr().out == ""
    assert any(record.getMessage().startswith("2/2 - ") for record in caplog.records)
