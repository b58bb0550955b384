"""pad_sequences, timeseries_dataset_from_array and split_dataset: Keras's values and errors.

The expected values come from Keras 3.15.1 (tests/data/keras3_data_utils.json, made by
tests/data/keras3_data_utils.py with the reference environment)."""
import json
import sys

import numpy as np
import pytest

from minikeras.utils.dataset_utils import split_dataset
from minikeras.utils.py_dataset import PyDataset
from minikeras.utils.sequence_utils import pad_sequences
from minikeras.utils.timeseries import timeseries_dataset_from_array
from tests.paths import DATA

sys.path.insert(0, str(DATA))
import keras3_data_utils as cases  # noqa: E402

sys.path.remove(str(DATA))
REFERENCE = json.loads((DATA / "keras3_data_utils.json").read_text())


# -- pad_sequences -----------------------------------------------------------------------------
@pytest.mark.parametrize("name,sequences,kwargs", cases.PAD_CASES, ids=[c[0] for c in cases.PAD_CASES])
def test_pad_sequences_matches_keras(name, sequences, kwargs):
    expected = REFERENCE["pad_sequences"][name]
    result = pad_sequences(sequences, **kwargs)
    assert str(result.dtype) == expected["dtype"]
    assert list(result.shape) == expected["shape"]
    np.testing.assert_array_equal(result, np.array(expected["values"], dtype=result.dtype).reshape(result.shape))


def test_pad_sequences_defaults_pad_and_cut_at_the_front():
    np.testing.assert_array_equal(pad_sequences([[1, 2, 3], [4]], maxlen=2), [[2, 3], [0, 4]])


def test_pad_sequences_accepts_arrays_and_tuples():
    result = pad_sequences((np.array([1, 2]), (3,)), padding="post")
    np.testing.assert_array_equal(result, [[1, 2], [3, 0]])


def test_pad_sequences_strings():
    result = pad_sequences([["a", "b"], ["c"]], dtype=object, value="")
    assert result.tolist() == [["a", "b"], ["", "c"]]
    result = pad_sequences([["ab"], ["c", "d"]], dtype="<U2", value="-", padding="post")
    assert result.tolist() == [["ab", "-"], ["c", "d"]]


def test_pad_sequences_string_value_needs_object_or_string_dtype():
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences([["a"], ["b", "c"]], value="x")


def test_pad_sequences_no_sequences_and_zero_maxlen():
    assert pad_sequences([]).shape == (0, 0)
    assert pad_sequences([], maxlen=3).shape == (0, 3)
    assert pad_sequences([[1, 2], [3]], maxlen=0).shape == (2, 0)


@pytest.mark.parametrize("kwargs,match", [
    ({"padding": "middle"}, "Padding type"),
    ({"truncating": "both"}, "Truncating type"),
    ({"maxlen": -1}, "maxlen"),
])
def test_pad_sequences_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pad_sequences([[1], [2, 3]], **kwargs)


def test_pad_sequences_bad_sequences():
    with pytest.raises(ValueError, match="must be iterable"):
        pad_sequences(5)
    with pytest.raises(ValueError, match="list of iterables"):
        pad_sequences([[1], 2])
    with pytest.raises(ValueError, match="position 1 is different"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])


# -- timeseries_dataset_from_array ---------------------------------------------------------------
def _timeseries(name):
    _, length, features, kwargs = next(c for c in cases.TIMESERIES_CASES if c[0] == name)
    kwargs = dict(kwargs)
    data = cases.timeseries_data(length, features)
    targets_len = kwargs.pop("targets_len", length)
    targets = kwargs.pop("targets", np.arange(targets_len) * 10)
    return timeseries_dataset_from_array(data, targets, **kwargs)


@pytest.mark.parametrize("name", [c[0] for c in cases.TIMESERIES_CASES])
def test_timeseries_matches_keras(name):
    expected = REFERENCE["timeseries"][name]
    dataset = _timeseries(name)
    assert isinstance(dataset, PyDataset)
    batches = list(dataset)
    assert len(dataset) == len(batches) == len(expected)
    for got, want in zip(batches, expected):
        got = got if isinstance(got, tuple) else (got,)
        assert len(got) == len(want)
        for part, values in zip(got, want):
            np.testing.assert_array_equal(part, np.asarray(values))


def test_timeseries_keras_docstring_example():
    # Keras's example 1: indices 0..98, sequence_length=10, sampling_rate=2, sequence_stride=3.
    data = np.arange(99)
    dataset = timeseries_dataset_from_array(data, None, sequence_length=10, sampling_rate=2,
                                            sequence_stride=3, batch_size=None)
    windows = list(dataset)
    np.testing.assert_array_equal(windows[0], np.arange(0, 20, 2))
    np.testing.assert_array_equal(windows[1], np.arange(3, 23, 2))
    np.testing.assert_array_equal(windows[-1], np.arange(78, 98, 2))


def test_timeseries_next_step_regression_example():
    data = np.arange(100, dtype="float32") * 2
    dataset = timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    inputs, targets = dataset[0]
    np.testing.assert_array_equal(inputs[0], data[:10])
    assert targets[0] == data[10]
    assert inputs.dtype == np.float32 and inputs.shape == (81, 10)


def test_timeseries_shuffle_is_seeded_and_keeps_the_windows():
    data, targets = np.arange(60), np.arange(60) * 10
    plain = timeseries_dataset_from_array(data, targets, sequence_length=5, batch_size=8)
    a = timeseries_dataset_from_array(data, targets, sequence_length=5, batch_size=8,
                                      shuffle=True, seed=3)
    b = timeseries_dataset_from_array(data, targets, sequence_length=5, batch_size=8,
                                      shuffle=True, seed=3)
    windows = lambda ds: np.concatenate([w for w, _ in ds])  # noqa: E731
    np.testing.assert_array_equal(windows(a), windows(b))
    assert not np.array_equal(windows(a), windows(plain))
    assert sorted(map(tuple, windows(a))) == sorted(map(tuple, windows(plain)))
    for w, t in a:
        np.testing.assert_array_equal(t, w[:, 0] * 10)  # each target still matches its window


def test_timeseries_too_short_data_gives_no_batches():
    dataset = timeseries_dataset_from_array(np.arange(5), None, sequence_length=10)
    assert len(dataset) == 0 and list(dataset) == []


def test_timeseries_index_errors():
    dataset = timeseries_dataset_from_array(np.arange(20), None, sequence_length=4, batch_size=8)
    assert len(dataset) == 3
    np.testing.assert_array_equal(dataset[-1], dataset[2])
    with pytest.raises(IndexError):
        dataset[3]


@pytest.mark.parametrize("kwargs,match", [
    ({"start_index": -1}, "start_index"),
    ({"start_index": 20}, "start_index"),
    ({"start_index": 5, "end_index": 5}, "end_index"),
    ({"end_index": 20}, "end_index"),
    ({"end_index": -2}, "end_index"),
    ({"sampling_rate": 0}, "sampling_rate"),
    ({"sampling_rate": 20}, "sampling_rate"),
    ({"sequence_stride": 0}, "sequence_stride"),
    ({"sequence_stride": 25}, "sequence_stride"),
    ({"batch_size": 0}, "batch_size"),
])
def test_timeseries_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        timeseries_dataset_from_array(np.arange(20), None, sequence_length=3, **kwargs)


# -- split_dataset --------------------------------------------------------------------------------
@pytest.mark.parametrize("left,right,total,expected", REFERENCE["split_sizes"])
def test_split_sizes_match_keras(left, right, total, expected):
    data = np.arange(total)
    a, b = split_dataset(data, left_size=left, right_size=right)
    assert [len(a), len(b)] == expected
    np.testing.assert_array_equal(a, data[:expected[0]])
    np.testing.assert_array_equal(b, data[total - expected[1]:])  # the right part is the end


@pytest.mark.parametrize("seed,total,order", REFERENCE["split_shuffle"])
def test_split_shuffle_matches_keras_order(seed, total, order):
    data = np.arange(total)
    left, right = split_dataset(data, left_size=total // 2, shuffle=True, seed=seed)
    np.testing.assert_array_equal(np.concatenate([left, right]), order)


def test_split_tuples_lists_and_dicts_keep_their_structure():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    (x_left, y_left), (x_right, y_right) = split_dataset((x, y), left_size=0.7, shuffle=True,
                                                         seed=1)
    assert x_left.shape == (7, 2) and y_right.shape == (3,)
    np.testing.assert_array_equal(x_left[:, 0] // 2, y_left)  # rows stay paired
    np.testing.assert_array_equal(x_right[:, 0] // 2, y_right)
    left, right = split_dataset([x, y], right_size=2)
    assert isinstance(left, list) and len(right[1]) == 2
    left, right = split_dataset({"a": x, "b": y}, left_size=4)
    assert set(left) == {"a", "b"} and len(right["a"]) == 6


def test_split_without_seed_is_random_but_complete():
    left, right = split_dataset(np.arange(50), left_size=25, shuffle=True)
    assert sorted(np.concatenate([left, right])) == list(range(50))


@pytest.mark.parametrize("left,right,error,match", [
    (None, None, ValueError, "At least one"),
    (0, 0, ValueError, "Both"),
    (1.0, None, ValueError, "left_size"),
    (10, None, ValueError, "left_size"),
    (None, -1, ValueError, "right_size"),
    (0.6, 0.6, ValueError, "greater than 1"),
    (6, 6, ValueError, "smaller than the 10"),
    (0.01, None, ValueError, "will be empty"),
    (True, None, TypeError, "left_size"),
    ("half", None, TypeError, "left_size"),
])
def test_split_bad_sizes(left, right, error, match):
    with pytest.raises(error, match=match):
        split_dataset(np.arange(10), left_size=left, right_size=right)


def test_split_bad_datasets():
    with pytest.raises(ValueError, match="same length"):
        split_dataset((np.arange(10), np.arange(9)), left_size=0.5)
    with pytest.raises(TypeError, match="dataset"):
        split_dataset(3, left_size=0.5)


def test_pad_sequences_names_the_valid_padding_and_truncating_values():
    with pytest.raises(ValueError, match=r'Padding type "middle" not understood: `padding` must '
                                         r'be "pre" or "post"'):
        pad_sequences([[1, 2]], padding="middle")
    with pytest.raises(ValueError, match=r'`truncating` must be "pre" or "post"'):
        pad_sequences([[1, 2]], truncating="both")
