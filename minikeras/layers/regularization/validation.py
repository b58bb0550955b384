"""Argument checks shared by the noise layers."""
import numbers


def validate_fraction(value, name):
    """`value` must be a real number in [0, 1] (Keras's rule for rates and GaussianNoise's stddev).

    Returns it unchanged (Keras keeps the value as given in configs).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Invalid value received for argument `{name}`. Expected a float value "
                        f"between 0 and 1. Received: {name}={value!r} (of type "
                        f"{type(value).__name__})")
    if not 0 <= value <= 1:
        raise ValueError(f"Invalid value received for argument `{name}`. Expected a float value "
                         f"between 0 and 1. Received: {name}={value}")
    return value


def validate_seed(seed):
    """None or an integer."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise TypeError(f"Invalid value received for argument `seed`. Expected None or an "
                        f"integer. Received: seed={seed!r} (of type {type(seed).__name__})")
    return seed
