"""Range arguments other than `factor` (RandomErasing's `scale`, RandomGaussianBlur's `sigma`):
read like `factor`, a number f meaning (max(-f, lower bound), f) or a pair sorted."""
import numbers


def parse_range(owner, name, value, bounds=(0, 1)):
    """`value` (a number or a pair inside `bounds`) as a (low, high) pair; a ValueError naming
    `owner` and the argument otherwise."""
    low, high = bounds
    message = (f"{owner}: the `{name}` argument should be a number (or a list of two numbers) "
               f"in the range [{low}, {high}]. Received: {name}={value!r}")
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or value[0] > high or value[1] < low:
            raise ValueError(message)
        return tuple(sorted(value))
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not low <= value <= high:
            raise ValueError(message)
        return (max(-abs(value), low), abs(value))
    raise ValueError(message)
