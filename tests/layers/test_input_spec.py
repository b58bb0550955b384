"""InputSpec with Keras 3's arguments, checked when a layer is called."""
import numpy as np
import pytest

from minikeras import layers


class Checked(layers.Layer):
    def __init__(self, spec, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = spec

    def call(self, inputs):
        return inputs


@pytest.mark.parametrize("spec, data, message", [
    (layers.InputSpec(ndim=2), np.zeros((2, 3, 4)), "expected ndim=2, found ndim=3"),
    (layers.InputSpec(max_ndim=2), np.zeros((2, 3, 4)), "expected max_ndim=2, found ndim=3"),
    (layers.InputSpec(min_ndim=3), np.zeros((2, 3)), "expected min_ndim=3, found ndim=2"),
    (layers.InputSpec(axes={-1: 4}), np.zeros((2, 3)), "expected axis -1 of input shape to "
                                                        "have value 4"),
    (layers.InputSpec(shape=(None, 3)), np.zeros((2, 4)), r"expected shape=\(None, 3\), "
                                                          r"found shape=\(2, 4\)"),
    (layers.InputSpec(dtype="int32"), np.zeros((2, 3), "float32"),
     "expected dtype=int32, found dtype=float32"),
])
def test_a_mismatch_names_the_layer_and_the_expectation(spec, data, message):
    with pytest.raises(ValueError, match=r'Input 0 of layer "checked" is incompatible.*' + message):
        Checked(spec, name="checked")(data)


def test_matching_inputs_pass_and_a_last_axis_of_one_may_be_squeezed():
    Checked(layers.InputSpec(shape=(None, 3), dtype="float32"))(np.zeros((5, 3), "float32"))
    Checked(layers.InputSpec(shape=(None, 3, 1), allow_last_axis_squeeze=True))(np.zeros((5, 3)))


def test_keras_arguments_config_and_repr():
    spec = layers.InputSpec(dtype="float32", shape=(None, 4), name="x", optional=True)
    assert spec.ndim == 2 and spec.name == "x" and spec.optional
    assert layers.InputSpec.from_config(spec.get_config()).shape == (None, 4)
    assert repr(layers.InputSpec(ndim=2, axes={-1: 8})) == "InputSpec(ndim=2, axes={-1: 8})"
    with pytest.raises(ValueError, match="axis 3 is out of range for ndim=2"):
        layers.InputSpec(ndim=2, axes={3: 1})
