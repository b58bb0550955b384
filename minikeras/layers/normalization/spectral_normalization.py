"""SpectralNormalization: divide a wrapped layer's kernel by its largest singular value."""
from minikeras import initializers
from minikeras.backend.array_module import xp
from minikeras.layers.core.wrapper import Wrapper
from minikeras.layers.input_spec import InputSpec
from minikeras.ops import cast
from minikeras.registry.layer_classes import register_layer

_EPSILON = 1e-7  # the floor of a norm in the power iteration (Keras's backend epsilon)


def _unit(x):
    """x / ||x|| over all its values, with 1 / ||x|| capped at 1 / epsilon (x = 0 stays 0)."""
    inverse = 1.0 / xp.sqrt(xp.sum(x * x))
    return x * min(inverse, 1.0 / _EPSILON)


@register_layer
class SpectralNormalization(Wrapper):
    """Spectral normalization (Miyato et al., 2018) of a layer with a `kernel` (Dense, Conv...)
    or `embeddings` (Embedding): keeps its Lipschitz constant near 1, e.g. in a GAN critic.

    In a training call, before the wrapped layer runs, `power_iterations` steps of power
    iteration on W = kernel reshaped to (-1, kernel.shape[-1]) refine the estimate u of its
    top right singular vector:

        v = unit(u W^T);  u = unit(v W);  sigma = v W u^T;  kernel <- kernel / sigma

    The new kernel and u are written into the variables (no gradient flows through sigma); an
    all-zero kernel is left alone. Inference calls use the kernel as it is.

    Weights: the wrapped layer's, plus the non-trainable "vector_u" (1, kernel.shape[-1]),
    drawn from TruncatedNormal(stddev=0.02). As in Keras, the kernel is also tracked as this
    layer's own weight, so `weights` is [kernel, vector_u, <the wrapped layer's others>] and a
    saved file holds the kernel in both groups.

    Args:
        layer: the layer to wrap.
        power_iterations: power-iteration steps per training call (>= 1, default 1).
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError(f"`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.power_iterations = power_iterations
        self.kernel = None
        self.vector_u = None

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor "
                             f"'embeddings'")
        self.kernel = kernel
        self._trainable_variables.append(kernel)
        self.kernel_shape = tuple(kernel.shape)
        self.vector_u = self.add_weight(shape=(1, self.kernel_shape[-1]),
                                        initializer=initializers.TruncatedNormal(stddev=0.02),
                                        trainable=False, name="vector_u", dtype=kernel.dtype)
        self.built = True

    @property
    def losses(self):
        # the kernel is the wrapped layer's: count its penalty there only
        return list(self._losses) + self.layer.losses

    def normalized_weights(self):
        """(new vector_u, spectrally normalized kernel) as arrays; the variables unchanged."""
        kernel = self.kernel.data
        weights = kernel.reshape(-1, self.kernel_shape[-1])
        u = self.vector_u.data
        for _ in range(self.power_iterations):
            v = _unit(u @ weights.T)
            u = _unit(v @ weights)
        sigma = (v @ weights) @ u.T
        return u.astype(self.vector_u.dtype), (kernel / sigma).astype(kernel.dtype)

    def call(self, inputs, training=False):
        if training and bool(xp.any(self.kernel.data != 0)):
            vector_u, kernel = self.normalized_weights()
            self.vector_u.assign(vector_u)
            self.kernel.assign(kernel)
        return cast(self.layer(inputs), inputs.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}
