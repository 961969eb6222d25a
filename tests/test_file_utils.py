"""keras.utils.file_utils beyond get_file: the local-filesystem helpers (Keras's gfile
replacements), the archive path checks (resolve_sub_path, is_link_in_dir, filter_safe_*) and
resolve_hasher."""
import hashlib
import io
import os
import tarfile
import zipfile

import pytest

from minikeras.utils import file_utils


def test_file_utils_local_helpers(tmp_path):
    d = file_utils.join(str(tmp_path), "a")
    assert not file_utils.exists(d)
    file_utils.makedirs(d)
    with pytest.raises(FileExistsError):
        file_utils.makedirs(d)
    assert file_utils.isdir(d)
    with file_utils.File(file_utils.join(d, "f.txt"), "w") as f:
        f.write("x")
    file_utils.copy(file_utils.join(d, "f.txt"), file_utils.join(d, "g.txt"))
    assert sorted(file_utils.listdir(d)) == ["f.txt", "g.txt"]
    file_utils.remove(file_utils.join(d, "f.txt"))
    assert file_utils.listdir(d) == ["g.txt"]
    file_utils.rmtree(d)
    assert not file_utils.exists(d)
    assert file_utils.path_to_string(tmp_path) == str(tmp_path)


@pytest.mark.parametrize("path", ["gs://bucket/x", "/gcs/bucket/x", "http://h/x"])
def test_file_utils_refuses_remote_paths(path):
    assert file_utils.is_remote_path(path)
    with pytest.raises(ValueError, match="requires installing TensorFlow"):
        file_utils.exists(path)
    with pytest.raises(ValueError, match="requires installing TensorFlow"):
        file_utils.copy("/tmp/a", path)



def test_resolve_sub_path(tmp_path):
    base = file_utils.resolve_path(str(tmp_path))
    assert file_utils.resolve_sub_path(base, "a/b.txt") == os.path.join(base, "a", "b.txt")
    assert file_utils.resolve_sub_path(base, ".") == base
    assert file_utils.resolve_sub_path(base, "../x") is None
    assert file_utils.resolve_sub_path(base, base + "_sibling/x") is None  # a shared prefix only
    os.symlink("/etc", os.path.join(base, "out"))
    assert file_utils.resolve_sub_path(base, "out/passwd") is None  # through a symlink


def _tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, kind, target in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = 2
                tar.addfile(info, io.BytesIO(b"hi"))
            else:
                info.type, info.linkname = (tarfile.SYMTYPE if kind == "sym" else tarfile.LNKTYPE), target
                tar.addfile(info)
    buf.seek(0)
    return tarfile.open(fileobj=buf)


def test_filter_safe_tarinfos_keeps_what_stays_inside(tmp_path):
    tar = _tar([("ok.txt", "file", None), ("../up.txt", "file", None),
                ("link_in", "sym", "ok.txt"), ("link_out", "sym", "../../etc/passwd"),
                ("hard_in", "hard", "ok.txt"), ("hard_out", "hard", "/etc/passwd")])
    with pytest.warns(UserWarning, match="Skipping invalid path") as caught:
        kept = [m.name for m in file_utils.filter_safe_tarinfos(tar.getmembers(), str(tmp_path))]
    assert kept == ["ok.txt", "link_in", "hard_in"]
    assert len(caught) == 3
    base = file_utils.resolve_path(str(tmp_path))
    members = {m.name: m for m in tar.getmembers()}
    assert file_utils.is_link_in_dir(members["link_in"], base)
    assert not file_utils.is_link_in_dir(members["link_out"], base)
    assert not file_utils.is_link_in_dir(members["hard_out"], base)


def test_filter_safe_zipinfos(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a/ok.txt", "x")
        z.writestr("../../evil.txt", "x")
    with zipfile.ZipFile(buf) as z, pytest.warns(UserWarning, match="evil.txt"):
        kept = [i.filename for i in file_utils.filter_safe_zipinfos(z.infolist(), str(tmp_path))]
    assert kept == ["a/ok.txt"]


@pytest.mark.parametrize("algorithm,file_hash,name", [
    ("sha256", None, "sha256"), ("auto", "a" * 64, "sha256"), ("auto", "a" * 32, "md5"),
    ("auto", None, "md5"), ("anything", None, "md5")])
def test_resolve_hasher(algorithm, file_hash, name):
    assert file_utils.resolve_hasher(algorithm, file_hash).name == name


def test_hash_and_validate_file(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc")
    sha = hashlib.sha256(b"abc").hexdigest()
    assert file_utils.hash_file(str(path)) == sha
    assert file_utils.hash_file(str(path), "md5") == hashlib.md5(b"abc").hexdigest()
    assert file_utils.validate_file(str(path), sha)
    assert not file_utils.validate_file(str(path), "0" * 64)
