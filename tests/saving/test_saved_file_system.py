"""What `save` / `save_weights` do to the file system: the modes of the files they write, a
symbolic link as the target, and which stray files their cleanup may delete."""
import os
import stat
import subprocess
import sys

import numpy as np
import pytest

from minikeras import layers
from minikeras.models import Model, load_model

FORMATS = ["keras", "h5", "weights.h5"]


def _model():
    inputs = layers.Input((3,))
    return Model(inputs, layers.Dense(2, name="d")(inputs))


def _save(model, path):
    if str(path).endswith(".weights.h5"):
        model.save_weights(path)
    else:
        model.save(path)


def _kernel_after_loading(path):
    if str(path).endswith(".weights.h5"):
        model = _model()
        model.load_weights(path)
    else:
        model = load_model(path)
    return model.get_layer("d").kernel.numpy()


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize("fmt", FORMATS)
def test_saved_files_get_the_mode_open_would_give(tmp_path, fmt):
    path = tmp_path / f"m.{fmt}"
    old = os.umask(0o022)
    try:
        _save(_model(), path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644  # as Keras writes it
        os.umask(0o077)
        _save(_model(), tmp_path / f"private.{fmt}")
        assert stat.S_IMODE(os.stat(tmp_path / f"private.{fmt}").st_mode) == 0o600
        os.chmod(path, 0o640)  # overwriting keeps the mode of the file it replaces
        _save(_model(), path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    finally:
        os.umask(old)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
@pytest.mark.parametrize("fmt", FORMATS)
def test_saving_onto_a_symlink_writes_through_it(tmp_path, fmt):
    (tmp_path / "store").mkdir()
    target = tmp_path / "store" / f"real.{fmt}"
    link = tmp_path / f"link.{fmt}"
    model = _model()
    _save(model, target)
    link.symlink_to(target)
    model.get_layer("d").kernel.assign(np.full((3, 2), 0.5, "float32"))
    _save(model, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    np.testing.assert_array_equal(_kernel_after_loading(target), np.full((3, 2), 0.5))
    assert sorted(os.listdir(tmp_path / "store")) == [f"real.{fmt}"]  # no temporaries left


@pytest.mark.parametrize("fmt", FORMATS)
def test_save_deletes_only_its_own_abandoned_temporaries(tmp_path, fmt):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    name = f"model.{fmt}"
    mine = [f".tmp-{name}-999999-my-notes.txt", f".tmp-{name}-{dead.pid}-notes",
            f".tmp-{name}-{dead.pid}-abcdefgh", f".tmp-{name}-{dead.pid}-0abc1234.part",
            f".tmp-{name}-{dead.pid}-0abc1234.saving.txt",
            f".tmp-{name}x-{dead.pid}-0abc1234.saving"]
    for stray in mine:
        (tmp_path / stray).write_bytes(b"keep me")
    abandoned = tmp_path / f".tmp-{name}-{dead.pid}-0abc1234.saving"  # a killed save's
    abandoned.write_bytes(b"half a model")
    _save(_model(), tmp_path / name)
    assert not abandoned.exists()
    assert sorted(os.listdir(tmp_path)) == sorted(mine + [name])
