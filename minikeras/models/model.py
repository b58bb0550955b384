"""`Model`: a Layer that can be trained (the Trainer mix-in) and summarized.

Subclass it Keras-style: create layers as attributes in `__init__` (they are tracked, so their
weights become the model's), and write the forward pass in `call(inputs, training=None)`.
`Sequential` is the ready-made subclass for a plain stack of layers.
"""
from minikeras.layers.layer import Layer
from minikeras.models.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable network of layers: compile / fit / evaluate / predict / summary."""

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise NotImplementedError(
                "Model(inputs, outputs) (the Functional API) is not available yet in minikeras; "
                "use Sequential, or subclass Model and write call().")
        super().__init__(**kwargs)
        self.optimizer = None
        self.history = None
        self.stop_training = False

    def build(self, input_shape):
        """Build the sublayers by running `call` once on zeros of `input_shape` (unknown = 1)."""
        if not self.built:
            self.compute_output_shape(input_shape)
            self.built = True

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras's table: Layer (type) / Output Shape / Param #, then the totals."""
        from minikeras.visualization.summary import print_summary
        print_summary(self, line_length, positions, print_fn, expand_nested, show_trainable, layer_range)

    def _summary_rows(self, expand_nested=False):
        return [(layer, getattr(layer, "_output_shape", None)) for layer in self.layers]

    @property
    def layers(self):
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A sublayer by its name or position in `layers`."""
        if index is not None:
            if name is not None:
                raise ValueError("Provide only a layer name or a layer index, not both.")
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable}
