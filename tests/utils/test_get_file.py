"""`minikeras.utils.get_file` against a local HTTP server started here: never the internet.

The server (`LocalServer`) serves a temporary folder on 127.0.0.1, counts the requests it
gets, and can misbehave on purpose: cut a body short, or stall in the middle of one so that a
downloading process can be killed mid-way. tests/datasets/test_datasets.py reuses it.
"""
import functools
import hashlib
import http.server
import io
import os
import pathlib
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tarfile
import threading
import time
import zipfile

import pytest

from minikeras.utils import file_utils
from minikeras.utils.file_utils import DownloadError, get_file, hash_file, validate_file


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        name = self.path.lstrip("/")
        server.requests.append(name)
        if name in server.drip:  # one byte at a time, slowly, for ever
            self.send_response(200)
            if server.drip[name][1] is not None:
                self.send_header("Content-Length", str(server.drip[name][1]))
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"x" * server.drip[name][2])
                    self.wfile.flush()
                    time.sleep(server.drip[name][0])
            except OSError:
                pass
            self.close_connection = True
            return
        if name in server.truncate or name in server.stall:
            body = (pathlib.Path(self.directory) / name).read_bytes()
            cut = server.truncate.get(name, server.stall.get(name, (0, None))[0])
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:cut])
            self.wfile.flush()
            if name in server.stall:
                server.stall[name][1].wait(30)
                try:
                    self.wfile.write(body[cut:])
                except OSError:
                    pass
            self.close_connection = True
            return
        super().do_GET()


class LocalServer:
    """Serve the files of `root` at http://127.0.0.1:<port>/<name> from a background thread."""

    def __init__(self, root):
        self.root = pathlib.Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        handler = functools.partial(_Handler, directory=str(self.root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.requests, self.httpd.truncate, self.httpd.stall = [], {}, {}
        self.httpd.drip = {}  # name -> (seconds between writes, Content-Length or None, bytes a
        #                                write): an endless body
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    @property
    def requests(self):
        return self.httpd.requests

    def put(self, name, data):
        (self.root / name).write_bytes(data)
        return self.base + name

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def dead_url(name="file.bin"):
    """A URL on 127.0.0.1 where nothing listens: what being offline looks like."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def server(tmp_path):
    s = LocalServer(tmp_path / "www")
    yield s
    s.close()


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("MINIKERAS_HOME", str(home))
    return home


DATA = b"minikeras " * 5000  # 50 kB: several chunks


# ------------------------------------------------------------------------ downloading


def test_downloads_into_the_minikeras_home_cache_and_reuses_it(server, home, capsys):
    url = server.put("data.bin", DATA)
    path = get_file("data.bin", origin=url, file_hash=sha256(DATA))
    assert path == str(home / "datasets" / "data.bin")
    assert pathlib.Path(path).read_bytes() == DATA
    assert f"Downloading data from {url}" in capsys.readouterr().out
    assert get_file("data.bin", origin=url, file_hash=sha256(DATA)) == path
    assert server.requests == ["data.bin"]  # the second call did not touch the network
    assert os.listdir(home / "datasets") == ["data.bin"]  # no temporary left behind


def test_file_name_defaults_to_the_url_and_cache_dir_and_subdir_choose_the_folder(
        server, home, tmp_path):
    url = server.put("named.txt", b"abc")
    assert get_file(origin=url) == str(home / "datasets" / "named.txt")
    elsewhere = tmp_path / "elsewhere"
    assert get_file(origin=url, cache_dir=str(elsewhere), cache_subdir="models") == str(
        elsewhere / "models" / "named.txt")
    absolute = tmp_path / "absolute"
    assert get_file("n.txt", origin=url, cache_subdir=str(absolute)) == str(absolute / "n.txt")


def test_default_cache_root_is_dot_minikeras_in_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("MINIKERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert file_utils.minikeras_home() == str(tmp_path / ".minikeras")
    monkeypatch.setenv("MINIKERAS_HOME", str(tmp_path / "mk"))
    assert file_utils.minikeras_home() == str(tmp_path / "mk")


def test_file_urls_work_too(home, tmp_path):
    source = tmp_path / "local.bin"
    source.write_bytes(DATA)
    path = get_file("copy.bin", origin=source.as_uri(), file_hash=sha256(DATA))
    assert pathlib.Path(path).read_bytes() == DATA


def test_sha256_and_md5_are_chosen_by_the_hash_length(server, home):
    url = server.put("h.bin", DATA)
    md5 = hashlib.md5(DATA).hexdigest()
    assert get_file("a.bin", origin=url, file_hash=md5)
    assert get_file("b.bin", origin=url, file_hash=sha256(DATA).upper())  # case does not matter
    assert get_file("c.bin", origin=url, md5_hash=md5)  # Keras's deprecated alias
    assert get_file("d.bin", origin=url, file_hash=md5, hash_algorithm="md5")
    with pytest.raises(ValueError, match="md5 hash .* Expected 0{32}, got " + md5):
        get_file("e.bin", origin=url, file_hash="0" * 32)
    with pytest.raises(ValueError, match="hash_algorithm"):
        get_file("f.bin", origin=url, hash_algorithm="sha1")


def test_a_wrong_hash_after_downloading_names_both_hashes_and_stores_nothing(server, home):
    url = server.put("bad.bin", DATA)
    wrong = "f" * 64
    with pytest.raises(ValueError) as info:
        get_file("bad.bin", origin=url, file_hash=wrong)
    assert f"Expected {wrong}, got {sha256(DATA)}" in str(info.value)
    assert "sha256" in str(info.value) and url in str(info.value)
    assert os.listdir(home / "datasets") == []


def test_a_corrupt_cached_file_is_downloaded_again(server, home, capsys):
    url = server.put("c.bin", DATA)
    target = home / "datasets" / "c.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(DATA[:100])  # say, a copy from an older, broken tool
    assert get_file("c.bin", origin=url, file_hash=sha256(DATA)) == str(target)
    assert target.read_bytes() == DATA
    assert "hash does not match" in capsys.readouterr().out
    assert server.requests == ["c.bin"]


def test_a_cached_file_without_a_hash_is_trusted_and_force_download_refreshes_it(server, home):
    url = server.put("f.bin", b"new")
    target = home / "datasets" / "f.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"old")
    assert pathlib.Path(get_file("f.bin", origin=url)).read_bytes() == b"old"
    assert pathlib.Path(get_file("f.bin", origin=url, force_download=True)).read_bytes() == b"new"


def test_a_body_cut_short_is_an_error_even_without_a_hash(server, home):
    url = server.put("short.bin", DATA)
    server.httpd.truncate["short.bin"] = 1000
    with pytest.raises(DownloadError, match=r"cut short: 1000 of 50000 bytes"):
        get_file("short.bin", origin=url)
    assert os.listdir(home / "datasets") == []


def test_a_killed_download_never_leaves_a_file_that_passes_as_complete(server, home):
    url = server.put("big.bin", DATA)
    release = threading.Event()
    server.httpd.stall["big.bin"] = (20000, release)
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; from minikeras.utils.file_utils import get_file; "
                               "get_file('big.bin', origin=sys.argv[1])", url],
        env={**os.environ, "MINIKERAS_HOME": str(home)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folder = home / "datasets"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until the child is half-way through
            partial = list(folder.glob(".tmp-big.bin-*")) if folder.exists() else []
            if partial and partial[0].stat().st_size >= 20000:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the child process never started downloading")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
    finally:
        release.set()
        if child.poll() is None:
            child.kill()
            child.wait()
    assert not (folder / "big.bin").exists()
    assert [p.name.startswith(f".tmp-big.bin-{child.pid}-") for p in folder.iterdir()] == [True]
    del server.httpd.stall["big.bin"]
    # The next call downloads afresh (no hash given, yet the partial file is not mistaken for
    # the real one) and removes the dead process's temporary.
    path = get_file("big.bin", origin=url)
    assert pathlib.Path(path).read_bytes() == DATA
    assert os.listdir(folder) == ["big.bin"]


def test_offline_without_a_cached_copy_says_where_to_put_the_file(home):
    url = dead_url("weights.h5")
    with pytest.raises(DownloadError) as info:
        get_file("weights.h5", origin=url, file_hash="a" * 64)
    message = str(info.value)
    assert url in message
    assert f"save it as\n    {home / 'datasets' / 'weights.h5'}\n" in message
    assert "a" * 64 in message and "MINIKERAS_HOME" in message
    assert os.listdir(home / "datasets") == []
    # Putting the file there by hand is all it takes to work offline.
    (home / "datasets" / "weights.h5").write_bytes(b"by hand")
    assert pathlib.Path(get_file("weights.h5", origin=url)).read_bytes() == b"by hand"


def test_the_offline_message_gives_an_absolute_path_for_a_relative_cache_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DownloadError) as info:
        get_file("w.bin", origin=dead_url("w.bin"), cache_dir="relative")
    assert f"\n    {tmp_path / 'relative' / 'datasets' / 'w.bin'}\n" in str(info.value)


def test_offline_with_a_corrupt_cached_copy_says_so(home):
    target = home / "datasets" / "x.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"broken")
    with pytest.raises(DownloadError, match="already there has the wrong sha256 hash"):
        get_file("x.bin", origin=dead_url("x.bin"), file_hash="b" * 64)


def test_http_errors_are_download_errors_naming_the_status(server, home):
    with pytest.raises(DownloadError, match=r"HTTP 404") as info:
        get_file("missing.bin", origin=server.base + "missing.bin")
    assert str(home / "datasets" / "missing.bin") in str(info.value)


def test_bad_arguments(home):
    with pytest.raises(ValueError, match="origin"):
        get_file("x")
    with pytest.raises(ValueError, match="plain file name"):
        get_file("sub/x.bin", origin="http://127.0.0.1:9/x.bin")
    with pytest.raises(ValueError, match="file name from the origin"):
        get_file(origin="http://127.0.0.1:9/")


# ------------------------------------------------------------------------ hashing helpers


def test_hash_file_and_validate_file(tmp_path):
    path = tmp_path / "h.bin"
    path.write_bytes(DATA)
    assert hash_file(path) == sha256(DATA)
    assert hash_file(str(path), "md5") == hashlib.md5(DATA).hexdigest()
    assert hash_file(path, chunk_size=7) == sha256(DATA)
    assert validate_file(path, sha256(DATA)) and validate_file(path, hashlib.md5(DATA).hexdigest())
    assert not validate_file(path, "0" * 64)
    assert validate_file(path, sha256(DATA), algorithm="sha256")


# ------------------------------------------------------------------------ archives


def tar_bytes(members, mode="w:gz"):
    """A tar archive of (TarInfo-or-name, bytes-or-None) pairs."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for member, data in members:
            info = member if isinstance(member, tarfile.TarInfo) else tarfile.TarInfo(member)
            if data is not None:
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


GOOD_TAR = tar_bytes([("pkg/a.txt", b"A"), ("pkg/sub/b.txt", b"B"), (link("pkg/l", "a.txt"), None)])


def test_extracts_a_tar_gz_under_keras_names_and_does_it_once(server, home):
    url = server.put("pkg.tar.gz", GOOD_TAR)
    folder = home / "datasets"
    # fname without a dot: the archive is kept as <fname>_archive, extracted into <fname>.
    path = get_file("pkg-target", origin=url, extract=True, file_hash=sha256(GOOD_TAR))
    assert path == str(folder / "pkg-target")
    assert (folder / "pkg-target_archive").read_bytes() == GOOD_TAR
    assert (folder / "pkg-target" / "pkg" / "sub" / "b.txt").read_bytes() == b"B"
    assert os.readlink(folder / "pkg-target" / "pkg" / "l") == "a.txt"
    assert get_file("pkg-target", origin=url, extract=True, file_hash=sha256(GOOD_TAR)) == path
    assert server.requests == ["pkg.tar.gz"]
    # fname with a dot: the archive keeps the name, the folder is <stem>_extracted.
    assert get_file("p.tar.gz", origin=url, extract=True) == str(folder / "p_extracted")
    assert (folder / "p.tar.gz").exists() and (folder / "p_extracted" / "pkg" / "a.txt").exists()
    # No fname: the URL's name, with the archive as <name>_archive.
    assert get_file(origin=url, extract=True) == str(folder / "pkg.tar.gz")
    assert (folder / "pkg.tar.gz_archive").exists()
    assert not [name for name in os.listdir(folder) if name.startswith(".tmp-")]


def test_a_deleted_extraction_folder_is_rebuilt_from_the_cached_archive(server, home):
    url = server.put("pkg.tar.gz", GOOD_TAR)
    path = pathlib.Path(get_file("pkg-target", origin=url, extract=True))
    shutil.rmtree(path)
    server.close()  # offline from now on
    again = pathlib.Path(get_file("pkg-target", origin=url, extract=True))
    assert (again / "pkg" / "a.txt").read_bytes() == b"A"


def test_extracts_zip_and_plain_tar_and_honours_archive_format_and_untar(server, home):
    zipped = zip_bytes([("z/one.txt", b"1"), ("z/two/three.txt", b"3")])
    url = server.put("z.zip", zipped)
    path = pathlib.Path(get_file("z-target", origin=url, extract=True))
    assert (path / "z" / "two" / "three.txt").read_bytes() == b"3"
    with pytest.warns(UserWarning, match="Could not extract"):
        get_file("z2-target", origin=url, extract=True, archive_format="tar")
    plain = server.put("plain.tar", tar_bytes([("x.txt", b"x")], mode="w"))
    assert (pathlib.Path(get_file("plain-target", origin=plain, untar=True)) / "x.txt").exists()
    with pytest.raises(ValueError, match="archive_format"):
        get_file("z3-target", origin=url, extract=True, archive_format="rar")


@pytest.mark.parametrize("member", [
    ("../escape.txt", b"evil"),
    ("ok/../../escape.txt", b"evil"),
    ("/tmp/minikeras-escape-absolute.txt", b"evil"),
    (link("innocent", "../escape.txt"), None),
    (link("innocent", "/etc/passwd"), None),
    (link("deep/innocent", "../../escape.txt"), None),
    (link("hard", "../escape.txt", tarfile.LNKTYPE), None),
    (link("hard", "/etc/passwd", tarfile.LNKTYPE), None),
], ids=["dotdot", "nested-dotdot", "absolute", "symlink-out", "symlink-absolute",
        "symlink-deep-out", "hardlink-out", "hardlink-absolute"])
def test_unsafe_tar_members_are_refused_before_anything_is_written(server, home, member):
    evil = tar_bytes([("first.txt", b"fine"), member])
    url = server.put("evil.tar.gz", evil)
    with pytest.raises(ValueError, match="Refusing to extract .* is unsafe"):
        get_file("evil-target", origin=url, extract=True)
    folder = home / "datasets"
    assert sorted(os.listdir(folder)) == ["evil-target_archive"]  # no folder, no temporaries
    assert not (home / "escape.txt").exists() and not (folder / "escape.txt").exists()
    assert not os.path.exists("/tmp/minikeras-escape-absolute.txt")


def test_tar_device_files_are_refused(server, home):
    fifo = tarfile.TarInfo("pipe")
    fifo.type = tarfile.FIFOTYPE
    url = server.put("fifo.tar", tar_bytes([(fifo, None)], mode="w"))
    with pytest.raises(ValueError, match="device file or a FIFO"):
        get_file("fifo-target", origin=url, extract=True)


def test_unsafe_zip_members_are_refused(server, home):
    url = server.put("evil.zip", zip_bytes([("fine.txt", b"ok"), ("../escape.txt", b"evil")]))
    with pytest.raises(ValueError, match="Refusing to extract .*'../escape.txt'"):
        get_file("evilzip-target", origin=url, extract=True)
    assert sorted(os.listdir(home / "datasets")) == ["evilzip-target_archive"]
    assert not (home / "escape.txt").exists()


def test_a_damaged_archive_is_a_clear_error_and_leaves_no_half_extracted_folder(server, home):
    url = server.put("broken.tar.gz", GOOD_TAR[:len(GOOD_TAR) // 2])
    with pytest.raises(ValueError, match="damaged|Could not extract"):
        get_file("broken-target", origin=url, extract=True, archive_format="tar")
    assert "broken-target" not in os.listdir(home / "datasets")


def test_only_dead_processes_own_temporaries_of_the_same_file_are_removed(server, home):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = home / "datasets"
    folder.mkdir(parents=True)
    leftovers = {
        f".tmp-x-{dead.pid}-0abc1234.part": False,  # a dead download of x: removed
        f".tmp-x-{os.getppid()}-0abc1234.part": True,  # a live process's: kept
        f".tmp-x-7-{dead.pid}-0abc1234.part": True,  # a dead download of "x-7": not ours
    }
    for name in leftovers:
        (folder / name).write_bytes(b"partial")
    get_file("x", origin=server.put("x", b"data"))
    assert {name: (folder / name).exists() for name in leftovers} == leftovers


# ------------------------------------------------------------------------ limits


def test_a_slow_drip_stops_at_the_total_timeout(server, home):
    url = server.base + "drip.bin"
    server.httpd.drip["drip.bin"] = (0.1, 10 ** 9, 1)
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"stopped after total_timeout=1 seconds"):
        get_file("drip.bin", origin=url, total_timeout=1, read_timeout=5)
    assert time.monotonic() - start < 4
    assert os.listdir(home / "datasets") == []


def test_an_endless_body_stops_at_max_size(server, home):
    url = server.base + "endless.bin"
    server.httpd.drip["endless.bin"] = (0, None, 1 << 16)  # no Content-Length, never ends
    with pytest.raises(DownloadError, match="more than max_size=100000 bytes"):
        get_file("endless.bin", origin=url, max_size=100_000)
    assert os.listdir(home / "datasets") == []
    big = server.put("big.bin", DATA)
    with pytest.raises(DownloadError, match=r"50000 bytes \(its Content-Length\), more than "
                                            r"max_size=1000"):
        get_file("big.bin", origin=big, max_size=1000)
    assert get_file("big.bin", origin=big, max_size=50000) == str(home / "datasets" / "big.bin")


def test_a_body_longer_than_its_content_length_stops_there(server, home):
    url = server.base + "liar.bin"
    server.httpd.drip["liar.bin"] = (0, 1000, 1 << 16)  # says 1000 bytes, sends for ever
    start = time.monotonic()
    try:
        path = get_file("liar.bin", origin=url, total_timeout=10)
    except DownloadError as e:  # either way it stops at once, storing at most 1000 bytes
        assert "Content-Length" in str(e)
    else:
        assert pathlib.Path(path).read_bytes() == b"x" * 1000
    assert time.monotonic() - start < 5


def test_limit_arguments_are_checked(home):
    for bad in ({"total_timeout": 0}, {"max_size": -1}, {"read_timeout": None},
                {"max_size": "10"}, {"total_timeout": True}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            get_file("x", origin="http://127.0.0.1:9/x", **bad)


# ------------------------------------------------------------------------ temporaries and modes


def test_only_exact_temporary_names_are_cleaned_up(server, home):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = home / "datasets"
    folder.mkdir(parents=True)
    keep = [".tmp-x-999999-my-notes.txt", f".tmp-x-{dead.pid}-notes",
            f".tmp-x-{dead.pid}-abc.part", f".tmp-x-{dead.pid}-0abc1234.part.bak",
            f".tmp-x-{dead.pid}-0abc1234.saving"]
    for name in keep:
        (folder / name).write_bytes(b"mine")
    get_file("x", origin=server.put("x", b"data"))
    assert sorted(keep) == sorted(n for n in os.listdir(folder) if n != "x")


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_downloads_and_extractions_get_the_mode_open_would_give(server, home):
    old = os.umask(0o022)
    try:
        path = get_file("data.bin", origin=server.put("data.bin", DATA))
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
        folder = get_file("pkg-target", origin=server.put("pkg.tar.gz", GOOD_TAR), extract=True)
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o755
        os.umask(0o077)
        path = get_file("other.bin", origin=server.put("other.bin", DATA))
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        os.umask(old)


# ------------------------------------------------------------------------ extracted files


def test_an_edited_extracted_file_is_extracted_again(server, home, capsys):
    url = server.put("pkg.tar.gz", GOOD_TAR)
    path = pathlib.Path(get_file("pkg-target", origin=url, extract=True,
                                 file_hash=sha256(GOOD_TAR)))
    manifest = home / "datasets" / ".pkg-target.manifest.json"
    assert manifest.exists()
    server.close()  # offline: everything comes from the cached archive
    for tamper in (lambda: (path / "pkg" / "a.txt").write_bytes(b"evil"),
                   lambda: (path / "pkg" / "a.txt").write_bytes(b"B"),  # same size
                   lambda: (path / "pkg" / "new.py").write_bytes(b"import os"),
                   lambda: (path / "pkg" / "sub" / "b.txt").unlink(),
                   lambda: manifest.write_text("{not json"),
                   lambda: manifest.unlink()):
        tamper()
        again = pathlib.Path(get_file("pkg-target", origin=url, extract=True,
                                      file_hash=sha256(GOOD_TAR)))
        assert (again / "pkg" / "a.txt").read_bytes() == b"A"
        assert (again / "pkg" / "sub" / "b.txt").read_bytes() == b"B"
        assert not (again / "pkg" / "new.py").exists() and manifest.exists()
    assert "extracted again" in capsys.readouterr().out
    mtime = os.stat(again / "pkg" / "a.txt").st_mtime_ns
    get_file("pkg-target", origin=url, extract=True)  # untouched: used as it is
    assert os.stat(again / "pkg" / "a.txt").st_mtime_ns == mtime


# -- malformed archives give clear errors ------------------------------------------------------
def test_zip_holding_a_symlink_is_refused(tmp_path):
    archive = tmp_path / "links.zip"
    with zipfile.ZipFile(archive, "w") as z:
        link = zipfile.ZipInfo("data/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "../../etc/passwd")
    with pytest.raises(ValueError, match="'data/link' is a symbolic link"):
        file_utils.extract_archive(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "data").exists()


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_members_that_clash_give_a_clear_error(tmp_path, kind):
    """A file `a` and then a member `a/b`: the OS refuses, and the error names the archive."""
    archive = tmp_path / f"clash.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("a", "a file")
            z.writestr("a/b", "inside a file?")
    else:
        with tarfile.open(archive, "w") as t:
            for name in ("a", "a/b"):
                data = b"x"
                info = tarfile.TarInfo(name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    with pytest.raises(ValueError, match="two of its members clash"):
        file_utils.extract_archive(archive, tmp_path / "out")
