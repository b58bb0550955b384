"""`Input()` and `InputLayer`: the entry point of a model, holding the expected input shape."""
import numbers

from minikeras.backend import config
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.layers.layer import Layer
from minikeras.ops.node import Node
from minikeras.registry.layer_classes import register_layer


@register_layer
class InputLayer(Layer):
    """Marks where data enters a model and what shape it has (batch axis first).

    Args:
        shape: input shape without the batch axis, e.g. (784,) or (28, 28, 1).
        batch_size: optional fixed batch size.
        dtype: input dtype (default floatx()).
        batch_shape: full shape including the batch axis (overrides shape/batch_size).
        input_tensor: an existing KerasTensor to wrap.
        name: default 'input_layer', 'input_layer_1', ...
    Keras 2 spellings `input_shape` and `batch_input_shape` are accepted too.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        legacy_shape = kwargs.pop("input_shape", None)
        legacy_batch_shape = kwargs.pop("batch_input_shape", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError(f"InputLayer {self.name!r}: sparse inputs are not supported by minikeras.")
        shape = shape if shape is not None else legacy_shape
        batch_shape = batch_shape if batch_shape is not None else legacy_batch_shape
        if input_tensor is not None:
            batch_shape = input_tensor.shape
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument to Input / InputLayer.")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = _standardize_batch_shape(batch_shape)
        self.dtype = dtype or config.floatx()
        self.sparse = False
        self.optional = optional
        tensor = input_tensor if input_tensor is not None else KerasTensor(self.batch_shape, self.dtype, name=self.name)
        Node(self, outputs=tensor)  # the graph's source: no inputs, one output
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return self.batch_shape

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": self.optional}


def _standardize_batch_shape(batch_shape):
    """`batch_shape` as a tuple of None / non-negative ints; anything else is refused as Keras's
    `standardize_shape` refuses it (a 0 is allowed: an axis of zero features trains)."""
    try:
        entries = tuple(batch_shape)
    except TypeError:
        raise ValueError(f"Input `shape`: cannot convert '{batch_shape!r}' to a shape: expected a tuple of "
                         f"integers (or None), received {type(batch_shape).__name__}.") from None
    shape = []
    for d in entries:
        if d is None:
            shape.append(None)
            continue
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            if not (isinstance(d, float) and d.is_integer()):
                raise ValueError(f"Input `shape`: cannot convert '{entries}' to a shape. Found invalid entry "
                                 f"{d!r} of type {type(d).__name__}: expected integers or None.")
        if d < 0:
            raise ValueError(f"Input `shape`: cannot convert '{entries}' to a shape. Negative dimensions are "
                             f"not allowed (received {d}); use None for a size not known "
                             f"in advance.")
        shape.append(int(d))
    return tuple(shape)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, ragged=None):
    """Start a model: returns a symbolic KerasTensor of the given shape (batch axis excluded).

        inputs = Input((784,))          # shape (None, 784)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor, optional=optional)
    return layer.output
