"""`audio_dataset_from_directory`: the .wav files of a directory as batches of waveforms,
labelled by their subdirectory (Keras's `keras.utils.audio_dataset_from_directory`), read with
the standard library's `wave` module."""
import wave

import numpy as np

from minikeras.utils import dataset_utils_directory as directories


def read_wav(path, sampling_rate=None, output_sequence_length=None):
    """The samples of a PCM .wav file as float32 in [-1, 1], shape (samples, channels), like
    `tf.audio.decode_wav`: resampled to `sampling_rate` when given (linear interpolation), then
    cut or padded with zeros to `output_sequence_length` when given."""
    with wave.open(str(path), "rb") as file:
        channels, width, rate = file.getnchannels(), file.getsampwidth(), file.getframerate()
        frames = file.readframes(file.getnframes())
    if width == 1:      # unsigned 8-bit
        audio = (np.frombuffer(frames, "uint8").astype("float32") - 128) / 128
    elif width == 3:    # 24-bit little-endian: widen to int32 (sign from the top byte)
        raw = np.frombuffer(frames, "uint8").reshape(-1, 3).astype("int32")
        values = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        audio = (np.where(values >= 1 << 23, values - (1 << 24), values) / float(1 << 23))
    elif width in (2, 4):
        audio = np.frombuffer(frames, f"<i{width}").astype("float32") / float(1 << (8 * width - 1))
    else:
        raise ValueError(f"audio_dataset_from_directory: {path} has {8 * width}-bit samples; "
                         f"expected 8, 16, 24 or 32-bit PCM.")
    audio = audio.astype("float32").reshape(-1, channels)
    if sampling_rate is not None and sampling_rate != rate and len(audio):
        length = int(round(len(audio) * sampling_rate / rate))
        old_times = np.arange(len(audio)) / rate
        new_times = np.arange(length) / sampling_rate
        audio = np.stack([np.interp(new_times, old_times, audio[:, c])
                          for c in range(channels)], axis=-1).astype("float32")
    if output_sequence_length is not None:
        audio = audio[:output_sequence_length]
        audio = np.pad(audio, ((0, output_sequence_length - len(audio)), (0, 0)))
    return audio


def _pad_to_longest(waveforms):
    longest = max(len(w) for w in waveforms)
    return np.stack([np.pad(w, ((0, longest - len(w)), (0, 0))) for w in waveforms])


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, batch_size=32, sampling_rate=None,
                                 output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None,
                                 follow_links=False, verbose=True):
    """Batches of waveforms read from `directory/<class>/*.wav`.

    Args:
        directory, labels, label_mode, class_names, shuffle, seed, validation_split, subset,
            follow_links, verbose: as in `text_dataset_from_directory`.
        batch_size: waveforms per batch; None yields single waveforms.
        sampling_rate: resample every file to this rate (samples per second). Keras needs
            tensorflow-io for it and uses its filter; here it is linear interpolation.
        output_sequence_length: cut longer waveforms, pad shorter ones with zeros at the end.
            Without it, each batch is padded to its longest waveform (Keras's padded batches).
        ragged: batches as lists of waveforms of their own lengths (Keras: a RaggedTensor).

    Returns:
        Keras returns a `tf.data.Dataset`. minikeras returns a `FileDataset` (a `PyDataset`)
        whose batches are `(audio, labels)`, audio float32 of shape (batch, samples, channels)
        with values in [-1, 1], or `audio` alone without labels; `class_names` and
        `file_paths` as in Keras.
    """
    function = "audio_dataset_from_directory"
    directories.check_arguments(function, labels, label_mode, class_names, validation_split,
                                subset, shuffle, seed)
    if ragged and output_sequence_length is not None:
        raise ValueError(f"{function}: cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if isinstance(sampling_rate, bool) or not isinstance(sampling_rate, int):
            raise ValueError(f"{function}: `sampling_rate` should have an integer value. "
                             f"Received: sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError(f"{function}: `sampling_rate` should be higher than 0. Received: "
                             f"sampling_rate={sampling_rate}")
    collate = list if ragged else (np.stack if output_sequence_length is not None
                                   else _pad_to_longest)
    return directories.make_datasets(
        function, directory, labels, label_mode, class_names, batch_size, shuffle, seed,
        validation_split, subset, follow_links, verbose, (".wav",), "audio",
        lambda path: read_wav(path, sampling_rate, output_sequence_length), collate)
