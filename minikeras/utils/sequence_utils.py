"""`pad_sequences`: a list of variable-length sequences -> one rectangular array (Keras's rules)."""
import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (and cut) sequences to the same length.

    Args:
        sequences: a list of sequences (lists or arrays; each element a scalar or an array of a
            fixed shape).
        maxlen: the length of the result; None takes the longest sequence.
        dtype: the result's dtype (`object` or a string dtype for strings).
        padding: "pre" (default) or "post": where the `value`s go in a short sequence.
        truncating: "pre" (default) or "post": which end of a long sequence is cut off.
        value: the padding value.

    Returns:
        An array of shape (len(sequences), maxlen) + the shape of the sequences' elements.
        Empty sequences become rows of `value`; no sequences at all give shape (0, maxlen or 0).

    Example:
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
        array([[0, 0, 1],
               [0, 2, 3],
               [4, 5, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood: `padding` must be "pre" or '
                         f'"post".')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood: `truncating` must be '
                         f'"pre" or "post".')
    if maxlen is not None and (isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer))
                               or maxlen < 0):
        raise ValueError(f"`maxlen` must be None or a non-negative integer, received {maxlen!r}.")
    lengths = []
    sample_shape = ()
    found_shape = False
    for sequence in sequences:  # the element shape comes from the first non-empty sequence
        try:
            lengths.append(len(sequence))
        except TypeError as error:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: "
                             f"{sequence}") from error
        if not found_shape and len(sequence):
            sample_shape = np.asarray(sequence).shape[1:]
            found_shape = True
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    is_string_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_string_dtype:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         f"You should set `dtype=object` for variable length strings.")
    result = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return result
    for position, sequence in enumerate(sequences):
        if not len(sequence):
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position "
                             f"{position} is different from expected shape {sample_shape}")
        if padding == "post":
            result[position, :len(kept)] = kept
        else:
            result[position, -len(kept):] = kept
    return result
