"""Data adapters: generators, PyDataset (threads / processes), h5py datasets, get_data_adapter.

The adapters are tested on their own (num_batches, batches(), peek(), the epoch hooks); the
tests at the end train through `fit` / `evaluate` / `predict` and wait for the trainer to use
`get_data_adapter` (marked xfail until then).
"""
import os
import threading
import time
import tracemalloc
import warnings

import h5py
import numpy as np
import pytest

import minikeras
from minikeras import layers
from minikeras.backend import random as backend_random
from minikeras.trainers.data_adapters import ArrayDataAdapter, DataAdapter, train_validation_split
from minikeras.trainers.data_adapters import (GeneratorDataAdapter, H5DatasetAdapter, H5Slice,
                                            PyDatasetAdapter, get_data_adapter, is_h5_dataset)
from minikeras.trainers.data_adapters import py_dataset_adapter
from minikeras.utils import set_random_seed
from minikeras.utils.py_dataset import PyDataset, Sequence



def rows(batch_part):
    return np.asarray(batch_part)[:, 0].astype(int).tolist()


# -- helpers -------------------------------------------------------------------------------------
def xy_generator(num_batches, batch=4, features=3, weights=False, start=0):
    for i in range(start, start + num_batches):
        x = np.full((batch, features), i, dtype="float64")
        y = np.full((batch, 1), i, dtype="float64")
        yield (x, y, np.full(batch, 0.5)) if weights else (x, y)


class Counting(PyDataset):
    """Batch i is x = [[i, ...]], y = [[i]]; records the indices asked for and the hooks."""

    def __init__(self, n=6, batch=2, **kwargs):
        super().__init__(**kwargs)
        self.n, self.batch = n, batch
        self.calls, self.epoch_ends, self.epoch_begins = [], 0, 0
        self.offset = 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        self.calls.append(index)
        value = index + self.offset
        return (np.full((self.batch, 3), value, dtype="float32"),
                np.full((self.batch, 1), value, dtype="float32"))

    def on_epoch_begin(self):
        self.epoch_begins += 1

    def on_epoch_end(self):
        self.epoch_ends += 1
        self.offset += 100


def one_pass(adapter):
    return [rows(x)[0] for x, _, _ in adapter.batches()]


# -- get_data_adapter ----------------------------------------------------------------------------
def test_factory_picks_the_adapter(tmp_path):
    x, y = np.zeros((10, 3)), np.zeros(10)
    assert type(get_data_adapter(x, y)) is ArrayDataAdapter
    assert type(get_data_adapter([x, x], {"o": y})) is ArrayDataAdapter
    assert isinstance(get_data_adapter(xy_generator(2)), GeneratorDataAdapter)
    assert isinstance(get_data_adapter(iter([(x, y)])), GeneratorDataAdapter)
    assert isinstance(get_data_adapter(Counting()), PyDatasetAdapter)
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["x"] = x
        assert isinstance(get_data_adapter(f["x"], y), H5DatasetAdapter)
        assert isinstance(get_data_adapter({"a": x, "b": f["x"]}, y), H5DatasetAdapter)
    for adapter in (get_data_adapter(x, y), get_data_adapter(Counting())):
        assert isinstance(adapter, DataAdapter)


def test_factory_array_path_is_the_plain_array_adapter():
    x, y = np.arange(20, dtype="float32").reshape(10, 2), np.arange(10)
    adapter = get_data_adapter(x, y, batch_size=4, shuffle=False)
    assert adapter.batch_size == 4 and adapter.num_batches == 3
    assert get_data_adapter(x, y).batch_size == 32  # None means 32
    reference = ArrayDataAdapter(x, y, None, 4)
    for got, want in zip(adapter.batches(), reference.batches()):
        np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(adapter.peek()[0], x[:4])


def test_factory_rejects_separate_targets_for_generators_and_datasets():
    with pytest.raises(ValueError, match="`y` should not be passed"):
        get_data_adapter(xy_generator(2), np.zeros(4))
    with pytest.raises(ValueError, match="`sample_weight` should not be passed"):
        get_data_adapter(Counting(), sample_weight=np.ones(4))


def test_factory_checks_steps():
    with pytest.raises(ValueError, match="steps"):
        get_data_adapter(np.zeros((4, 1)), steps_per_epoch=-1)
    with pytest.raises(ValueError, match="steps"):
        get_data_adapter(np.zeros((4, 1)), steps_per_epoch=1.5)


class Endless(PyDataset):
    @property
    def num_batches(self):
        return None

    def __getitem__(self, index):
        return np.full((2, 1), index, dtype="float32"), np.zeros((2, 1), dtype="float32")


def test_infinite_pydataset_needs_steps():
    with pytest.raises(ValueError, match="infinite.*steps_per_epoch"):
        get_data_adapter(Endless())
    adapter = get_data_adapter(Endless(), steps_per_epoch=3)
    assert adapter.num_batches is None
    batches = adapter.batches()
    assert [int(next(batches)[0][0, 0]) for _ in range(5)] == [0, 1, 2, 3, 4]


# -- generators ----------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["bare", "single", "pair", "triple", "list"])
def test_generator_batch_forms(form):
    x, y, w = np.ones((3, 2)), np.zeros((3, 1)), np.full(3, 2.0)
    item = {"bare": x, "single": (x,), "pair": (x, y), "triple": (x, y, w), "list": [x, y]}[form]
    adapter = GeneratorDataAdapter(iter([item, item]))
    batches = list(adapter.batches())
    assert len(batches) == 2
    bx, by, bw = batches[0]
    assert bx.shape == (3, 2) and bx.dtype == np.float32  # float64 -> floatx
    assert (by is None) == (form in ("bare", "single"))
    assert (bw is None) == (form != "triple")


def test_generator_multi_input_dicts():
    def gen():
        for _ in range(2):
            yield {"a": np.ones((2, 3)), "b": np.ones((2, 1))}, [np.ones((2, 1)), np.ones((2, 4))]
    x, y, _ = next(GeneratorDataAdapter(gen()).batches())
    assert set(x) == {"a", "b"} and isinstance(y, list) and y[1].shape == (2, 4)


def test_generator_peek_does_not_use_up_the_first_batch():
    adapter = GeneratorDataAdapter(xy_generator(3))
    assert adapter.num_batches is None
    assert rows(adapter.peek()[0]) == [0] * 4
    assert rows(adapter.peek()[0]) == [0] * 4
    assert [rows(x)[0] for x, _, _ in adapter.batches()] == [0, 1, 2]


def test_generator_is_read_once_and_continues_across_passes():
    adapter = GeneratorDataAdapter(xy_generator(5))
    first = adapter.batches()
    assert [rows(next(first)[0])[0] for _ in range(2)] == [0, 1]
    assert not adapter.exhausted
    assert [rows(x)[0] for x, _, _ in adapter.batches()] == [2, 3, 4]  # a new pass goes on
    assert adapter.exhausted
    assert list(adapter.batches()) == []


def test_generator_empty():
    with pytest.raises(ValueError, match="yielded no batch"):
        GeneratorDataAdapter(iter([]))


def test_generator_wrong_tuple_length_names_the_batch():
    def gen():
        yield np.ones((2, 1)), np.ones((2, 1))
        yield np.ones((2, 1)), np.ones((2, 1)), np.ones(2), np.ones(2)
    batches = GeneratorDataAdapter(gen()).batches()
    next(batches)
    with pytest.raises(ValueError, match=r"batch 1 is a tuple of length 4"):
        next(batches)


def test_generator_batch_sizes_must_agree_within_a_batch():
    def gen():
        yield np.ones((4, 3)), np.ones((4, 1))
        yield np.ones((4, 3)), np.ones((5, 1))
    batches = GeneratorDataAdapter(gen()).batches()
    next(batches)
    with pytest.raises(ValueError, match=r"batch 1 disagree on the batch size: x \(4, 3\), y \(5, 1\)"):
        next(batches)


def test_generator_inconsistent_shapes_name_batch_and_shapes():
    def gen():
        yield np.ones((4, 3)), np.ones((4, 1))
        yield np.ones((4, 3)), np.ones((4, 1))
        yield np.ones((4, 3, 2)), np.ones((4, 1))
    batches = GeneratorDataAdapter(gen()).batches()
    next(batches), next(batches)
    with pytest.raises(ValueError, match=r"batch 2 has x \(4, 3, 2\), y \(4, 1\), but batch 0 "
                                         r"had x \(4, 3\), y \(4, 1\)"):
        next(batches)


def test_generator_structure_change_and_feature_change_are_errors():
    def gen(second):
        yield np.ones((4, 5, 3)), np.ones((4, 1))
        yield second
    with pytest.raises(ValueError, match="inconsistent batches"):
        list(GeneratorDataAdapter(gen((np.ones((4, 5, 3)),))).batches())
    with pytest.raises(ValueError, match=r"batch 1 has x \(4, 5, 2\)"):
        list(GeneratorDataAdapter(gen((np.ones((4, 5, 2)), np.ones((4, 1))))).batches())


def test_generator_variable_sequence_length_and_batch_size_are_fine():
    def gen():
        yield np.ones((4, 5, 3)), np.ones((4, 1))
        yield np.ones((2, 9, 3)), np.ones((2, 1))   # a longer sequence, a smaller batch
        yield np.ones((3, 7)), np.ones((3, 1))      # rank 2 instead of 3: error
    batches = GeneratorDataAdapter(gen()).batches()
    assert next(batches)[0].shape == (4, 5, 3)
    assert next(batches)[0].shape == (2, 9, 3)
    with pytest.raises(ValueError, match="batch 2"):
        next(batches)


def test_generator_token_ids_may_change_length_float_features_may_not():
    tokens = iter([(np.ones((4, 5), "int64"), np.ones(4)), (np.ones((4, 8), "int64"), np.ones(4))])
    assert [x.shape for x, _, _ in GeneratorDataAdapter(tokens).batches()] == [(4, 5), (4, 8)]
    features = iter([(np.ones((4, 5)), np.ones(4)), (np.ones((4, 8)), np.ones(4))])
    with pytest.raises(ValueError, match=r"batch 1 has x \(4, 8\), y \(4,\), but batch 0 had "
                                         r"x \(4, 5\)"):
        list(GeneratorDataAdapter(features).batches())


def test_generator_non_numeric_batch():
    def gen():
        yield np.array(["a", "b"]), np.ones((2, 1))
    with pytest.raises(TypeError, match="batch 0 has a `x` that is not numeric"):
        GeneratorDataAdapter(gen())


def test_generator_class_weight_per_batch():
    class_weight = {0: 1.0, 1: 2.0, 2: 3.0}
    sparse = iter([(np.ones((3, 2)), np.array([0, 1, 2])), (np.ones((2, 2)), np.array([2, 2]))])
    adapter = GeneratorDataAdapter(sparse, class_weight=class_weight)
    assert [w.tolist() for _, _, w in adapter.batches()] == [[1.0, 2.0, 3.0], [3.0, 3.0]]
    one_hot = iter([(np.ones((2, 2)), np.eye(3)[[2, 0]])])  # one-hot targets: argmax
    adapter = GeneratorDataAdapter(one_hot, class_weight=class_weight)
    assert [w.tolist() for _, _, w in adapter.batches()] == [[3.0, 1.0]]


def test_generator_class_weight_errors():
    with pytest.raises(ValueError, match="class_weight` and `sample_weight"):
        GeneratorDataAdapter(xy_generator(2, weights=True), class_weight={0: 1.0})
    with pytest.raises(ValueError, match="needs targets"):
        GeneratorDataAdapter(iter([(np.ones((2, 1)),)]), class_weight={0: 1.0})
    with pytest.raises(ValueError, match="single output"):
        GeneratorDataAdapter(iter([(np.ones((2, 1)), [np.ones(2), np.ones(2)])]),
                             class_weight={0: 1.0})


def test_generator_sample_weight_from_batches():
    (_, _, w), = list(GeneratorDataAdapter(xy_generator(1, weights=True)).batches())
    assert w.tolist() == [0.5] * 4


# -- PyDataset -----------------------------------------------------------------------------------
def test_pydataset_base_class():
    dataset = Counting(n=4, workers=3, use_multiprocessing=True, max_queue_size=5)
    assert (dataset.workers, dataset.use_multiprocessing, dataset.max_queue_size) == (3, True, 5)
    assert dataset.num_batches == 4
    assert [rows(x)[0] for x, _ in dataset] == [0, 1, 2, 3]
    assert Sequence is PyDataset
    with pytest.raises(NotImplementedError):
        PyDataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        PyDataset().num_batches


def test_pydataset_warns_when_super_init_is_not_called():
    class NoSuper(PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

        def __getitem__(self, index):
            return np.ones((1, 1))

    with pytest.warns(UserWarning, match=r"super\(\).__init__"):
        workers = NoSuper().workers
    assert workers == 1


def test_pydataset_order_and_epoch_hooks():
    dataset = Counting(n=4)
    adapter = PyDatasetAdapter(dataset)
    assert adapter.num_batches == 4 and adapter.batch_size is None
    assert one_pass(adapter) == [0, 1, 2, 3]
    adapter.on_epoch_begin()
    adapter.on_epoch_end()
    assert (dataset.epoch_begins, dataset.epoch_ends) == (1, 1)
    assert one_pass(adapter) == [100, 101, 102, 103]  # the dataset changed in on_epoch_end


def test_pydataset_shuffle_draws_a_new_batch_order_each_pass():
    set_random_seed(5)
    adapter = PyDatasetAdapter(Counting(n=8), shuffle=True)
    first, second = one_pass(adapter), one_pass(adapter)
    assert sorted(first) == sorted(second) == list(range(8))
    assert first != second
    set_random_seed(5)
    assert one_pass(PyDatasetAdapter(Counting(n=8), shuffle=True)) == first  # seeded


def test_pydataset_peek_fetches_batch_zero():
    dataset = Counting(n=3)
    adapter = PyDatasetAdapter(dataset)
    assert rows(adapter.peek()[0]) == [0, 0] and dataset.calls == [0]
    adapter.peek()
    assert dataset.calls == [0]
    with pytest.raises(ValueError, match="no batches"):
        PyDatasetAdapter(Counting(n=0)).peek()


class WrongLength(Counting):
    def __getitem__(self, index):
        if index == 2:
            return np.ones((2, 3)), np.ones((2, 1)), np.ones(2), np.ones(2)
        return super().__getitem__(index)


@pytest.mark.parametrize("workers,processes", [(1, False), (2, False), (2, True)])
def test_pydataset_wrong_tuple_length_names_class_and_index(workers, processes):
    adapter = PyDatasetAdapter(WrongLength(n=4, workers=workers, use_multiprocessing=processes))
    with pytest.raises(ValueError, match=r"WrongLength.__getitem__ must give every batch as .* "
                                         r"batch 2 is a tuple of length 4"):
        list(adapter.batches())


def test_pydataset_bad_lengths_and_settings():
    class BadLength(Counting):
        @property
        def num_batches(self):
            return -1
    with pytest.raises(ValueError, match="non-negative integer"):
        PyDatasetAdapter(BadLength())
    with pytest.raises(ValueError, match="workers"):
        PyDatasetAdapter(Counting(workers=-2))
    with pytest.raises(ValueError, match="max_queue_size"):
        PyDatasetAdapter(Counting(max_queue_size=0))


def test_pydataset_class_weight():
    class Labels(PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return np.ones((2, 1)), np.array([index, 1 - index])
    adapter = PyDatasetAdapter(Labels(), class_weight={0: 1.0, 1: 4.0})
    assert [w.tolist() for _, _, w in adapter.batches()] == [[1.0, 4.0], [4.0, 1.0]]


class Rendezvous(PyDataset):
    """Every fetch waits until `parties` fetches run at the same time (else it times out)."""

    def __init__(self, n, barrier, **kwargs):
        super().__init__(**kwargs)
        self.n, self.barrier = n, barrier

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        self.barrier.wait(timeout=20)
        return np.full((1, 2), index, dtype="float32"), np.full((1, 1), os.getpid(), "float64")


def test_pydataset_threads_fetch_in_parallel():
    dataset = Rendezvous(6, threading.Barrier(3), workers=3)
    assert one_pass(PyDatasetAdapter(dataset)) == [0, 1, 2, 3, 4, 5]


def test_pydataset_processes_fetch_in_parallel():
    context = py_dataset_adapter._start_context()
    dataset = Rendezvous(4, context.Barrier(2), workers=2, use_multiprocessing=True)
    batches = list(PyDatasetAdapter(dataset).batches())
    assert [rows(x)[0] for x, _, _ in batches] == [0, 1, 2, 3]
    pids = {int(y[0, 0]) for _, y, _ in batches}
    assert os.getpid() not in pids and len(pids) == 2


class Jittery(Counting):
    """Later batches are faster: finishing order is the reverse of the index order."""

    def __getitem__(self, index):
        time.sleep(0.02 * (self.n - index))
        return super().__getitem__(index)


@pytest.mark.parametrize("processes", [False, True])
def test_pydataset_workers_keep_the_order(processes):
    set_random_seed(2)
    adapter = PyDatasetAdapter(Jittery(n=6, workers=3, use_multiprocessing=processes),
                               shuffle=True)
    set_random_seed(2)
    expected = backend_random.global_generator().permutation(6).tolist()
    set_random_seed(2)
    assert one_pass(adapter) == expected


def test_pydataset_processes_see_state_set_in_on_epoch_end():
    dataset = Counting(n=3, workers=2, use_multiprocessing=True)
    adapter = PyDatasetAdapter(dataset)
    assert one_pass(adapter) == [0, 1, 2]
    adapter.on_epoch_end()
    assert one_pass(adapter) == [100, 101, 102]


class Failing(Counting):
    def __getitem__(self, index):
        if index == 3:
            raise KeyError("broken batch")
        return super().__getitem__(index)


@pytest.mark.parametrize("processes", [False, True])
def test_pydataset_worker_errors_reach_the_loop(processes):
    adapter = PyDatasetAdapter(Failing(n=5, workers=2, use_multiprocessing=processes))
    seen = []
    with pytest.raises(KeyError, match="broken batch") as info:
        for x, _, _ in adapter.batches():
            seen.append(rows(x)[0])
    assert seen == [0, 1, 2]
    if hasattr(info.value, "__notes__"):
        assert "Failing.__getitem__(3)" in info.value.__notes__[0]


def test_pydataset_prefetch_is_bounded_by_max_queue_size():
    dataset = Counting(n=40, workers=2, max_queue_size=4)
    batches = PyDatasetAdapter(dataset).batches()
    next(batches)
    time.sleep(0.2)
    assert len(dataset.calls) <= 5  # 4 queued ahead + the one submitted after the first
    batches.close()


def test_pydataset_abandoned_pass_stops_its_threads():
    before = threading.active_count()
    dataset = Counting(n=50, workers=3)
    batches = PyDatasetAdapter(dataset).batches()
    next(batches)
    batches.close()
    deadline = time.time() + 5
    while threading.active_count() > before and time.time() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= before
    assert len(dataset.calls) < 50


class Unpicklable(Counting):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transform = lambda a: a


def test_pydataset_spawn_needs_a_picklable_dataset(monkeypatch):
    import multiprocessing
    monkeypatch.setattr(py_dataset_adapter, "_start_context",
                        lambda: multiprocessing.get_context("spawn"))
    adapter = PyDatasetAdapter(Unpicklable(workers=2, use_multiprocessing=True))
    with pytest.raises(TypeError, match="picklable"):
        list(adapter.batches())


# -- h5py datasets -------------------------------------------------------------------------------
class SpyDataset(h5py.Dataset):
    """An h5py dataset that records how many rows each read asked for."""

    reads = []

    def __getitem__(self, index):
        result = super().__getitem__(index)
        SpyDataset.reads.append(len(result) if np.ndim(result) else 1)
        return result


@pytest.fixture
def h5_file(tmp_path):
    n = 103
    x = np.arange(n * 4, dtype="float64").reshape(n, 4)   # row i starts with 4 * i
    y = (np.arange(n) % 3).astype("int64")
    w = np.linspace(0.5, 1.5, n)
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as f:
        f["x"], f["y"], f["w"] = x, y, w
    with h5py.File(path, "r") as f:
        yield f, x, y, w


def _ids(batch_x):
    return (np.asarray(batch_x)[:, 0] // 4).astype(int).tolist()


@pytest.mark.parametrize("shuffle", [False, "batch", True])
def test_h5_batches_equal_the_array_adapter(h5_file, shuffle):
    f, x, y, w = h5_file
    set_random_seed(11)
    h5 = [b for b in H5DatasetAdapter(f["x"], f["y"], f["w"], 16, shuffle).batches()]
    set_random_seed(11)
    arrays = [b for b in ArrayDataAdapter(x, y, w, 16, shuffle).batches()]
    assert len(h5) == len(arrays) == 7
    for (hx, hy, hw), (ax, ay, aw) in zip(h5, arrays):
        assert hx.dtype == np.float32 and hy.dtype == np.int64
        order = np.argsort(_ids(ax))  # shuffle=True reads each batch's rows sorted
        np.testing.assert_array_equal(hx, ax[order])
        np.testing.assert_array_equal(hy, ay[order])
        np.testing.assert_allclose(hw, aw[order])
        if shuffle != True:  # noqa: E712
            assert _ids(hx) == _ids(ax)


def test_h5_shuffle_modes(h5_file):
    f, *_ = h5_file
    set_random_seed(1)
    adapter = H5DatasetAdapter(f["x"], f["y"], batch_size=10, shuffle="batch")
    first = [_ids(bx) for bx, _, _ in adapter.batches()]
    second = [_ids(bx) for bx, _, _ in adapter.batches()]
    assert first != second and sorted(first) == sorted(second)  # same chunks, new order
    assert all(ids == list(range(ids[0], ids[0] + len(ids))) for ids in first)
    adapter = H5DatasetAdapter(f["x"], f["y"], batch_size=10, shuffle=True)
    batches = [_ids(bx) for bx, _, _ in adapter.batches()]
    assert sorted(sum(batches, [])) == list(range(103))
    assert all(ids == sorted(ids) for ids in batches)
    assert any(ids != list(range(ids[0], ids[0] + len(ids))) for ids in batches)
    plain = [_ids(bx) for bx, _, _ in H5DatasetAdapter(f["x"], batch_size=50).batches()]
    assert plain == [list(range(50)), list(range(50, 100)), [100, 101, 102]]


def test_h5_structures_and_mixed_arrays(h5_file):
    f, x, y, _ = h5_file
    adapter = get_data_adapter({"a": f["x"], "b": x[:, :2]}, [f["y"], np.ones((103, 1))],
                               batch_size=40)
    assert isinstance(adapter, H5DatasetAdapter) and adapter.num_batches == 3
    bx, by, bw = next(adapter.batches())
    assert bx["a"].shape == (40, 4) and bx["b"].shape == (40, 2) and bw is None
    assert by[0].shape == (40,) and by[1].shape == (40, 1)
    np.testing.assert_array_equal(adapter.peek()[0]["a"], x[:40])


def test_h5_class_weight_per_batch(h5_file):
    f, x, y, _ = h5_file
    class_weight = {0: 1.0, 1: 2.0, 2: 5.0}
    h5 = [w for _, _, w in H5DatasetAdapter(f["x"], f["y"], batch_size=32,
                                            class_weight=class_weight).batches()]
    arrays = [w for _, _, w in ArrayDataAdapter(x, y, None, 32, class_weight=class_weight).batches()]
    for a, b in zip(h5, arrays):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="both `class_weight` and `sample_weight`"):
        H5DatasetAdapter(f["x"], f["y"], f["w"], class_weight=class_weight)


def test_h5_mismatched_lengths_name_the_datasets(tmp_path):
    with h5py.File(tmp_path / "bad.h5", "w") as f:
        f["x"], f["y"] = np.zeros((10, 2)), np.zeros(9)
        with pytest.raises(ValueError, match=r"(?s)cardinality.*'x' sizes: 10 \(h5py dataset "
                                             r"'/x'\).*'y' sizes: 9 \(h5py dataset '/y'\)"):
            get_data_adapter(f["x"], f["y"])
        with pytest.raises(ValueError, match=r"'y' sizes: 8"):
            get_data_adapter(f["x"], np.zeros(8))


def test_h5_bad_datasets(tmp_path):
    with h5py.File(tmp_path / "bad.h5", "w") as f:
        f["s"] = np.array([b"a", b"b"])
        f["scalar"] = 3.0
        f["x"] = np.zeros((2, 1))
        with pytest.raises(TypeError, match="'/s' of dtype"):
            get_data_adapter(f["s"])
        with pytest.raises(ValueError, match="scalar h5py dataset"):
            get_data_adapter(f["scalar"])
        with pytest.raises(ValueError, match="shuffle"):
            H5DatasetAdapter(f["x"], shuffle="sometimes")
        with pytest.raises(ValueError, match="batch_size"):
            H5DatasetAdapter(f["x"], batch_size=0)


def test_h5_validation_split_makes_lazy_views(h5_file):
    f, x, y, _ = h5_file
    (tx, ty, tw), (vx, vy, vw) = train_validation_split((f["x"], f["y"], None), 0.2)
    assert isinstance(tx, H5Slice) and is_h5_dataset(vx) and tw is None and vw is None
    assert len(tx) == 82 and len(vx) == 21 and vx.shape == (21, 4)
    np.testing.assert_array_equal(vx[:], x[82:])
    np.testing.assert_array_equal(vx[np.array([0, 5])], x[[82, 87]])
    np.testing.assert_array_equal(vx[-1], x[-1])
    np.testing.assert_array_equal(H5Slice(vx, 1, 3)[:], x[83:85])
    with pytest.raises(ValueError, match="outside"):
        H5Slice(f["x"], 100, 200)
    val = [_ids(bx) for bx, _, _ in get_data_adapter(vx, vy, batch_size=8).batches()]
    assert sum(val, []) == list(range(82, 103))
    set_random_seed(3)
    train = [_ids(bx) for bx, _, _ in get_data_adapter(tx, ty, batch_size=8, shuffle=True).batches()]
    assert sorted(sum(train, [])) == list(range(82))


def test_validation_split_rejects_generators_and_datasets():
    with pytest.raises(ValueError, match="validation_split` is only supported"):
        train_validation_split((xy_generator(2), None, None), 0.2)
    with pytest.raises(ValueError, match="validation_split` is only supported"):
        train_validation_split((Counting(), None, None), 0.2)


def _train_by_batches(model, adapter, epochs):
    for _ in range(epochs):
        for bx, by, bw in adapter.batches():
            model.train_on_batch(bx, by, sample_weight=bw)


def test_h5_training_reads_one_batch_at_a_time(tmp_path):
    """Train on an h5 file, and show that no read ever asked for more than one batch, and that
    Python's memory never held a large part of the file."""
    n, features, batch_size = 6000, 64, 100
    path = tmp_path / "big.h5"
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=rng.normal(size=(n, features)).astype("float32"),
                         chunks=(batch_size, features))
        f["y"] = rng.normal(size=(n, 1)).astype("float32")
    dataset_bytes = n * features * 4
    set_random_seed(0)
    model = minikeras.Sequential([layers.Input((features,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with h5py.File(path, "r") as f:
        x, y = SpyDataset(f["x"].id), SpyDataset(f["y"].id)
        SpyDataset.reads.clear()
        for shuffle in ("batch", True):
            adapter = get_data_adapter(x, y, batch_size=batch_size, shuffle=shuffle)
            _train_by_batches(model, adapter, 1)  # warm up (imports, first allocations)
            tracemalloc.start()
            try:
                _train_by_batches(model, adapter, 1)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            assert peak < dataset_bytes / 10, (shuffle, peak, dataset_bytes)
    assert SpyDataset.reads and max(SpyDataset.reads) == batch_size
    assert sum(SpyDataset.reads) == 4 * 2 * n  # x and y, every sample once per epoch


# -- end to end (needs the trainer to call get_data_adapter) ------------------------------------
def small_model(inputs=3, outputs=1, activation=None, loss="mse", learning_rate=0.01):
    set_random_seed(0)
    model = minikeras.Sequential([layers.Input((inputs,)), layers.Dense(outputs, activation=activation)])
    model.compile(optimizer=minikeras.optimizers.SGD(learning_rate), loss=loss)
    return model


class StepCounter(minikeras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.steps = []

    def on_epoch_begin(self, epoch, logs=None):
        self.steps.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.steps[-1] += 1


def endless(batch=4):
    i = 0
    while True:
        yield np.full((batch, 3), i % 5, dtype="float32"), np.ones((batch, 1), dtype="float32")
        i += 1


def test_fit_endless_generator_with_steps_per_epoch():
    model, counter = small_model(), StepCounter()
    history = model.fit(endless(), epochs=3, steps_per_epoch=4, verbose=0, callbacks=[counter])
    assert counter.steps == [4, 4, 4] and len(history.history["loss"]) == 3


def test_fit_finite_generator_stops_when_it_runs_out():
    model, counter = small_model(), StepCounter()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(xy_generator(5), epochs=3, verbose=0, callbacks=[counter])
    assert counter.steps == [5] and len(history.history["loss"]) == 1
    model, counter = small_model(), StepCounter()
    with pytest.warns(UserWarning, match="ran out of data"):
        model.fit(xy_generator(5), epochs=4, steps_per_epoch=2, verbose=0, callbacks=[counter])
    assert counter.steps == [2, 2, 1]


def test_fit_generator_one_epoch_without_warning():
    model = small_model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(xy_generator(3), epochs=1, verbose=0)


def test_fit_generator_with_validation_generator_and_steps():
    model = small_model()
    history = model.fit(endless(), epochs=4, steps_per_epoch=2, validation_data=endless(),
                        validation_steps=2, validation_freq=2, verbose=0)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2


def test_fit_pydataset_with_workers_calls_epoch_hooks_once_per_epoch():
    dataset = Counting(n=5, workers=2)
    validation = Counting(n=2)
    model, counter = small_model(learning_rate=1e-6), StepCounter()
    model.fit(dataset, epochs=3, validation_data=validation, verbose=0, callbacks=[counter])
    assert counter.steps == [5, 5, 5]
    assert dataset.epoch_begins == dataset.epoch_ends == 3
    assert validation.epoch_ends == 3


def test_fit_pydataset_processes_and_steps_per_epoch():
    dataset = Counting(n=4, workers=2, use_multiprocessing=True)
    model, counter = small_model(learning_rate=1e-6), StepCounter()
    with pytest.warns(UserWarning, match="ran out of data"):  # the pass ends within epoch 2
        model.fit(dataset, epochs=3, steps_per_epoch=3, shuffle=False, verbose=0,
                  callbacks=[counter])
    assert counter.steps == [3, 1, 3]  # an epoch takes the rest of the pass, as in Keras
    assert dataset.epoch_ends == 3


def test_fit_pydataset_class_weight_changes_training():
    class Labels(PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, index):
            x = np.random.default_rng(index).normal(size=(8, 3)).astype("float32")
            return x, (x[:, 0] > 0).astype("int64")
    plain = small_model(outputs=2, activation="softmax", loss="sparse_categorical_crossentropy")
    weighted = small_model(outputs=2, activation="softmax", loss="sparse_categorical_crossentropy")
    a = plain.fit(Labels(), shuffle=False, verbose=0).history["loss"][0]
    b = weighted.fit(Labels(), shuffle=False, class_weight={0: 1.0, 1: 3.0},
                     verbose=0).history["loss"][0]
    assert a != pytest.approx(b)


def test_fit_rejects_validation_split_for_generators():
    with pytest.raises(ValueError, match="validation_split"):
        small_model().fit(xy_generator(3), validation_split=0.2, verbose=0)


def test_evaluate_and_predict_take_generators_and_datasets(tmp_path):
    model = small_model()
    x = np.arange(24, dtype="float32").reshape(8, 3)
    expected = model.predict(x, batch_size=4, verbose=0)
    gen_x = (x[i:i + 4] for i in range(0, 8, 4))
    np.testing.assert_allclose(model.predict(gen_x, verbose=0), expected, rtol=1e-6)

    class Xs(PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return x[index * 4:(index + 1) * 4]
    np.testing.assert_allclose(model.predict(Xs(workers=2), verbose=0), expected, rtol=1e-6)
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f["x"], f["y"] = x, np.ones((8, 1), "float32")
        np.testing.assert_allclose(model.predict(f["x"], batch_size=3, verbose=0), expected,
                                   rtol=1e-6)
        loss = model.evaluate(f["x"], f["y"], batch_size=4, verbose=0)
    assert model.evaluate(x, np.ones((8, 1)), verbose=0) == pytest.approx(loss, rel=1e-6)
    assert model.evaluate(xy_generator(3), steps=2, verbose=0) > 0


def test_fit_h5_never_loads_the_file(tmp_path):
    n, features = 4000, 32
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["x"] = np.random.default_rng(0).normal(size=(n, features)).astype("float32")
        f["y"] = np.ones((n, 1), "float32")
    model = small_model(inputs=features)
    with h5py.File(tmp_path / "d.h5", "r") as f:
        x, y = SpyDataset(f["x"].id), SpyDataset(f["y"].id)
        SpyDataset.reads.clear()
        history = model.fit(x, y, batch_size=64, epochs=2, shuffle="batch", validation_split=0.25,
                            verbose=0)
    assert len(history.history["val_loss"]) == 2
    assert max(SpyDataset.reads) <= 64
    # x and y, per epoch 47 training + 16 validation batches, plus reading one batch to build
    assert len(SpyDataset.reads) <= 2 * 2 * (47 + 16) + 2
    assert sum(SpyDataset.reads) <= 2 * 2 * n + 2 * 64


def test_fit_timeseries_dataset():
    from minikeras.utils.timeseries import timeseries_dataset_from_array
    series = np.sin(np.arange(300) / 10).astype("float32")
    dataset = timeseries_dataset_from_array(series[:-5], series[5:], sequence_length=5,
                                            batch_size=32)
    model = small_model(inputs=5)
    history = model.fit(dataset, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
