"""Batches from a Python generator (or any iterator) the user wrote.

The generator yields `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` per batch; it does the
batching itself, so `batch_size` and `shuffle` do not apply. Each batch is checked as it arrives
(see `batch_utils.BatchChecker`): a batch whose arrays disagree on the batch size, or whose
structure or ranks differ from the first batch, is a ValueError naming the batch index and the
shapes.

A generator can be read only once. The first batch is drawn at once (`peek()`, to build the
model) and handed out again as the first batch of the first pass. Without `steps_per_epoch` the
first epoch runs until the generator stops; a later epoch then finds no data, and the loop warns
("Your input ran out of data") and stops training. To train several epochs, make the generator
endless (`while True:`) and give `steps_per_epoch`; an endless generator without
`steps_per_epoch` never ends its first epoch. (Keras 3 replays its first peeked batches in later
epochs instead; Keras 2 stopped like this.)
"""
from minikeras.trainers.data_adapters.data_adapter import DataAdapter
from minikeras.trainers.data_adapters.batch_utils import BatchChecker


def is_generator(x):
    """A Python generator or iterator (but not an array, list or PyDataset)."""
    return hasattr(x, "__next__") and hasattr(x, "__iter__")


class GeneratorDataAdapter(DataAdapter):
    """Adapter for a Python generator / iterator of batches.

    Args:
        generator: yields x, (x,), (x, y) or (x, y, sample_weight) for every batch.
        class_weight: {class index: weight}, applied to each batch from its targets (models
            with a single output; batches must not carry their own sample weights).
    """

    def __init__(self, generator, class_weight=None):
        if not is_generator(generator):
            raise TypeError(f"Expected a Python generator or iterator, received "
                            f"{type(generator).__name__}.")
        self.generator = generator
        self._check = BatchChecker("The generator passed as `x`", class_weight)
        self._drawn = 0
        self.exhausted = False
        first = self._draw()
        if first is None:
            raise ValueError("The generator passed as `x` yielded no batch at all (it is empty "
                             "or was already used up).")
        self._first = first
        self._pending = [first]

    @property
    def num_batches(self):
        return None  # unknown: a pass ends when the generator stops

    def _draw(self):
        try:
            raw = next(self.generator)
        except StopIteration:
            self.exhausted = True
            return None
        batch = self._check(raw, self._drawn)
        self._drawn += 1
        return batch

    def peek(self):
        return self._first

    def batches(self):
        """The generator's batches from where it stands until it stops (the first batch once)."""
        while True:
            if self._pending:
                yield self._pending.pop()
                continue
            batch = self._draw()
            if batch is None:
                return
            yield batch
