"""TensorBoard event files, written and read without TensorFlow, tensorboardX or protobuf.

An event file (`events.out.tfevents.<time>.<host>.<pid>.<n>.v2`) is a TFRecord stream: each
record is `uint64 length | uint32 masked CRC-32C of the length | data | uint32 masked CRC-32C
of data` (little-endian), and each `data` is one serialized `tensorflow.Event` protobuf. The
first event carries `file_version = "brain.Event:2"`; the others carry a `Summary` of tagged
values. Only the few protobuf fields TensorBoard reads are encoded here (field numbers from
tensorflow/core/util/event.proto and framework/summary.proto):

    Event:          wall_time 1 (double), step 2 (int64), file_version 3, summary 5
    Summary:        value 1 (repeated)
    Summary.Value:  tag 1, simple_value 2 (float), image 4, histo 5, tensor 8, metadata 9
    HistogramProto: min 1, max 2, num 3, sum 4, sum_squares 5, bucket_limit 6, bucket 7
    Image:          height 1, width 2, colorspace 3, encoded_image_string 4 (PNG)
    TensorProto:    dtype 1 (7 = DT_STRING), tensor_shape 2 (scalar: empty), string_val 8
    SummaryMetadata: plugin_data 1 (PluginData: plugin_name 1, content 2)

`EventFileWriter` writes them; `read_events(path)` decodes a file back into plain dicts (used
by the tests, and handy for checking what a run logged without TensorBoard installed).
"""
import itertools
import os
import socket
import struct
import time
import zlib

import numpy as np

FILE_VERSION = "brain.Event:2"
_FILE_COUNTER = itertools.count()


# -- CRC-32C (Castagnoli), as TFRecord framing needs -------------------------------------------
def _crc32c_table():
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(0x82F63B78), table >> 1)
    return [int(value) for value in table]


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    """CRC-32C of `data` (bytes); records are small (scalars, 30-bucket histograms, JSON)."""
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    """TFRecord's masked CRC: rotate right by 15 bits and add a constant (mod 2**32)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame_record(data):
    """One TFRecord: length, its masked CRC, the data, the data's masked CRC."""
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", masked_crc32c(length)) + data
            + struct.pack("<I", masked_crc32c(data)))


# -- protobuf wire format (encoding) ------------------------------------------------------------
def _varint(value):
    value &= (1 << 64) - 1  # negative int64 values take ten bytes, as protobuf writes them
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _key(field, wire_type):
    return _varint((field << 3) | wire_type)


def _bytes_field(field, payload):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    return _key(field, 2) + _varint(len(payload)) + payload


def _double_field(field, value):
    return _key(field, 1) + struct.pack("<d", float(value))


def _float_field(field, value):
    return _key(field, 5) + struct.pack("<f", float(value))


def _int_field(field, value):
    return _key(field, 0) + _varint(int(value))


def _packed_doubles(field, values):
    return _bytes_field(field, np.asarray(values, dtype="<f8").tobytes())


def scalar_value(tag, value):
    """A Summary.Value holding one float (`simple_value`, what TensorBoard's scalars show)."""
    return _bytes_field(1, tag) + _float_field(2, value)


def histogram_value(tag, values, buckets=30):
    """A Summary.Value with a HistogramProto of `values` in `buckets` equal-width buckets
    between their min and max (tf.summary.histogram's default of 30). `bucket_limit[i]` is
    bucket i's right edge; an empty or constant array gives one bucket holding everything."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    values = values[np.isfinite(values)]
    if values.size == 0:
        low = high = 0.0
        counts, limits = np.zeros(1), np.zeros(1)
    else:
        low, high = float(values.min()), float(values.max())
        if low == high:
            counts, limits = np.array([float(values.size)]), np.array([high])
        else:
            counts, edges = np.histogram(values, bins=buckets, range=(low, high))
            counts, limits = counts.astype(np.float64), edges[1:]
    histo = (_double_field(1, low) + _double_field(2, high) + _double_field(3, values.size)
             + _double_field(4, values.sum()) + _double_field(5, np.square(values).sum())
             + _packed_doubles(6, limits) + _packed_doubles(7, counts))
    return _bytes_field(1, tag) + _bytes_field(5, histo)


def image_value(tag, image):
    """A Summary.Value with one PNG image from a (height, width, channels) array, channels
    1 (grey), 3 (RGB) or 4 (RGBA). Floats are clipped to [0, 1] and scaled to 0..255, as
    tf.summary.image converts them; integer arrays are taken as 0..255."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] not in (1, 3, 4):
        raise ValueError("image_value: `image` must have shape (height, width, 1|3|4); "
                         f"received shape {image.shape}")
    if np.issubdtype(image.dtype, np.floating):
        image = np.round(np.clip(np.nan_to_num(image), 0.0, 1.0) * 255.0)
    pixels = np.clip(image, 0, 255).astype(np.uint8)
    height, width, channels = pixels.shape
    encoded = (_int_field(1, height) + _int_field(2, width) + _int_field(3, channels)
               + _bytes_field(4, encode_png(pixels)))
    return _bytes_field(1, tag) + _bytes_field(4, encoded)


def text_tensor_value(tag, text, plugin_name, content=b""):
    """A Summary.Value holding a scalar string tensor, tagged for a TensorBoard plugin (e.g.
    "graph_keras_model" for a model's JSON config, "text" for text)."""
    tensor = _int_field(1, 7) + _bytes_field(2, b"") + _bytes_field(8, text)
    plugin = _bytes_field(1, plugin_name) + _bytes_field(2, content)
    return _bytes_field(1, tag) + _bytes_field(9, _bytes_field(1, plugin)) + _bytes_field(8, tensor)


def encode_event(wall_time, step, summary_values=(), file_version=None):
    """Serialize one Event: a wall time, a step and either a file version or a Summary."""
    event = _double_field(1, wall_time) + _int_field(2, step)
    if file_version is not None:
        event += _bytes_field(3, file_version)
    if summary_values:
        event += _bytes_field(5, b"".join(_bytes_field(1, value) for value in summary_values))
    return event


def encode_png(pixels):
    """PNG bytes of a uint8 (height, width, channels) array: 8-bit grey / RGB / RGBA, rows with
    filter 0, one zlib-compressed IDAT chunk."""
    height, width, channels = pixels.shape
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, -1)], axis=1)

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes())) + chunk(b"IEND", b""))


class EventFileWriter:
    """Append events to a new event file in `log_dir` (created on first use).

        writer = EventFileWriter("logs/train")
        writer.add_scalar("epoch_loss", 0.25, step=0)
        writer.close()

    Every write is flushed, so TensorBoard sees values while training runs. After `close()`
    a further write starts a new file in the same directory, as TensorBoard expects.
    """

    def __init__(self, log_dir):
        self.log_dir = os.fspath(log_dir)
        self._file = None
        self.path = None

    def _open(self):
        os.makedirs(self.log_dir, exist_ok=True)
        name = (f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}."
                f"{os.getpid()}.{next(_FILE_COUNTER)}.v2")
        self.path = os.path.join(self.log_dir, name)
        self._file = open(self.path, "wb")
        self._write(encode_event(time.time(), 0, file_version=FILE_VERSION))

    def _write(self, event):
        self._file.write(frame_record(event))
        self._file.flush()

    def add_values(self, values, step):
        """Write Summary.Values (from scalar_value, histogram_value, ...) as one event."""
        if self._file is None:
            self._open()
        self._write(encode_event(time.time(), int(step), summary_values=list(values)))

    def add_scalar(self, tag, value, step):
        self.add_values([scalar_value(tag, value)], step)

    def add_histogram(self, tag, values, step, buckets=30):
        self.add_values([histogram_value(tag, values, buckets)], step)

    def add_image(self, tag, image, step):
        self.add_values([image_value(tag, image)], step)

    def flush(self):
        if self._file is not None:
            self._file.flush()

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None


# -- reading back -------------------------------------------------------------------------------
def _read_varint(data, pos):
    result, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def _fields(data):
    """Yield (field number, wire type, value) for a serialized message: ints for varints,
    bytes for length-delimited fields and raw 8- / 4-byte strings for fixed-width ones."""
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        field, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, pos = _read_varint(data, pos)
        elif wire_type == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire_type == 2:
            length, pos = _read_varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire_type == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"read_events: unsupported protobuf wire type {wire_type}")
        yield field, wire_type, value


def _decode_value(data):
    out = {}
    for field, _, raw in _fields(data):
        if field == 1:
            out["tag"] = raw.decode("utf-8")
        elif field == 2:
            out["simple_value"] = struct.unpack("<f", raw)[0]
        elif field == 4:
            image = dict((f, v) for f, _, v in _fields(raw))
            out["image"] = {"height": image.get(1, 0), "width": image.get(2, 0),
                            "colorspace": image.get(3, 0), "png": image.get(4, b"")}
        elif field == 5:
            histo = {"bucket_limit": [], "bucket": []}
            names = {1: "min", 2: "max", 3: "num", 4: "sum", 5: "sum_squares"}
            for f, wire_type, v in _fields(raw):
                if f in names:
                    histo[names[f]] = struct.unpack("<d", v)[0]
                elif f in (6, 7):
                    key = "bucket_limit" if f == 6 else "bucket"
                    histo[key].extend(np.frombuffer(v, "<f8").tolist() if wire_type == 2
                                      else [struct.unpack("<d", v)[0]])
            out["histo"] = histo
        elif field == 8:
            out["tensor_strings"] = [v for f, _, v in _fields(raw) if f == 8]
        elif field == 9:
            plugin = dict((f, v) for f, _, v in _fields(raw)).get(1, b"")
            plugin = dict((f, v) for f, _, v in _fields(plugin))
            out["plugin_name"] = plugin.get(1, b"").decode("utf-8")
            out["plugin_content"] = plugin.get(2, b"")
    return out


def read_events(path):
    """Decode an event file into a list of dicts `{"wall_time", "step", "file_version"?,
    "values": [{"tag", "simple_value" | "histo" | "image" | "tensor_strings", ...}]}`,
    checking every record's CRCs (a damaged file raises ValueError)."""
    with open(path, "rb") as handle:
        data = handle.read()
    events, pos = [], 0
    while pos < len(data):
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        body = data[pos + 12:pos + 12 + length]
        (body_crc,) = struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])
        if length_crc != masked_crc32c(header) or body_crc != masked_crc32c(body):
            raise ValueError(f"read_events: bad record checksum at byte {pos} of {path}")
        pos += 16 + length
        event = {"wall_time": 0.0, "step": 0, "values": []}
        for field, _, raw in _fields(body):
            if field == 1:
                event["wall_time"] = struct.unpack("<d", raw)[0]
            elif field == 2:
                event["step"] = raw - (1 << 64) if raw >= 1 << 63 else raw
            elif field == 3:
                event["file_version"] = raw.decode("utf-8")
            elif field == 5:
                event["values"] = [_decode_value(v) for f, _, v in _fields(raw) if f == 1]
        events.append(event)
    return events
