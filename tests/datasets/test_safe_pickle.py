"""The safe unpickler of dataset files (minikeras/datasets/_safe_pickle.py).

Crafted pickles that name only allowed functions once made NumPy read memory at arbitrary
offsets (a segfault). Every crafted or mutated pickle is therefore fed to a separate worker
process: a crash fails the test with the input that caused it instead of killing pytest.
"""
import io
import pathlib
import pickle
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras.datasets._safe_pickle import load_npz, load_pickle

try:
    from numpy._core import multiarray
except ImportError:  # NumPy 1.x
    from numpy.core import multiarray

REPO = pathlib.Path(__file__).resolve().parents[2]

_WORKER = r"""
import io, pickle, struct, sys, zipfile
from minikeras.datasets._safe_pickle import load_npz, load_pickle
source, sink = sys.stdin.buffer, sys.stdout
while True:
    head = source.read(5)
    if len(head) < 5:
        break
    kind, size = head[:1], struct.unpack("<I", head[1:])[0]
    data = source.read(size)
    try:
        if kind == b"z":
            load_npz(io.BytesIO(data))
        else:
            load_pickle(io.BytesIO(data), encoding="bytes" if kind == b"b" else "latin1")
        answer = "ok"
    except pickle.UnpicklingError:
        answer = "UnpicklingError"
    except (ValueError, zipfile.BadZipFile) as e:
        answer = "npz:" + type(e).__name__ if kind == b"z" else f"{type(e).__name__}: {e}"
    except BaseException as e:
        answer = f"{type(e).__name__}: {e}"
    sink.write(answer.replace("\n", " ") + "\n")
    sink.flush()
"""


class Worker:
    """A child process that loads what it is sent with the safe unpickler and says how it went."""

    def __init__(self):
        self.process = None

    def load(self, data, kind=b"l"):
        """'ok', 'UnpicklingError', another exception's text, or 'CRASH ...' if the child died."""
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen([sys.executable, "-c", _WORKER], cwd=REPO,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            self.process.stdin.write(kind + struct.pack("<I", len(data)) + data)
            self.process.stdin.flush()
            answer = self.process.stdout.readline().decode().strip()
        except BrokenPipeError:
            answer = ""
        if not answer:
            self.process.wait(30)
            return f"CRASH (exit status {self.process.returncode})"
        return answer

    def close(self):
        if self.process is not None and self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(30)


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.close()


class Reduce:
    """Pickles as `function(*args)` followed by BUILD `state`: a pickle crafted by hand."""

    def __init__(self, function, args, state=None):
        self.function, self.args, self.state = function, args, state

    def __reduce__(self):
        return (self.function, self.args) + (() if self.state is None else (self.state,))


def dtype(spec, state):
    return Reduce(np.dtype, (spec, False, True), state)


def array(dtype_, shape, data, fortran=False):
    return Reduce(multiarray._reconstruct, (np.ndarray, (0,), b"b"),
                  (1, shape, dtype_, fortran, data))


OBJECT = dtype("O8", (3, "|", None, None, None, -1, -1, 63))


def object_field_at(offset, itemsize=8, flags=0):
    """The issue's dtype: a void of `itemsize` bytes with an object pointer at `offset`."""
    return dtype(f"V{itemsize}", (3, "|", None, ("f",), {"f": (OBJECT, offset)}, itemsize, 1,
                                  flags))


CRAFTED = {  # each made today's main crash (exit status 139) or read wild memory
    "object-field-offset-100": array(object_field_at(100), (1,), b"\0" * 8),
    "object-field-offset-100-listdata": array(object_field_at(100, flags=63), (1,), [None]),
    "object-field-offset-0": array(object_field_at(0, flags=63), (1,), b"\0" * 8),
    "object-field-negative": array(object_field_at(-64, flags=16), (2,), b"\0" * 16),
    "object-field-itemsize-1": array(object_field_at(8, itemsize=1), (4,), b"\0" * 4),
    "object-field-huge-offset": array(object_field_at(1 << 40, flags=63), (1,), b"\0" * 8),
}


def pickled(obj, protocol=4):
    return pickle.dumps(obj, protocol=protocol)


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_dtype_states_are_refused_not_a_crash(worker, name):
    assert worker.load(pickled(CRAFTED[name])) == "UnpicklingError"


def npz_with_object_member(pickle_bytes, shape=(1,)):
    """An .npz whose member x.npy declares an object array and holds `pickle_bytes`."""
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        member, {"descr": "|O", "fortran_order": False, "shape": shape})
    member.write(pickle_bytes)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("x.npy", member.getvalue())
    return out.getvalue()


def test_a_crafted_npz_object_member_is_refused_not_a_crash(worker):
    for crafted in CRAFTED.values():
        assert worker.load(npz_with_object_member(pickled(crafted)), kind=b"z") == \
            "UnpicklingError"


def test_an_npz_object_member_must_match_its_header(tmp_path):
    path = tmp_path / "x.npz"
    path.write_bytes(npz_with_object_member(pickled(np.arange(3)), shape=(3,)))
    with pytest.raises(pickle.UnpicklingError, match="declares an object array of shape"):
        load_npz(path)
    ragged = np.empty(2, dtype=object)
    ragged[:] = [[1, 2], [3]]
    path.write_bytes(npz_with_object_member(pickled(ragged), shape=(3,)))
    with pytest.raises(pickle.UnpicklingError, match=r"shape \(3,\)"):
        load_npz(path)
    path.write_bytes(npz_with_object_member(pickled(ragged), shape=(2,)))
    assert load_npz(path)["x"].tolist() == [[1, 2], [3]]


def load(obj, protocol=4):
    return load_pickle(io.BytesIO(pickled(obj, protocol)))


F8 = (3, "<", None, None, None, -1, -1, 0)


@pytest.mark.parametrize("obj, message", [
    (array(dtype("f8", F8), (2,), b"\0" * 8), "needs 16 bytes of data; the file holds 8"),
    (array(dtype("f8", F8), (2,), b"\0" * 24), "needs 16 bytes"),
    (array(dtype("f8", F8), (-1,), b""), "shape"),
    (array(dtype("f8", F8), (2.0,), b"\0" * 16), "shape"),
    (array(dtype("f8", F8), 2, b"\0" * 16), "shape"),
    (array(OBJECT, (2,), b"\0" * 16), "should hold a list of 2"),
    (array(OBJECT, (3,), [1, 2]), "list of 3 elements"),
    (array(dtype("V8", (3, "|", None, None, None, 8, 1, 0)), (1,), b"\0" * 8), "'V8'"),
    (array(dtype("f8", (3, "<", None, ("a",), {"a": (OBJECT, 0)}, 8, 1, 0)), (1,), b"\0" * 8),
     "structured"),
    (array(dtype("f8", (3, "<", (OBJECT, (2,)), None, None, 8, 1, 0)), (1,), b"\0" * 8),
     "subarray"),
    (array(dtype("M8", (4, "<", None, None, None, -1, -1, 0, (None, (b"s", 1, 1, 1)))), (1,),
           b"\0" * 8), "'M8'"),
    (array(dtype("S4", (3, "|", None, None, None, 400, 1, 0)), (1,), b"\0" * 4), "item size"),
    (array(dtype("f8", (3, "!", None, None, None, -1, -1, 0)), (1,), b"\0" * 8), "byte order"),
    (array(dtype("f8", (7,)), (1,), b"\0" * 8), "state NumPy would not write"),
    (array("f8", (1,), b"\0" * 8), "should be a pickled NumPy dtype"),
    (Reduce(multiarray._reconstruct, (np.ma.MaskedArray, (0,), b"b")), "Refusing to load"),
    (Reduce(np.ndarray, ((2,),)), "calls numpy.ndarray directly"),
    (Reduce(multiarray._reconstruct, (np.ndarray, (0,), b"b")), "before it is complete"),
    (Reduce(multiarray.scalar, (dtype("f8", F8), b"\0" * 3)), "needs 8 bytes"),
    (Reduce(multiarray.scalar, (OBJECT, [1])), "should be bytes"),
], ids=lambda value: value if isinstance(value, str) else "")
def test_bad_array_and_dtype_states_are_refused(obj, message):
    with pytest.raises(pickle.UnpicklingError, match=message):
        load(obj)


def test_a_second_state_and_cycles_through_tuples_are_refused():
    twice = pickle.dumps(array(dtype("f8", F8), (1,), b"\0" * 8), protocol=4)
    assert twice.endswith(b"b.")
    with pytest.raises(pickle.UnpicklingError, match="given a state twice"):
        load_pickle(io.BytesIO(twice[:-1] + b")b."))  # BUILD with () once more
    inner = []
    looped = (np.arange(2), inner)
    inner.append(looped)
    with pytest.raises(pickle.UnpicklingError, match="reference cycle"):
        load(looped)
    body = pickle.dumps(np.arange(1), protocol=3)[2:-1]  # without PROTO and STOP
    deep = b"\x80\x03" + b"]" * 150 + body + b"a" * 150 + b"."  # [[[...[array]...]]]
    with pytest.raises(pickle.UnpicklingError, match="levels deep"):
        load_pickle(io.BytesIO(deep))


ROUND_TRIP = [
    np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(2, 3).T, np.arange(4, dtype=">i4"),
    np.array([True, False]), np.array([b"ab", b"c"]), np.array(["x", "yz"]),
    np.array(["ab"], dtype=">U2"), np.zeros((0, 3)), np.array(3.5), np.complex64(1 + 2j),
    np.float64(2.5), np.int8(-3), np.bool_(True), np.arange(3, dtype=np.uint8),
    np.arange(2, dtype=np.float16)]


@pytest.mark.parametrize("protocol", [3, 4, 5])
def test_plain_arrays_and_scalars_load_as_numpy_made_them(protocol):
    for original in ROUND_TRIP:
        loaded = load(original, protocol)
        assert type(loaded) is type(original) and loaded.dtype == original.dtype
        assert loaded.shape == original.shape and np.array_equal(loaded, original)
        if isinstance(original, np.ndarray):
            assert loaded.flags.f_contiguous == original.flags.f_contiguous
            assert loaded.flags.writeable and loaded.flags.owndata
    ragged = np.empty(3, dtype=object)
    ragged[0], ragged[1], ragged[2] = [1, 2], np.arange(2.0), "s"
    shared = np.arange(3)
    cyclic = [1]
    cyclic.append(cyclic)
    loaded = load({b"data": ROUND_TRIP[0], "pair": (ROUND_TRIP[1], [shared, shared]),
                   "ragged": ragged, "cyclic": cyclic}, protocol)
    assert np.array_equal(loaded["pair"][0], ROUND_TRIP[1])
    assert loaded["pair"][1][0] is loaded["pair"][1][1]
    assert loaded["ragged"].dtype == object and loaded["ragged"][0] == [1, 2]
    assert type(loaded["ragged"][1]) is np.ndarray and loaded["cyclic"][1] is loaded["cyclic"]


def test_python2_style_specs_as_bytes_load():
    """CIFAR's pickles come from Python 2: read with encoding="bytes", dtype specs are bytes."""
    data = np.arange(4, dtype=np.uint8)
    crafted = array(dtype(b"u1", (3, b"|", None, None, None, -1, -1, 0)), (4,), data.tobytes())
    assert load(crafted).tolist() == [0, 1, 2, 3]


# ---------------------------------------------------------------- property-based tests

DTYPES = ["u1", "i2", "<i4", ">i8", "f2", "<f4", ">f8", "c8", "?", "S3", "U2"]


@st.composite
def array_pickles(draw):
    """A valid pickle of a random array (or a ragged object array) in protocol 3, 4 or 5."""
    shape = tuple(draw(st.lists(st.integers(0, 3), max_size=3)))
    if draw(st.booleans()):
        values = np.frombuffer(draw(st.binary(min_size=64, max_size=64)), dtype=np.uint8)
        dt = np.dtype(draw(st.sampled_from(DTYPES)))
        size = int(np.prod(shape)) * dt.itemsize
        value = np.resize(values, size).view(dt).reshape(shape) if size else np.zeros(shape, dt)
        if draw(st.booleans()):
            value = value.T
    else:
        value = np.empty(draw(st.integers(0, 3)), dtype=object)
        for i in range(len(value)):
            value[i] = draw(st.lists(st.integers(-5, 5), max_size=3))
    return pickle.dumps(value, protocol=draw(st.integers(3, 5)))


@st.composite
def mutated(draw, pickles):
    data = bytearray(draw(pickles))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["set", "insert", "delete", "truncate"]))
        if action == "set":
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif action == "delete":
            del data[at]
        else:
            del data[at:]
    return bytes(data)


def _small_int():
    return st.one_of(st.integers(-2, 16), st.sampled_from([100, 1 << 31, 1 << 62, -(1 << 40)]))


@st.composite
def crafted_pickles(draw):
    """A hand-made dtype + array pickle with random (often nonsensical) states."""
    field = dtype(draw(st.sampled_from(["O8", "f8", "V8", "i4"])),
                  (3, "|", None, None, None, -1, -1, draw(st.sampled_from([0, 16, 63]))))
    names = draw(st.sampled_from([None, ("f",)]))
    fields = {"f": (field, draw(_small_int()))} if names else None
    state = (draw(st.sampled_from([3, 4])), draw(st.sampled_from(["<", ">", "|", "!"])),
             draw(st.sampled_from([None, (field, (2,))])), names, fields, draw(_small_int()),
             draw(_small_int()), draw(st.sampled_from([0, 1, 16, 63])))
    spec = draw(st.sampled_from(["V8", "V0", "f8", "O8", "S4", "U1", "u1", "b1", "V16"]))
    dt = dtype(spec, state)
    shape = tuple(draw(st.lists(_small_int(), max_size=2)))
    data = draw(st.one_of(st.binary(max_size=40), st.lists(st.none(), max_size=3)))
    return pickled(array(dt, shape, data, draw(st.booleans())), draw(st.integers(3, 5)))


def _fewer_examples(divisor):
    """The active profile's example count over `divisor`: each example is one round trip
    to the worker process, so CI runs only a handful; the "thorough" profile many more."""
    return max(5, settings().max_examples // divisor)


@settings(max_examples=_fewer_examples(1))
@given(data=st.one_of(mutated(array_pickles()), crafted_pickles()),
       encoding=st.sampled_from([b"l", b"b"]))
def test_property_crafted_and_mutated_pickles_raise_unpicklingerror_never_crash(
        data, encoding, worker):
    assert worker.load(data, kind=encoding) in ("ok", "UnpicklingError")


@settings(max_examples=_fewer_examples(2))
@given(data=mutated(array_pickles()))
def test_property_mutated_npz_object_members_never_crash(data, worker):
    answer = worker.load(npz_with_object_member(data), kind=b"z")
    assert answer in ("ok", "UnpicklingError", "npz:ValueError")
