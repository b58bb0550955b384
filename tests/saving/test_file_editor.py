"""`keras.saving.KerasFileEditor`: read a `.keras` / `.weights.h5` file's weights as nested dicts,
edit them as Keras's editor does, and resave a `.weights.h5` that a model loads."""
import numpy as np
import pytest

import minikeras
from minikeras import layers
from minikeras.saving import KerasFileEditor


def _model(units=3, extra=False):
    stack = [layers.Input((4,)), layers.Dense(units, name="first"), layers.Dense(2, name="last")]
    if extra:
        stack.append(layers.Dense(2, name="extra"))
    model = minikeras.Sequential(stack)
    return model


def test_reads_keras_and_weights_files(tmp_path, capsys):
    model = _model()
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    for name in ("m.keras", "m.weights.h5"):
        editor = KerasFileEditor(str(tmp_path / name))
        layer_weights = editor.weights_dict["layers"]
        assert sorted(layer_weights) == ["dense", "dense_1"]
        np.testing.assert_array_equal(layer_weights["dense"]["0"], model.layers[0].kernel.numpy())
    assert editor.config is None
    keras_editor = KerasFileEditor(tmp_path / "m.keras")
    assert keras_editor.config["class_name"] == "Sequential"
    out = capsys.readouterr().out
    assert f"Keras model file '{tmp_path / 'm.keras'}'" in out
    keras_editor.summary()
    summary = capsys.readouterr().out
    assert "Weights structure" in summary and "0: shape=(4, 3), dtype=float32" in summary


def test_compare_lists_mismatches(tmp_path, capsys):
    _model().save_weights(tmp_path / "m.weights.h5")
    editor = KerasFileEditor(tmp_path / "m.weights.h5")
    assert editor.compare(_model()) == {"status": "success", "error_count": 0,
                                        "match_count": 4}
    result = editor.compare(_model(units=5, extra=True))
    assert result["status"] == "error" and result["error_count"] == 4
    out = capsys.readouterr().out
    assert "Weight shape mismatch for /layers/dense/0" in out
    assert "Object /layers/dense_2 present in reference model, missing from saved file" in out


def test_edits_then_resave_loads_into_the_new_architecture(tmp_path):
    old = _model()
    old.save_weights(tmp_path / "old.weights.h5")
    editor = KerasFileEditor(tmp_path / "old.weights.h5")
    new = _model(extra=True)
    extra = [np.full((2, 2), 0.5, "float32"), np.ones(2, "float32")]
    editor.add_object("layers/dense_2", weights={"0": extra[0], "1": extra[1]})
    assert editor.compare(new)["status"] == "success"
    editor.resave_weights(tmp_path / "new.weights.h5")
    new.load_weights(tmp_path / "new.weights.h5")
    np.testing.assert_array_equal(new.layers[2].kernel.numpy(), extra[0])
    np.testing.assert_array_equal(new.layers[0].kernel.numpy(), old.layers[0].kernel.numpy())


def test_rename_delete_and_weight_edits(tmp_path):
    _model().save_weights(tmp_path / "m.weights.h5")
    editor = KerasFileEditor(tmp_path / "m.weights.h5")
    editor.rename_object("dense_1", "renamed")
    assert "renamed" in editor.weights_dict["layers"]
    editor.delete_weight("layers/renamed", "1")
    assert list(editor.weights_dict["layers"]["renamed"]) == ["0"]
    editor.add_weights("renamed", {"1": np.zeros(2)})
    assert sorted(editor.weights_dict["layers"]["renamed"]) == ["0", "1"]
    editor.delete_object("layers/renamed")
    assert list(editor.weights_dict["layers"]) == ["dense"]


def test_edit_errors(tmp_path):
    _model().save_weights(tmp_path / "m.weights.h5")
    editor = KerasFileEditor(tmp_path / "m.weights.h5")
    with pytest.raises(ValueError, match="Path 'layers/nope' not found in model"):
        editor.delete_object("layers/nope")
    with pytest.raises(ValueError, match="Source name 'nope' does not appear"):
        editor.delete_object("nope")
    with pytest.raises(ValueError, match="Name '0' occurs more than once"):
        editor.delete_object("0")
    with pytest.raises(ValueError, match="should be a leaf name"):
        editor.rename_object("dense", "a/b")
    with pytest.raises(ValueError, match="Weight 7 not found in object dense"):
        editor.delete_weight("dense", "7")
    with pytest.raises(ValueError, match="Argument `weights` should be a dict"):
        editor.add_object("layers/x", [np.zeros(1)])
    with pytest.raises(ValueError, match="expected a `.weights.h5` extension"):
        editor.save(tmp_path / "out.h5")
    with pytest.raises(ValueError, match="expected a `.keras` `.weights.h5` extension"):
        KerasFileEditor(tmp_path / "m.h5")


def test_an_object_with_variables_and_sub_objects_keeps_both(tmp_path):
    model = minikeras.Sequential([layers.Input((3, 2)), layers.LSTM(2)])
    model.save_weights(tmp_path / "m.weights.h5")
    editor = KerasFileEditor(tmp_path / "m.weights.h5")
    assert editor.compare(model)["status"] == "success"
    editor.save(tmp_path / "again.weights.h5")
    clone = minikeras.Sequential([layers.Input((3, 2)), layers.LSTM(2)])
    clone.load_weights(tmp_path / "again.weights.h5")
    for a, b in zip(clone.weights, model.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
