"""Connectionist temporal classification: `keras.ops.ctc_loss` and `keras.ops.ctc_decode`.

ctc_loss runs the forward-backward recursion in log space over the blank-extended label
sequence (blank, l1, blank, l2, ..., blank), one Python step per time step, each step one array
operation over the whole batch; the VJP reuses the forward (alpha) and backward (beta) tables:
d loss / d logits[t, k] = softmax(logits)[t, k] - posterior occupancy of class k at t.

ctc_decode has Keras's two strategies: "greedy" (best class per step, repeats merged, blanks
dropped) and "beam_search" (prefix beam search keeping an emit track and a blank track per
prefix, merged in log space), the latter also stepping over time and vectorized over the batch.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.nn"
_PAD = -1  # decoded paths are padded with -1, as in Keras
_HASH_BASE = 2654435769  # Knuth's multiplicative constant: the base of the path hash


def _log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


def _logaddexp3(a, b, c):
    top = xp.maximum(xp.maximum(a, b), c)
    safe = xp.where(xp.isfinite(top), top, 0.0)
    with xp.errstate(divide="ignore"):
        return safe + xp.log(xp.exp(a - safe) + xp.exp(b - safe) + xp.exp(c - safe))


def _float_logits(output, name):
    output = convert_to_tensor(output)
    if output.ndim != 3:
        raise ValueError(f"{name}: expected logits of shape (batch, max_length, num_classes), "
                         f"received shape {output.shape}.")
    data = output.data
    if data.dtype.kind != "f" or data.dtype.itemsize < 4:
        data = data.astype("float32")
    return output, data


def _lengths(value, batch, limit, name, arg):
    lengths = xp.asarray(convert_to_tensor(value).data)
    if lengths.shape != (batch,) or lengths.dtype.kind not in "iu":
        raise ValueError(f"{name}: `{arg}` must be {batch} integers (one per sample), received "
                         f"shape {lengths.shape} and dtype {lengths.dtype}.")
    if lengths.size and (lengths.min() < 0 or lengths.max() > limit):
        raise ValueError(f"{name}: `{arg}` must lie in [0, {limit}], received values in "
                         f"[{lengths.min()}, {lengths.max()}].")
    return lengths.astype("int64")


@op
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """The CTC negative log-likelihood of each sample's label sequence.

    Shapes: target (B, S) integer labels (entries past target_length ignored); output (B, T, C)
    unnormalized logits (log-softmaxed here); target_length, output_length (B,) -> loss (B,)
    in float32 (float64 stays). `mask_index` is the blank class. A label sequence that cannot
    fit its output length gives an infinite loss and a zero gradient.
    """
    name = "ctc_loss"
    output, logits = _float_logits(output, name)
    labels = xp.asarray(convert_to_tensor(target).data)
    batch, steps, classes = logits.shape
    if labels.ndim != 2 or labels.shape[0] != batch or labels.dtype.kind not in "iu":
        raise ValueError(f"{name}: `target` must be integer labels of shape ({batch}, "
                         f"max_label_length), received shape {labels.shape} and dtype "
                         f"{labels.dtype}.")
    if not 0 <= mask_index < classes:
        raise ValueError(f"{name}: `mask_index`={mask_index} is not a class of `output` "
                         f"({classes} classes).")
    label_len = _lengths(target_length, batch, labels.shape[1], name, "target_length")
    out_len = _lengths(output_length, batch, steps, name, "output_length")
    log_probs = _log_softmax(logits)
    dtype = log_probs.dtype
    width = 2 * labels.shape[1] + 1
    position = xp.arange(width)
    real = position[None, :] < (2 * label_len + 1)[:, None]  # (B, L') inside the extended labels
    extended = xp.full((batch, width), mask_index, dtype="int64")
    extended[:, 1::2] = xp.where(xp.arange(labels.shape[1]) < label_len[:, None], labels,
                                 mask_index)
    if extended.min() < 0 or extended.max() >= classes:
        raise ValueError(f"{name}: `target` labels must lie in [0, {classes}), received values "
                         f"in [{extended.min()}, {extended.max()}].")
    # a label may follow the one two places back (skipping a blank) when they differ
    skip = xp.zeros((batch, width), dtype=bool)
    skip[:, 2:] = (extended[:, 2:] != mask_index) & (extended[:, 2:] != extended[:, :-2])
    emitted = xp.take_along_axis(log_probs, xp.broadcast_to(extended[:, None, :],
                                                            (batch, steps, width)), axis=2)
    minus_inf = xp.asarray(-xp.inf, dtype)

    def shifted(row, by):
        moved = xp.full_like(row, -xp.inf)
        moved[:, by:] = row[:, :-by]
        return moved

    alpha = xp.full((steps, batch, width), -xp.inf, dtype=dtype)
    start = xp.where(position[None, :] < 2, emitted[:, 0, :], minus_inf)
    alpha[0] = xp.where(real & (out_len[:, None] > 0), start, minus_inf)
    for t in range(1, steps):
        prev = alpha[t - 1]
        step = _logaddexp3(prev, shifted(prev, 1),
                           xp.where(skip, shifted(prev, 2), minus_inf)) + emitted[:, t, :]
        alpha[t] = xp.where(real & (t < out_len)[:, None], step, minus_inf)

    end = (2 * label_len + 1)[:, None]
    last = (position[None, :] == end - 1) | (position[None, :] == end - 2)
    beta = xp.full((steps, batch, width), -xp.inf, dtype=dtype)
    skip_next = xp.zeros((batch, width), dtype=bool)  # s -> s + 2 allowed
    skip_next[:, :-2] = skip[:, 2:]
    for t in range(steps - 1, -1, -1):
        if t + 1 < steps:
            nxt = beta[t + 1]
            up1 = xp.full_like(nxt, -xp.inf)
            up1[:, :-1] = nxt[:, 1:]
            up2 = xp.full_like(nxt, -xp.inf)
            up2[:, :-2] = nxt[:, 2:]
            step = _logaddexp3(nxt, up1, xp.where(skip_next, up2, minus_inf)) + emitted[:, t, :]
        else:
            step = xp.full((batch, width), -xp.inf, dtype=dtype)
        init = xp.where(last & real, emitted[:, t, :], minus_inf)
        here = (t == out_len - 1)[:, None]
        beta[t] = xp.where(here, init, xp.where((t < out_len - 1)[:, None], step, minus_inf))

    final = alpha[xp.maximum(out_len - 1, 0), xp.arange(batch)]  # (B, L')
    final = xp.where(last & real, final, minus_inf)
    top = final.max(axis=1)
    safe = xp.where(xp.isfinite(top), top, 0.0)
    with xp.errstate(divide="ignore"):
        log_likelihood = safe + xp.log(xp.exp(final - safe[:, None]).sum(axis=1))
    log_likelihood = xp.where(out_len > 0, log_likelihood,
                              xp.where(label_len == 0, 0.0, -xp.inf)).astype(dtype)
    loss = -log_likelihood

    def vjp(g):
        feasible = xp.isfinite(log_likelihood)
        ll = xp.where(feasible, log_likelihood, 0.0)
        with xp.errstate(invalid="ignore"):
            occupancy = xp.exp(alpha + beta - emitted.transpose(1, 0, 2) - ll[None, :, None])
        occupancy = xp.where(xp.isfinite(occupancy), occupancy, 0.0).transpose(1, 0, 2)
        one_hot = (extended[:, :, None] == xp.arange(classes)).astype(dtype)  # (B, L', C)
        posterior = occupancy @ one_hot  # (B, T, C)
        active = ((xp.arange(steps)[None, :] < out_len[:, None]) & feasible[:, None])
        grad = (xp.exp(log_probs) - posterior) * active[:, :, None]
        grad = grad * g.astype(dtype, copy=False)[:, None, None]
        return (grad.astype(output.dtype, copy=False) if output.dtype.kind == "f" else grad,)
    return record(loss, (output,), vjp)


def _greedy(logits, lengths, merge_repeated, mask_index):
    batch, steps, classes = logits.shape
    best = logits.argmax(axis=-1).astype("int32")
    scores = logits.max(axis=-1)
    beyond = xp.arange(steps)[None, :] >= lengths[:, None]
    best = xp.where(beyond, mask_index, best)
    scores = xp.where(beyond, 0.0, scores)
    if merge_repeated:
        repeat = xp.zeros_like(beyond)
        repeat[:, 1:] = best[:, 1:] == best[:, :-1]
        best = xp.where(repeat, mask_index, best)
    blank = best == mask_index
    order = xp.argsort(blank, axis=1, kind="stable")  # kept labels first, in order
    decoded = xp.where(xp.take_along_axis(blank, order, 1), _PAD,
                       xp.take_along_axis(best, order, 1)).astype("int32")
    return decoded[None], (-scores.sum(axis=1))[:, None].astype(logits.dtype)


def _merge_logsumexp(group, values, count):
    """log(sum(exp(values))) per group id in [0, count) (-inf for an empty group)."""
    top = xp.full(count, -xp.inf, dtype=values.dtype)
    xp.maximum.at(top, group, values)
    safe = xp.where(xp.isfinite(top), top, 0.0)
    total = xp.zeros(count, dtype=values.dtype)
    xp.add.at(total, group, xp.exp(values - safe[group]))
    with xp.errstate(divide="ignore"):
        return xp.log(total) + safe


def _unique_paths(paths):
    """Unique (sample, path) rows of paths (B, N, T): (sample of each unique, unique paths,
    the unique index of every row)."""
    batch, n, steps = paths.shape
    rows = xp.concatenate([xp.repeat(xp.arange(batch), n)[:, None],
                           paths.reshape(batch * n, steps)], axis=1)
    # Deduplicate on a polynomial hash of each row (int64, wrapping), then verify: only a hash
    # collision between different rows (checked exactly) falls back to the slow row-wise unique.
    powers = xp.asarray(_HASH_BASE, dtype="uint64") ** xp.arange(steps + 1, dtype="uint64")
    keys = ((rows + 2).astype("uint64") * powers).sum(axis=1)
    _, first, inverse = xp.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    unique = rows[first]
    if not (unique[inverse] == rows).all():
        unique, inverse = xp.unique(rows, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
    return unique[:, 0], unique[:, 1:], inverse


def _top_per_sample(sample, score, batch, k):
    """Indices (B, k) of each sample's k best entries (descending; -1 where a sample has fewer)."""
    order = xp.lexsort((-score, sample))
    sorted_sample = sample[order]
    first = xp.searchsorted(sorted_sample, xp.arange(batch))
    rank = xp.arange(order.size) - first[sorted_sample]
    keep = rank < k
    picked = xp.full((batch, k), -1, dtype="int64")
    picked[sorted_sample[keep], rank[keep]] = order[keep]
    return picked


def _gather_rows(table, picked, fill):
    """table[picked] with `fill` where picked is -1."""
    out = table[xp.maximum(picked, 0)]
    hole = (picked < 0).reshape(picked.shape + (1,) * (out.ndim - picked.ndim))
    return xp.where(hole, fill, out)


def _beam_search(logits, lengths, beam_width, top_paths, mask_index):
    batch, steps, classes = logits.shape
    log_probs = _log_softmax(logits)
    tracks = 2 * beam_width
    classes_row = xp.arange(classes)
    appended = xp.where(classes_row == mask_index, _PAD, classes_row)
    first = min(classes, beam_width)
    start = xp.argsort(log_probs[:, 0], axis=1, kind="stable")[:, ::-1][:, :first]  # (B, first)
    paths = xp.full((batch, tracks, steps), _PAD, dtype="int64")
    paths[:, :first, 0] = appended[start]
    scores = xp.full((batch, tracks), -xp.inf, dtype=log_probs.dtype)
    scores[:, :first] = xp.take_along_axis(log_probs[:, 0], start, 1)
    blank_track = paths[:, :, 0] == _PAD
    for t in range(1, steps):
        # extend every track by every class
        ext = xp.repeat(paths, classes, axis=1)  # (B, tracks*C, T)
        ext_scores = (xp.repeat(scores, classes, axis=1)
                      + xp.tile(log_probs[:, t], (1, tracks)))
        was_blank = xp.repeat(blank_track, classes, axis=1)
        cls = xp.tile(appended, tracks)[None, :].repeat(batch, 0)
        tail_at = (ext != _PAD).sum(axis=2)  # the first free position
        tail = xp.take_along_axis(ext, xp.maximum(tail_at - 1, 0)[..., None], 2)[..., 0]
        tail = xp.where(tail_at == 0, _PAD, tail)
        now_blank = cls == _PAD
        cls = xp.where(~was_blank & (tail == cls), _PAD, cls)  # a repeat without a blank
        write = xp.minimum(tail_at, steps - 1)
        rows = (xp.arange(batch)[:, None], xp.arange(ext.shape[1])[None, :], write)
        ext[rows] = xp.where(cls == _PAD, ext[rows], cls)
        # merge equal prefixes, separately for the emit and the blank track
        sample, unique, inverse = _unique_paths(ext)
        flat_scores = ext_scores.reshape(-1)
        flat_blank = now_blank.reshape(-1)
        emit = _merge_logsumexp(inverse, xp.where(flat_blank, -xp.inf, flat_scores),
                                unique.shape[0])
        blank = _merge_logsumexp(inverse, xp.where(flat_blank, flat_scores, -xp.inf),
                                 unique.shape[0])
        picked = _top_per_sample(sample, xp.logaddexp(emit, blank), batch, beam_width)
        top_paths_t = _gather_rows(unique, picked, _PAD)
        new_paths = xp.concatenate([top_paths_t, top_paths_t], axis=1)
        new_scores = xp.concatenate([_gather_rows(emit, picked, -xp.inf),
                                     _gather_rows(blank, picked, -xp.inf)], axis=1)
        new_blank = xp.concatenate([xp.zeros((batch, beam_width), bool),
                                    xp.ones((batch, beam_width), bool)], axis=1)
        running = (t < lengths)
        paths = xp.where(running[:, None, None], new_paths, paths)
        scores = xp.where(running[:, None], new_scores, scores)
        blank_track = xp.where(running[:, None], new_blank, blank_track)
    sample, unique, inverse = _unique_paths(paths)
    merged = _merge_logsumexp(inverse, scores.reshape(-1), unique.shape[0])
    picked = _top_per_sample(sample, merged, batch, top_paths)
    decoded = _gather_rows(unique, picked, _PAD).transpose(1, 0, 2).astype("int32")
    return decoded, _gather_rows(merged, picked, -xp.inf).astype(logits.dtype)


@op
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decode CTC outputs into label sequences.

    Shapes: inputs (B, T, C) logits, sequence_lengths (B,) -> (paths, scores):
    paths int32 (top_paths, B, T), each decoded sequence first and padded with -1
    (greedy gives one path); scores (B, top_paths): greedy, minus the sum of the chosen
    logits; beam search, each path's log-probability (summed over its alignments).
    `merge_repeated` applies to greedy; `mask_index` is the blank class. No gradient.
    """
    name = "ctc_decode"
    _, logits = _float_logits(inputs, name)
    batch, steps, classes = logits.shape
    lengths = _lengths(sequence_lengths, batch, steps, name, "sequence_lengths")
    if mask_index is None:
        mask_index = classes - 1
    if not 0 <= mask_index < classes:
        raise ValueError(f"{name}: `mask_index`={mask_index} is not a class of `inputs` "
                         f"({classes} classes).")
    if strategy == "greedy":
        paths, scores = _greedy(logits, lengths, merge_repeated, mask_index)
    elif strategy == "beam_search":
        for arg, value in (("beam_width", beam_width), ("top_paths", top_paths)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: `{arg}` must be a positive integer, received "
                                 f"{value!r}.")
        paths, scores = _beam_search(logits, lengths, beam_width, top_paths, mask_index)
    else:
        raise ValueError(f"{name}: `strategy` must be 'greedy' or 'beam_search', received "
                         f"{strategy!r}.")
    return record(paths, (), None), record(scores, (), None)
