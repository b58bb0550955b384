"""Fused recurrent primitives: a whole SimpleRNN / LSTM / GRU sequence as ONE graph node, with
backpropagation through time (BPTT) written by hand in its VJP.

    simple_rnn_sequence(inputs, kernel, recurrent_kernel, bias, initial_state, mask, ...)
        -> (outputs, h)
    lstm_sequence(...)   -> (outputs, h, c)
    gru_sequence(..., reset_after=True) -> (outputs, h)

Shapes and weights are Keras 3's (so weights move between minikeras and Keras unchanged):

    inputs            (batch, time, features)
    kernel            (features, k * units)      k = 1 (SimpleRNN), 4 (LSTM), 3 (GRU)
    recurrent_kernel  (units, k * units)
    bias              SimpleRNN (units,); LSTM (4 * units,);
                      GRU (2, 3 * units) with reset_after=True (row 0: input bias, row 1:
                      recurrent bias), (3 * units,) with reset_after=False; or None
    initial_state     list of (batch, units) arrays/Tensors ([h] or [h, c]); None = zeros
    mask              (batch, time) bool, True = use this step; None = all steps
    outputs           (batch, time, units) if return_sequences else (batch, units)

The gate equations (gate order LSTM i, f, c, o; GRU z, r, h), with a = activation (tanh) and
s = recurrent_activation (sigmoid), x_t W the input projection, h the previous state:

    SimpleRNN  h' = a(x_t W + b + h U)
    LSTM       [zi, zf, zc, zo] = x_t W + b + h U
               i, f, o = s(zi), s(zf), s(zo);  c' = f * c + i * a(zc);  h' = o * a(c')
    GRU        [xz, xr, xh] = x_t W + b_in;   [rz, rr, rh] = h U (+ b_rec if reset_after)
               z = s(xz + rz);  r = s(xr + rr)
               reset_after=True : h~ = a(xh + r * (h U_h + b_rec_h))
               reset_after=False: h~ = a(xh + (r * h) U_h)
               h' = z * h + (1 - z) * h~

How it is computed. Forward: the input projection of ALL time steps is ONE GEMM over
time * batch rows (the bias rides in it as an extra row of the kernel against a column of ones
in the inputs); the Python loop over time then does only the recurrent GEMM `h @ U` and the
elementwise gate math, on a gate-major copy of the step's pre-activations where each gate is
one contiguous (batch, units) block, and keeps what BPTT needs (states, activated gates).
Backward: one reverse loop over time computes every step's pre-activation gradients dZ_t (one
small GEMM `dZ_t @ U^T` per step carries the gradient to the previous state); then
dX = dZ W^T, [dW; db] = [X, 1]^T dZ and dU = H_prev^T dZ are ONE GEMM each over all
time * batch rows. Buffers that live inside one call (the projection, dZ) are reused between
calls, since fresh multi-megabyte arrays cost a page fault per page.

Masks follow Keras 3.15.1 (torch backend, `keras.src.backend.torch.rnn.rnn`): at a masked
step the states are carried through unchanged, and the OUTPUT repeats the previous step's
output (zeros before the first unmasked step), unless `zero_output_for_mask=True`, which
writes zeros instead. `go_backwards` processes the sequence from the last step to the first
(the mask is flipped with it) and returns the outputs in that processing order, like Keras.

Supported activations (by name): tanh, sigmoid, relu, hard_sigmoid (Keras 3's
clip(x / 6 + 0.5, 0, 1)), linear. Each derivative is computed from the activation's output,
so the forward keeps only activated values. Anything else raises a ValueError; the layers
then use their generic (per-step, composed-ops) path.
"""
import threading

from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, is_recording, record
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.symbolic import op

SUPPORTED_ACTIVATIONS = ("tanh", "sigmoid", "relu", "hard_sigmoid", "linear")


# -- activations on raw arrays, in place ---------------------------------------------------------
def _activate(name, a, out=None):
    """out = activation(a) (in place when `out` is None); a and out may be views."""
    if out is None:
        out = a
    if name == "tanh":
        xp.tanh(a, out=out)
    elif name == "sigmoid":
        # sigmoid(x) = 0.5 * tanh(x / 2) + 0.5: one transcendental pass, no overflow.
        xp.multiply(a, 0.5, out=out)
        xp.tanh(out, out=out)
        out *= 0.5
        out += 0.5
    elif name == "relu":
        xp.maximum(a, 0, out=out)
    elif name == "hard_sigmoid":
        xp.divide(a, 6, out=out)
        out += 0.5
        xp.clip(out, 0, 1, out=out)
    elif name == "linear":
        if out is not a:
            xp.copyto(out, a)
    else:
        raise ValueError(f"Unsupported activation {name!r}.")


def _times_derivative(name, d, y):
    """d *= activation'(x) in place, written with the activation's output y = act(x)."""
    if name == "tanh":
        t = y * y
        xp.subtract(1, t, out=t)
        d *= t
    elif name == "sigmoid":
        t = 1 - y
        t *= y
        d *= t
    elif name == "relu":
        d *= (y > 0)
    elif name == "hard_sigmoid":
        d *= ((y > 0) & (y < 1))
        d *= 1 / 6
    # linear: derivative 1


def _check_activation(who, name):
    if name not in SUPPORTED_ACTIVATIONS:
        raise ValueError(f"{who}: unsupported activation {name!r}; the fused primitive supports "
                         f"{', '.join(SUPPORTED_ACTIVATIONS)}.")


# -- shared plumbing ---------------------------------------------------------------------------
_scratch = threading.local()


def _scratch_array(slot, shape, dtype):
    """A reusable work array for data that lives only inside one forward or one backward call
    (the projection, the step gradients): thread-local, one per slot and dtype, grown on
    demand. Fresh multi-megabyte arrays cost a page fault per page on first touch, which
    made a whole LSTM training step about 1.4x slower. Nothing written here leaves the op.
    """
    buffers = getattr(_scratch, "buffers", None)
    if buffers is None:
        buffers = _scratch.buffers = {}
    size = 1
    for d in shape:
        size *= d
    key = (slot, xp.dtype(dtype))
    buffer = buffers.get(key)
    if buffer is None or buffer.size < size or not isinstance(buffer, xp.ndarray):
        buffer = buffers[key] = xp.empty(size, dtype=dtype)
    return buffer[:size].reshape(shape)


def _carve(dtype, *shapes):
    """Empty arrays of the given shapes, cut from ONE allocation.

    What the forward keeps for BPTT (states, gates) is freshly allocated on every call; as one
    block of several megabytes NumPy backs it with huge pages (madvise), instead of a page
    fault per 4 KiB page for each array (about 3 ms per LSTM(128) training step).
    """
    sizes = []
    for shape in shapes:
        size = 1
        for d in shape:
            size *= d
        sizes.append(size)
    block = xp.empty(sum(sizes), dtype=dtype)
    arrays, start = [], 0
    for shape, size in zip(shapes, sizes):
        arrays.append(block[start:start + size].reshape(shape))
        start += size
    return arrays


def _gate_major(a, k):
    """View a (batch, k * units) array as (k, batch, units): gate j is a[:, j*units:(j+1)*units]."""
    return a.reshape(a.shape[0], k, -1).transpose(1, 0, 2)


class _Sequence:
    """Validated arguments of one call, the time-major inputs and the shared bookkeeping.

    Layout. The projection `proj` and the step gradients `dz` are batch-major per step,
    (time, batch, k * units), so that the GEMMs over all batch * time rows read them as one
    (time * batch, k * units) matrix. Inside a step the gate math runs on a gate-major copy,
    (k, batch, units), where every gate is one contiguous block: elementwise NumPy calls on
    column slices of a (batch, k * units) array are 2-3 times slower.
    """

    def __init__(self, who, inputs, kernel, recurrent_kernel, bias, initial_state, mask,
                 n_gates, n_states, go_backwards, bias_shape):
        self.kernel = convert_to_tensor(kernel)
        self.recurrent_kernel = convert_to_tensor(recurrent_kernel)
        dtype = self.kernel.dtype
        self.inputs = convert_to_tensor(inputs)
        if self.inputs.ndim != 3:
            raise ValueError(f"{who}: `inputs` must be 3-D (batch, time, features), received "
                             f"shape {self.inputs.shape}.")
        batch, steps, features = self.inputs.shape
        if steps == 0:
            raise ValueError(f"{who}: the input sequence has no time steps (shape "
                             f"{self.inputs.shape}).")
        units = self.recurrent_kernel.shape[0]
        if self.kernel.shape != (features, n_gates * units):
            raise ValueError(f"{who}: `kernel` must have shape (features, {n_gates} * units) = "
                             f"{(features, n_gates * units)}, received {self.kernel.shape}.")
        if self.recurrent_kernel.shape != (units, n_gates * units):
            raise ValueError(f"{who}: `recurrent_kernel` must have shape (units, {n_gates} * units)"
                             f" = {(units, n_gates * units)}, received "
                             f"{self.recurrent_kernel.shape}.")
        self.bias = None if bias is None else convert_to_tensor(bias)
        if self.bias is not None and self.bias.shape != bias_shape(units):
            raise ValueError(f"{who}: `bias` must have shape {bias_shape(units)}, received "
                             f"{self.bias.shape}.")
        if initial_state is None:
            initial_state = [None] * n_states
        elif isinstance(initial_state, (Tensor, xp.ndarray)):
            initial_state = [initial_state]
        initial_state = list(initial_state)
        if len(initial_state) != n_states:
            raise ValueError(f"{who}: expected {n_states} initial state(s), received "
                             f"{len(initial_state)}.")
        self.states = []
        for k, s in enumerate(initial_state):
            if s is not None:
                s = convert_to_tensor(s)
                if s.shape != (batch, units):
                    raise ValueError(f"{who}: initial state {k} must have shape (batch, units) = "
                                     f"{(batch, units)}, received {s.shape}.")
            self.states.append(s)
        self.batch, self.steps, self.features, self.units = batch, steps, features, units
        self.dtype = dtype
        self.go_backwards = go_backwards
        self.mask = None
        if mask is not None:
            m = mask.data if isinstance(mask, Tensor) else xp.asarray(mask)
            if m.shape != (batch, steps):
                raise ValueError(f"{who}: `mask` must have shape (batch, time) = "
                                 f"{(batch, steps)}, received {m.shape}.")
            m = m.astype(bool).T
            m = m[::-1] if go_backwards else m
            if not m.all():
                self.mask = xp.ascontiguousarray(m)[:, :, None]          # (T, B, 1) bool
        self.parents = tuple(t for t in (self.inputs, self.kernel, self.recurrent_kernel,
                                         self.bias, *self.states) if t is not None)
        self.need_grad = is_recording() and any(p.requires_grad for p in self.parents)

    def initial(self, k):
        s = self.states[k]
        if s is None:
            return xp.zeros((self.batch, self.units), dtype=self.dtype)
        return s.data if s.dtype == self.dtype else s.data.astype(self.dtype)

    def project(self, input_bias=None, scratch=True):
        """x_t W + b for every step at once: ONE GEMM over all time * batch rows.

        Returns (time, batch, k * units), time-major in processing order. The bias rides inside
        the GEMM: the time-major copy of the inputs gets a column of ones and the kernel the
        bias as an extra row, so the kernel-gradient GEMM of the backward pass yields the
        bias gradient as its last row. The copy (`self.x`) is kept for that GEMM. With
        `scratch` the result lives in a reusable buffer, valid until the next projection.
        """
        T, B, D = self.steps, self.batch, self.features
        x = self.inputs.data.transpose(1, 0, 2)
        x = x[::-1] if self.go_backwards else x
        if input_bias is None:
            self.x = xp.ascontiguousarray(x, dtype=self.dtype)
            weights = self.kernel.data
        else:
            self.x = xp.empty((T, B, D + 1), dtype=self.dtype)
            self.x[:, :, :D] = x
            self.x[:, :, D] = 1
            weights = xp.concatenate([self.kernel.data,
                                      xp.asarray(input_bias, dtype=self.dtype)[None]], axis=0)
        shape = (T, B, weights.shape[1])
        proj = (_scratch_array("projection", shape, self.dtype) if scratch
                else xp.empty(shape, dtype=self.dtype))
        xp.matmul(self.x.reshape(T * B, -1), weights, out=proj.reshape(T * B, -1))
        return proj

    def masked_output(self, t, new, outputs, zero_output_for_mask):
        """Write step t's output: `new` where the mask holds, else the previous output / 0."""
        m = self.mask[t]
        if zero_output_for_mask or t == 0:
            xp.multiply(new, m, out=outputs[t])
        else:
            xp.copyto(outputs[t], xp.where(m, new, outputs[t - 1]))

    def finish(self, outputs, finals, return_sequences, backward):
        """Record the node and return (outputs, *final_states) as Tensors.

        The node's value packs every result into one flat array; each returned Tensor is a
        view of its piece whose VJP places the gradient into a zero flat array, so that the
        single BPTT VJP receives the gradients of all the results together.
        """
        b, u, n = self.batch, self.units, len(finals)
        out = outputs.transpose(1, 0, 2) if return_sequences else outputs[-1]
        pieces = [out] + list(finals)
        offsets = [0]
        for p in pieces:
            offsets.append(offsets[-1] + p.size)
        packed = xp.empty(offsets[-1], dtype=self.dtype)
        for p, lo, hi in zip(pieces, offsets, offsets[1:]):
            packed[lo:hi].reshape(p.shape)[...] = p

        def vjp(g):
            g_out = g[:offsets[1]].reshape(out.shape)
            g_out = g_out.transpose(1, 0, 2) if return_sequences else g_out     # time-major
            g_states = [g[offsets[k + 1]:offsets[k + 2]].reshape(b, u) for k in range(n)]
            return backward(g_out, g_states)

        node = record(packed, self.parents, vjp if self.need_grad else None)
        return tuple(record(packed[lo:hi].reshape(p.shape), (node,),
                            _piece_vjp(packed.size, lo, hi, self.dtype))
                     for p, lo, hi in zip(pieces, offsets, offsets[1:]))

    def output_grad(self, g_out, t, return_sequences):
        """The gradient arriving at step t's output (None when there is none)."""
        if return_sequences:
            return g_out[t]
        return g_out if t == self.steps - 1 else None

    def rows_gemm(self, a, b):
        """a^T b over all time * batch rows: a (T, B, m), b (T, B, n) -> (m, n), one GEMM."""
        rows = self.steps * self.batch
        return a.reshape(rows, -1).T @ b.reshape(rows, -1)

    def input_side_grads(self, dz, recurrent_grad, bias_grad):
        """[dX, dW, dU, (db)] in parent order.

        dX = dZ W^T and [dW; db_in] = X_aug^T dZ are ONE GEMM each over all time * batch rows;
        dU comes from `recurrent_grad()` and the bias parent's gradient from
        `bias_grad(db_in)`, each only when needed.
        """
        T, B, D = self.steps, self.batch, self.features
        grads = []
        if self.inputs.requires_grad:
            dx = (dz.reshape(T * B, -1) @ self.kernel.data.T).reshape(T, B, D)
            dx = dx[::-1] if self.go_backwards else dx
            dx = xp.ascontiguousarray(dx.transpose(1, 0, 2))
            grads.append(dx.astype(self.inputs.dtype, copy=False))
        else:
            grads.append(None)
        want_bias = self.bias is not None and self.bias.requires_grad
        dwa = self.rows_gemm(self.x, dz) if (self.kernel.requires_grad or want_bias) else None
        grads.append(dwa[:D] if self.kernel.requires_grad else None)
        grads.append(recurrent_grad() if self.recurrent_kernel.requires_grad else None)
        if self.bias is not None:
            grads.append(bias_grad(dwa[D]) if want_bias else None)
        return grads

    def state_grads(self, grads):
        out = []
        for s, g in zip(self.states, grads):
            if s is not None:
                out.append(g.astype(s.dtype, copy=False) if s.requires_grad else None)
        return out


def _piece_vjp(total, lo, hi, dtype):
    def vjp(g):
        full = xp.zeros(total, dtype=dtype)
        full[lo:hi] = g.reshape(-1)
        return (full,)
    return vjp


def _split_for_mask(seq, t, dh, gy, carry, zero_output_for_mask):
    """Route the gradients of a masked step.

    Returns (gradient into the new cell output h', gradient passed straight to the previous
    state, gradient carried to the previous OUTPUT, keep mask as 0/1 floats).
    """
    keep = seq.mask[t].astype(seq.dtype)
    drop = 1 - keep
    if zero_output_for_mask:
        g_new = dh if gy is None else dh + gy
        new_carry = None
    else:
        total = gy if carry is None else (carry if gy is None else gy + carry)
        g_new = dh if total is None else dh + total
        new_carry = None if total is None else total * drop
    return g_new * keep, dh * drop, new_carry, keep


def _merge_masked(seq, t, new, previous, out):
    """out = new where step t is kept, else previous (state carry-through)."""
    xp.copyto(out, xp.where(seq.mask[t], new, previous))


# -- SimpleRNN -----------------------------------------------------------------------------------
@op
def simple_rnn_sequence(inputs, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None,
                        go_backwards=False, activation="tanh", return_sequences=True,
                        zero_output_for_mask=False):
    """A SimpleRNN over a whole sequence: h_t = activation(x_t W + b + h_{t-1} U).

    Returns (outputs, h_final) as Tensors; see the module docstring for shapes and masks.
    """
    who = "simple_rnn_sequence"
    _check_activation(who, activation)
    seq = _Sequence(who, inputs, kernel, recurrent_kernel, bias, initial_state, mask, 1, 1,
                    go_backwards, lambda u: (u,))
    T, B, U, dtype = seq.steps, seq.batch, seq.units, seq.dtype
    rk = seq.recurrent_kernel.data
    # Pre-activations, turned into the new (unmasked) h in place; kept for the backward pass.
    a = seq.project(None if seq.bias is None else seq.bias.data, scratch=False)
    hs = xp.empty((T + 1, B, U), dtype=seq.dtype)                  # states, hs[0] = h0
    hs[0] = seq.initial(0)
    rec = xp.empty((B, U), dtype=seq.dtype)
    masked = seq.mask is not None
    # Without a mask the outputs are the states; with one, the unmasked new values stay in `a`.
    outputs = xp.empty_like(a) if masked else hs[1:]
    for t in range(T):
        at = a[t]
        xp.matmul(hs[t], rk, out=rec)
        at += rec
        _activate(activation, at)
        if masked:
            _merge_masked(seq, t, at, hs[t], hs[t + 1])
            seq.masked_output(t, at, outputs, zero_output_for_mask)
        else:
            hs[t + 1] = at

    def backward(g_out, g_states):
        dz = _scratch_array("grad", a.shape, dtype)
        rk_t = xp.ascontiguousarray(rk.T)
        dh = xp.array(g_states[0])
        carry = None
        for t in range(T - 1, -1, -1):
            gy = seq.output_grad(g_out, t, return_sequences)
            if masked:
                g_new, passed, carry, _ = _split_for_mask(seq, t, dh, gy, carry,
                                                          zero_output_for_mask)
            else:
                g_new, passed = (dh if gy is None else dh + gy), None
            dzt = dz[t]
            xp.copyto(dzt, g_new)
            _times_derivative(activation, dzt, a[t])
            dh = dzt @ rk_t
            if passed is not None:
                dh += passed
        grads = seq.input_side_grads(dz, lambda: seq.rows_gemm(hs[:-1], dz), lambda db: db)
        return tuple(grads + seq.state_grads([dh]))

    return seq.finish(outputs, [hs[T]], return_sequences, backward)


# -- LSTM ----------------------------------------------------------------------------------------
@op
def lstm_sequence(inputs, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None,
                  go_backwards=False, activation="tanh", recurrent_activation="sigmoid",
                  return_sequences=True, zero_output_for_mask=False):
    """An LSTM over a whole sequence (Keras gate order i, f, c, o).

    Returns (outputs, h_final, c_final) as Tensors; initial_state is [h0, c0] or None.
    """
    who = "lstm_sequence"
    _check_activation(who, activation)
    _check_activation(who, recurrent_activation)
    seq = _Sequence(who, inputs, kernel, recurrent_kernel, bias, initial_state, mask, 4, 2,
                    go_backwards, lambda u: (4 * u,))
    T, B, U, dtype = seq.steps, seq.batch, seq.units, seq.dtype
    act, rec_act = activation, recurrent_activation
    rk = seq.recurrent_kernel.data
    proj = seq.project(None if seq.bias is None else seq.bias.data)          # (T, B, 4U)
    # Per step, what BPTT needs: the activated gates i, f, c~, o (gate-major) and act(c_t).
    # Without a gradient to compute, one step's worth of scratch is enough.
    kept = T if seq.need_grad else 1
    gates, act_c, hs, cs = _carve(dtype, (kept, 4, B, U), (kept, B, U), (T + 1, B, U),
                                  (T + 1, B, U))
    hs[0], cs[0] = seq.initial(0), seq.initial(1)
    rec = xp.empty((B, 4 * U), dtype=dtype)
    tmp = xp.empty((B, U), dtype=dtype)
    masked = seq.mask is not None
    outputs = xp.empty((T, B, U), dtype=dtype) if masked else hs[1:]
    new_h = xp.empty((B, U), dtype=dtype) if masked else None
    new_c = xp.empty((B, U), dtype=dtype) if masked else None
    for t in range(T):
        k = t if seq.need_grad else 0
        g4 = gates[k]
        xp.matmul(hs[t], rk, out=rec)
        rec += proj[t]
        xp.copyto(g4, _gate_major(rec, 4))
        _activate(rec_act, g4[:2])                                  # i, f
        _activate(act, g4[2])                                       # c~
        _activate(rec_act, g4[3])                                   # o
        i, f, g, o = g4
        c = new_c if masked else cs[t + 1]
        xp.multiply(f, cs[t], out=c)
        xp.multiply(i, g, out=tmp)
        c += tmp
        ac = act_c[k]
        _activate(act, c, out=ac)
        h = new_h if masked else hs[t + 1]
        xp.multiply(o, ac, out=h)
        if masked:
            _merge_masked(seq, t, c, cs[t], cs[t + 1])
            _merge_masked(seq, t, h, hs[t], hs[t + 1])
            seq.masked_output(t, h, outputs, zero_output_for_mask)

    def backward(g_out, g_states):
        dz = _scratch_array("grad", (T, B, 4 * U), dtype)   # d(pre-activations), batch-major
        d4 = xp.empty((4, B, U), dtype=dtype)           # this step's, gate-major
        d_ac = xp.empty((B, U), dtype=dtype)
        rk_t = xp.ascontiguousarray(rk.T)
        dh, dc = xp.array(g_states[0]), xp.array(g_states[1])
        carry = None
        for t in range(T - 1, -1, -1):
            gy = seq.output_grad(g_out, t, return_sequences)
            if masked:
                g_h, passed_h, carry, keep = _split_for_mask(seq, t, dh, gy, carry,
                                                             zero_output_for_mask)
                g_c = dc * keep
                passed_c = dc - g_c
            else:
                g_h = dh if gy is None else dh + gy
                g_c = dc
            g4, ac = gates[t], act_c[t]
            i, f, g, o = g4
            # h = o * act(c): to o, and to c (joining the gradient carried from step t + 1).
            xp.multiply(g_h, ac, out=d4[3])
            xp.multiply(g_h, o, out=d_ac)
            _times_derivative(act, d_ac, ac)
            g_c = g_c + d_ac
            # c = f * c_prev + i * c~
            xp.multiply(g_c, g, out=d4[0])
            xp.multiply(g_c, cs[t], out=d4[1])
            xp.multiply(g_c, i, out=d4[2])
            _times_derivative(rec_act, d4[:2], g4[:2])
            _times_derivative(act, d4[2], g)
            _times_derivative(rec_act, d4[3], o)
            dc = g_c
            dc *= f
            dzt = dz[t]
            xp.copyto(_gate_major(dzt, 4), d4)
            dh = dzt @ rk_t
            if masked:
                dh += passed_h
                dc += passed_c
        grads = seq.input_side_grads(dz, lambda: seq.rows_gemm(hs[:-1], dz), lambda db: db)
        return tuple(grads + seq.state_grads([dh, dc]))

    return seq.finish(outputs, [hs[T], cs[T]], return_sequences, backward)


# -- GRU -----------------------------------------------------------------------------------------
@op
def gru_sequence(inputs, kernel, recurrent_kernel, bias=None, initial_state=None, mask=None,
                 go_backwards=False, activation="tanh", recurrent_activation="sigmoid",
                 reset_after=True, return_sequences=True, zero_output_for_mask=False):
    """A GRU over a whole sequence (Keras gate order z, r, h; reset_after True or False).

    Returns (outputs, h_final) as Tensors. With reset_after=True the bias is (2, 3 * units):
    row 0 is added to the input projection, row 1 to the recurrent one (inside the reset gate
    product for the candidate). With reset_after=False it is (3 * units,) on the input side.
    """
    who = "gru_sequence"
    _check_activation(who, activation)
    _check_activation(who, recurrent_activation)
    bias_shape = (lambda u: (2, 3 * u)) if reset_after else (lambda u: (3 * u,))
    seq = _Sequence(who, inputs, kernel, recurrent_kernel, bias, initial_state, mask, 3, 1,
                    go_backwards, bias_shape)
    T, B, U, dtype = seq.steps, seq.batch, seq.units, seq.dtype
    act, rec_act = activation, recurrent_activation
    rk = seq.recurrent_kernel.data
    b = None if seq.bias is None else seq.bias.data
    b_in = None if b is None else (b[0] if reset_after else b)
    b_rec = b[1] if (b is not None and reset_after) else None
    rk_zr = None if reset_after else xp.ascontiguousarray(rk[:, :2 * U])
    rk_h = None if reset_after else xp.ascontiguousarray(rk[:, 2 * U:])
    proj = seq.project(b_in)                                             # (T, B, 3U)
    kept = T if seq.need_grad else 1
    # gates: the activated z, r, h~ (gate-major). inner: with reset_after, the candidate's
    # recurrent term h U_h + b_rec_h (before the reset product); with reset_after=False,
    # r * h_prev (the left factor of the candidate's recurrent GEMM).
    gates, inner, hs = _carve(dtype, (kept, 3, B, U), (kept, B, U), (T + 1, B, U))
    hs[0] = seq.initial(0)
    rec = xp.empty((B, (3 if reset_after else 2) * U), dtype=dtype)
    masked = seq.mask is not None
    outputs = xp.empty((T, B, U), dtype=dtype) if masked else hs[1:]
    new_h = xp.empty((B, U), dtype=dtype) if masked else None
    for t in range(T):
        k = t if seq.need_grad else 0
        g3, h_prev, p3 = gates[k], hs[t], _gate_major(proj[t], 3)
        if reset_after:
            xp.matmul(h_prev, rk, out=rec)
            if b_rec is not None:
                rec += b_rec
            r3 = _gate_major(rec, 3)
            xp.copyto(inner[k], r3[2])
            rec += proj[t]
            xp.copyto(g3[:2], r3[:2])
            _activate(rec_act, g3[:2])                              # z, r
            xp.multiply(g3[1], inner[k], out=g3[2])
            g3[2] += p3[2]
        else:
            xp.matmul(h_prev, rk_zr, out=rec)
            xp.add(p3[:2], _gate_major(rec, 2), out=g3[:2])
            _activate(rec_act, g3[:2])
            xp.multiply(g3[1], h_prev, out=inner[k])
            xp.matmul(inner[k], rk_h, out=g3[2])
            g3[2] += p3[2]
        _activate(act, g3[2])                                       # h~
        z, hh = g3[0], g3[2]
        h = new_h if masked else hs[t + 1]
        # h = z * h_prev + (1 - z) * h~ = h~ + z * (h_prev - h~)
        xp.subtract(h_prev, hh, out=h)
        h *= z
        h += hh
        if masked:
            _merge_masked(seq, t, h, h_prev, hs[t + 1])
            seq.masked_output(t, h, outputs, zero_output_for_mask)

    def backward(g_out, g_states):
        dx = _scratch_array("grad", (T, B, 3 * U), dtype)     # d(input projection)
        drec = (_scratch_array("grad2", (T, B, 3 * U), dtype)  # d(h U + b_rec)
                if reset_after else None)
        d3 = xp.empty((3, B, U), dtype=dtype)           # this step's d(z, r, candidate)
        rk_t = xp.ascontiguousarray(rk.T) if reset_after else None
        rk_zr_t = None if reset_after else xp.ascontiguousarray(rk_zr.T)
        rk_h_t = None if reset_after else xp.ascontiguousarray(rk_h.T)
        dh = xp.array(g_states[0])
        carry = None
        for t in range(T - 1, -1, -1):
            gy = seq.output_grad(g_out, t, return_sequences)
            if masked:
                g_h, passed, carry, _ = _split_for_mask(seq, t, dh, gy, carry,
                                                        zero_output_for_mask)
            else:
                g_h, passed = (dh if gy is None else dh + gy), None
            g3, h_prev = gates[t], hs[t]
            z, r, hh = g3
            d_z, d_r, d_hh = d3
            # h = z * h_prev + (1 - z) * h~
            xp.subtract(h_prev, hh, out=d_z)
            d_z *= g_h
            _times_derivative(rec_act, d_z, z)
            xp.subtract(1, z, out=d_hh)
            d_hh *= g_h
            _times_derivative(act, d_hh, hh)                        # d(candidate pre-act.)
            dh_new = g_h * z
            if reset_after:
                # candidate pre-activation = xh + r * inner
                xp.multiply(d_hh, inner[t], out=d_r)
                _times_derivative(rec_act, d_r, r)
                xp.copyto(_gate_major(dx[t], 3), d3)
                drt = drec[t]
                xp.copyto(drt, dx[t])
                xp.multiply(d_hh, r, out=_gate_major(drt, 3)[2])
                dh_new += drt @ rk_t
            else:
                # candidate pre-activation = xh + (r * h_prev) @ U_h
                g_inner = d_hh @ rk_h_t
                xp.multiply(g_inner, h_prev, out=d_r)
                _times_derivative(rec_act, d_r, r)
                g_inner *= r
                dh_new += g_inner
                xp.copyto(_gate_major(dx[t], 3), d3)
                dh_new += dx[t][:, :2 * U] @ rk_zr_t
            dh = dh_new
            if passed is not None:
                dh += passed
        if reset_after:
            grads = seq.input_side_grads(
                dx, lambda: seq.rows_gemm(hs[:-1], drec),
                lambda db_in: xp.stack([db_in, drec.sum(axis=(0, 1))]))
        else:
            def recurrent_grad():
                # z, r columns: h_prev^T dZ; candidate columns: (r * h_prev)^T d(candidate).
                d_rk = xp.empty_like(rk)
                d_rk[:, :2 * U] = seq.rows_gemm(hs[:-1], dx[:, :, :2 * U])
                d_rk[:, 2 * U:] = seq.rows_gemm(inner, dx[:, :, 2 * U:])
                return d_rk
            grads = seq.input_side_grads(dx, recurrent_grad, lambda db: db)
        return tuple(grads + seq.state_grads([dh]))

    return seq.finish(outputs, [hs[T]], return_sequences, backward)
