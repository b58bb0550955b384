"""Argument handling shared by the elementwise op modules (trigonometry, exponents, piecewise,
predicates, bitwise): Keras's dtype rules for ops defined on floats or on integers only."""
from minikeras.backend import config
from minikeras.backend.dtypes import result_type
from minikeras.backend.array_module import xp
from minikeras.ops.core import cast, convert_to_tensor, pair


def float_unary(x, int64_to_float64=False):
    """x as a float Tensor: float dtypes pass through, integers and bools become floatx() (or
    float64 for int64 where Keras keeps 64 bits, `int64_to_float64`)."""
    x = convert_to_tensor(x)
    if x.dtype.kind == "f":
        return x
    if int64_to_float64 and x.dtype == xp.int64:
        return cast(x, "float64")
    return cast(x, config.floatx())


def float_pair(a, b):
    """Two operands of one float dtype: Keras's promotion, with an integer result made floatx()."""
    a, b = pair(a, b)
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        a, b = cast(a, config.floatx()), cast(b, config.floatx())
    elif a.dtype != b.dtype:
        common = xp.result_type(a.dtype, b.dtype)
        a, b = cast(a, common), cast(b, common)
    return a, b


def integer_tensor(x, name, arg, allow_bool=True):
    """x as a Tensor of an integer (or bool) dtype, or a TypeError naming the op and argument."""
    x = convert_to_tensor(x)
    kinds = "iub" if allow_bool else "iu"
    if x.dtype.kind not in kinds:
        expected = "integers or booleans" if allow_bool else "integers"
        raise TypeError(f"{name}: `{arg}` must be {expected}, received dtype {x.dtype}.")
    return x


def integer_pair(a, b, name, allow_bool=True, args=("x", "y")):
    """Two integer (or bool) operands promoted to one dtype by Keras's rules (a bool meeting an
    integer takes the integer's dtype; a Python int takes the other's integer dtype, int32 next
    to a bool); `args` names them in errors. Without `allow_bool`, two bools are refused."""
    if isinstance(a, bool) or isinstance(b, bool):
        a, b = pair(a, b)
    elif isinstance(a, int) and convert_to_tensor(b).dtype.kind == "b":
        a = convert_to_tensor(xp.asarray(a, dtype=xp.int32))
    elif isinstance(b, int) and convert_to_tensor(a).dtype.kind == "b":
        b = convert_to_tensor(xp.asarray(b, dtype=xp.int32))
    a, b = pair(a, b)
    integer_tensor(a, name, args[0])
    integer_tensor(b, name, args[1])
    if not allow_bool and a.dtype.kind == "b" and b.dtype.kind == "b":
        raise TypeError(f"{name}: `{args[0]}` and `{args[1]}` cannot both be booleans; it "
                        f"works on integers.")
    if a.dtype != b.dtype:
        common = result_type(a.dtype.name, b.dtype.name)
        a, b = cast(a, common), cast(b, common)
    return a, b
