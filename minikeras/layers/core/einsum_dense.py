"""EinsumDense: a dense layer whose kernel contraction is written as an einsum equation."""
import re

from minikeras import activations, constraints, initializers, ops, regularizers
from minikeras.initializers import VarianceScaling
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.registry.layer_classes import register_layer

# the three equation forms Keras accepts; "0" stands for "..." after substitution
_FORMS = (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", False),
          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", True),
          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", False))


def einsum_shapes(equation, bias_axes, input_shape, output_shape):
    """Parse `equation` for an input of `input_shape` and the partial `output_shape` (without
    the batch axis, nor axes covered by "...").

    A None in `output_shape` on an axis shared with the input takes the input's size (Keras
    keeps it None in compute_output_shape although its eager output knows it).

    Returns (kernel_shape, bias_shape or None, full_output_shape, input_axes, output_axes):
    input_axes / output_axes are the kernel axes that contract with the input / appear in the
    output (they give the initializer its fans). The bias has the output's sizes on
    `bias_axes`, 1 on the other output axes from the first bias axis on, so it broadcasts
    against the output's trailing axes.
    """
    replaced = equation.replace("...", "0")
    for pattern, left_elided in _FORMS:
        match = re.match(pattern, replaced)
        if match:
            break
    else:
        raise ValueError(f"EinsumDense: invalid einsum equation '{equation}'. Equations must be "
                         f"in the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
    input_spec, weight_spec, output_spec = match.groups()
    input_shape = list(input_shape)
    elided = len(input_shape) - len(input_spec)
    if elided < 0 or (elided > 0 and "..." not in equation):
        raise ValueError(f"EinsumDense: the input spec '{input_spec}' of the equation "
                         f"'{equation}' names {len(input_spec)} axes, but the input has "
                         f"{len(input_shape)}: {tuple(input_shape)}"
                         + ("" if elided < 0 else " (and no '...' covers the extra axes)") + ".")
    full = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    full.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        full[1:1] = input_shape[1:elided]
    elif elided > 0:
        full.extend(input_shape[len(input_shape) - elided:])
    if left_elided:
        input_dim = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        output_dim = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_dim = {d: i for i, d in enumerate(input_spec)}
        output_dim = {d: i for i, d in enumerate(output_spec)}
    for d in input_spec:
        if d in output_dim:
            want, got = full[output_dim[d]], input_shape[input_dim[d]]
            if want is not None and want != got:
                raise ValueError(f"EinsumDense: input shape and output shape do not match at "
                                 f"shared dimension '{d}'. Input shape is {got}, and output "
                                 f"shape is {want}.")
            # Keras leaves a None of `output_shape` unknown; the input knows the size
            full[output_dim[d]] = got
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise ValueError(f"EinsumDense: dimension '{d}' of the output '{output_spec}' is in "
                             f"neither the input spec '{input_spec}' nor the weight spec "
                             f"'{weight_spec}'.")
    kernel_shape, input_axes, output_axes = [], [], []
    for i, d in enumerate(weight_spec):
        if d in output_dim:
            kernel_shape.append(full[output_dim[d]])
            output_axes.append(i)
        elif d in input_dim:
            kernel_shape.append(input_shape[input_dim[d]])
            input_axes.append(i)
        else:
            raise ValueError(f"EinsumDense: weight dimension '{d}' matches neither the input "
                             f"spec '{input_spec}' nor the output spec '{output_spec}'; the "
                             f"weight must be fully specified.")
    bias_shape = None
    if bias_axes is not None:
        for d in bias_axes:
            if d not in output_spec:
                raise ValueError(f"EinsumDense: bias dimension '{d}' was requested, but is not "
                                 f"part of the output spec '{output_spec}'.")
        offset = elided if left_elided else 0
        sizes = {d: full[i + offset] for i, d in enumerate(output_spec)}
        first = min(output_spec.find(d) for d in bias_axes)
        bias_shape = [sizes[d] if d in bias_axes else 1 for d in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * max(elided, 0))
    return kernel_shape, bias_shape, full, input_axes, output_axes


@register_layer
class EinsumDense(Layer):
    """outputs = activation(einsum(equation, inputs, kernel) + bias).

    e.g. EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de") maps
    (batch, seq, 16) to (batch, seq, 4, 8) with a kernel (16, 4, 8) and a bias (4, 8), as the
    query/key/value projections of MultiHeadAttention do.

    Weights (Keras's names and order, so Keras's saved files load): kernel, then bias when
    `bias_axes` is given. A VarianceScaling kernel initializer without explicit
    input_axes/output_axes gets the kernel's contracted / output axes for its fans.

    Args:
        equation: "ab,bc->ac", "...b,bc->...c" or "ab...,bc->ac...". The first term is the input,
            the second the kernel, the last the output.
        output_shape: the output's shape without the batch axis (and without the axes "..."
            stands for); None for a size known from the input. An int is a 1-tuple.
        activation, bias_axes (a string of output letters, or None),
        kernel_/bias_ initializer, regularizer, constraint: as for Dense.
        lora_rank, lora_alpha, gptq_unpacked_column_size, quantization_config: Keras's
            fine-tuning and quantization options; minikeras supports none of them.
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if lora_rank is not None or gptq_unpacked_column_size is not None:
            raise ValueError("EinsumDense: LoRA and GPTQ (`lora_rank`, "
                             "`gptq_unpacked_column_size`) are not supported by minikeras.")
        if quantization_config is not None:
            raise ValueError("EinsumDense: `quantization_config` is not supported by minikeras.")
        if not isinstance(equation, str):
            raise TypeError(f"EinsumDense: `equation` must be a string, received {equation!r}.")
        self.equation = equation
        self.partial_output_shape = ((output_shape,) if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = None
        self.lora_alpha = lora_alpha
        self.kernel = None
        self.bias = None

    def _kernel_initializer_for(self, input_axes, output_axes):
        init = self.kernel_initializer
        if isinstance(init, VarianceScaling) and (init.input_axes is None
                                                  or init.output_axes is None):
            config = {**init.get_config(), "seed": init.seed, "input_axes": input_axes,
                      "output_axes": output_axes}
            return type(init).from_config(config)
        return init

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = einsum_shapes(
            self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape)
        if any(d is None for d in kernel_shape):
            raise ValueError(f"EinsumDense {self.name!r}: the kernel shape {kernel_shape} has "
                             f"unknown sizes; give them in `output_shape` or the input shape "
                             f"(received {tuple(input_shape)}).")
        self.input_spec = InputSpec(ndim=len(input_shape))
        self.kernel = self.add_weight(
            name="kernel", shape=tuple(kernel_shape),
            initializer=self._kernel_initializer_for(input_axes, output_axes),
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(bias_shape),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        outputs = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(einsum_shapes(self.equation, self.bias_axes, tuple(input_shape),
                                   self.partial_output_shape)[2])

    def get_config(self):
        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key, module in (("kernel_initializer", initializers),
                            ("bias_initializer", initializers),
                            ("kernel_regularizer", regularizers),
                            ("bias_regularizer", regularizers),
                            ("activity_regularizer", regularizers),
                            ("kernel_constraint", constraints),
                            ("bias_constraint", constraints)):
            if isinstance(config.get(key), dict):
                config[key] = module.deserialize(config[key])
        return super().from_config(config)
