"""`keras.utils.audio_dataset_from_directory`: folders of .wav files -> batches of waveforms."""
import numpy as onp

from minikeras.utils.directory_utils import dataset_from_directory

ALLOWED_FORMATS = (".wav",)


def _reader(desired_samples):
    """One .wav file as float32 (samples, channels) through the `tf.audio.decode_wav` stand-in
    (16-bit PCM, sample / 32768; cut or zero-padded to `desired_samples` when >= 0)."""
    from minikeras.tf.audio import decode_wav  # the tf stand-in loads on first use

    def read(path):
        with open(path, "rb") as f:
            audio, _ = decode_wav(f.read(), desired_samples=desired_samples)
        return onp.asarray(audio).view(onp.ndarray)
    return read


def _pad_and_stack(waves):
    """Zero-pad every waveform to the longest of the batch (tf.data's `padded_batch`)."""
    longest = max(len(w) for w in waves)
    return onp.stack([onp.pad(w, [(0, longest - len(w)), (0, 0)]) for w in waves])


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 batch_size=32, sampling_rate=None, output_sequence_length=None,
                                 ragged=False, shuffle=True, seed=None, validation_split=None,
                                 subset=None, follow_links=False, verbose=True):
    """Batches of (audio, labels) from a folder with one subfolder of .wav files per class.

    `directory/class_a/*.wav, directory/class_b/*.wav` gives labels 0 and 1 (class
    subfolders in alphanumeric order, or in the order of `class_names`); files are indexed and
    shuffled as `text_dataset_from_directory` does.

    Args:
        directory, labels, label_mode, class_names, batch_size, shuffle, seed,
        validation_split, subset, follow_links, verbose: as `text_dataset_from_directory`.
        sampling_rate: must be None: Keras resamples only with `tensorflow_io`, which
            minikeras does not have (an integer > 0 raises the ImportError Keras raises without it).
        output_sequence_length: cut or zero-pad every file to this many samples; None pads
            each batch to its longest file.
        ragged: must be False (ragged tensors are TensorFlow's).

    Returns:
        A minikeras `tf.data.Dataset` yielding `(audio, labels)`, audio float32
        (batch, samples, channels) in [-1, 1], or audio alone without labels; `class_names`
        and `file_paths` are set.
    """
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int):
            raise ValueError("`sampling_rate` should have an integer value. "
                             f"Received: sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError("`sampling_rate` should be higher than 0. "
                             f"Received: sampling_rate={sampling_rate}")
        raise ImportError("To use the argument `sampling_rate`, you should install tensorflow_io. "
                          "You can install it via `pip install tensorflow-io`.")
    if ragged:
        raise NotImplementedError("`ragged=True` needs TensorFlow's ragged tensors, which "
                                  "minikeras does not have: use `output_sequence_length` or "
                                  "the default padding to the longest file of each batch.")
    length = -1 if output_sequence_length is None else output_sequence_length
    return dataset_from_directory(
        directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split,
        subset, follow_links, verbose, formats=ALLOWED_FORMATS, kind="audio", noun="audio files",
        allowed=f"Allowed format(s): {ALLOWED_FORMATS}",
        read=_reader(length), stack=_pad_and_stack)
