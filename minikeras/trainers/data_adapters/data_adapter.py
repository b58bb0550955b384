"""The interface every data adapter offers the training loop (see `DataAdapter`)."""


class DataAdapter:
    """What the training loop asks of every adapter.

    - `num_batches`: batches in one pass over the data, or None when unknown (a generator,
      an infinite PyDataset): then a pass ends when the data runs out.
    - `batches()`: a generator of (x, y, sample_weight) for one pass; call it again for the next
      pass (arrays, h5py datasets and PyDatasets start over, reshuffled when asked; a Python
      generator is consumed once and simply goes on where it stopped).
    - `peek()`: the first batch, without using it up (the model is built from its shapes).
    - `on_epoch_begin()` / `on_epoch_end()`: the loop calls them around every epoch (a
      PyDataset's own hooks run there).
    - `batch_size`: samples per batch when the adapter does the batching, else None.
    """

    batch_size = None

    @property
    def num_batches(self):
        raise NotImplementedError

    def batches(self):
        raise NotImplementedError

    def peek(self):
        raise NotImplementedError

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass
