"""`get_file`: download a file once, check it, keep it in a cache (like `keras.utils.get_file`).

    path = get_file("mnist.npz", origin="https://.../mnist.npz", file_hash="731c5ac6...")

The file lands in `<cache root>/<cache_subdir>/<fname>`. The cache root is `cache_dir` if given,
else the `MINIKERAS_HOME` environment variable, else `~/.minikeras` (and `<tmp>/.minikeras`
when that folder cannot be written). A file already in the cache is used without touching the
network, so working offline means putting the file there yourself.

What makes it safe to interrupt and safe to trust:

- A download is streamed into a temporary file next to the target (`.tmp-<fname>-<pid>-...`)
  and renamed onto the target only once it is complete and, when a hash is given, verified.
  A killed download therefore never leaves a file under the target's name; the temporaries of
  dead processes are removed by the next download of the same file.
- The hash is sha256 or md5 (`hash_algorithm="auto"` picks sha256 for a 64-character hash,
  md5 otherwise). A cached file with the wrong hash is downloaded again; a fresh download with
  the wrong hash raises a ValueError naming the expected and the computed hash.
- A body shorter than the server's Content-Length is an error, even without a hash.
- Archives (tar, tar.gz, tar.bz2, tar.xz, zip) are extracted into a temporary folder that is
  renamed into place when complete. Every member is checked first: a member whose path would
  land outside the target folder (`../x`, `/etc/x`), a symbolic or hard link pointing outside
  it, or a device file makes the whole archive refused with a ValueError, before anything is
  written.
"""
import contextlib
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import stat
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

HOME_ENV = "MINIKERAS_HOME"
_TAR_FILTER_ERRORS = getattr(tarfile, "FilterError", ())
_CHUNK = 1 << 16


class DownloadError(OSError):
    """A file could not be fetched from its origin (offline, unreachable, HTTP error, cut short)."""


# ---------------------------------------------------------------------------------- hashes


def resolve_hasher(algorithm, file_hash=None):
    """The hashlib object for `algorithm` ("sha256", "md5" or "auto").

    "auto" means sha256 when `file_hash` has 64 characters and md5 otherwise (also when no
    hash is given, as in Keras, where md5 is the legacy default).
    """
    if algorithm not in ("auto", "sha256", "md5"):
        raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5'; "
                         f"received {algorithm!r}.")
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(str(file_hash)) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def _algorithm_name(algorithm, file_hash):
    return resolve_hasher(algorithm, file_hash).name


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """The hex digest of a file: sha256 by default, "md5", or "auto" (see `resolve_hasher`).

    `algorithm` may also be a hashlib object, which is updated and digested.
    """
    hasher = resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """True when the file's sha256/md5 digest equals `file_hash` (hex, case-insensitive)."""
    hasher = resolve_hasher(algorithm, file_hash)
    return hash_file(fpath, hasher, chunk_size) == str(file_hash).strip().lower()


# ---------------------------------------------------------------------------------- get_file


def minikeras_home():
    """The cache root: `$MINIKERAS_HOME`, else `~/.minikeras`."""
    return os.environ.get(HOME_ENV) or os.path.join(os.path.expanduser("~"), ".minikeras")


def _cache_folder(cache_dir, cache_subdir):
    """Create and return `<root>/<cache_subdir>`; fall back to `<tmp>/.minikeras` if unwritable."""
    root = os.path.expanduser(os.fspath(cache_dir)) if cache_dir is not None else minikeras_home()
    folder = os.path.join(root, cache_subdir)
    try:
        os.makedirs(folder, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    folder = os.path.join(tempfile.gettempdir(), ".minikeras", cache_subdir)
    os.makedirs(folder, exist_ok=True)
    return folder


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False, *,
             read_timeout=60, total_timeout=3 * 3600, max_size=None):
    """Download `origin` into the cache unless a good copy is already there; return its path.

    Args:
        fname: the file's name in the cache (no folders; use `cache_dir`/`cache_subdir`).
            None takes the last part of the URL. With `extract=True` it names the folder the
            archive is extracted into (see Returns).
        origin: the URL (http, https, ftp or file).
        untar: deprecated; like `extract=True, archive_format="tar"`.
        md5_hash: deprecated; like `file_hash=md5_hash, hash_algorithm="md5"`.
        file_hash: the expected sha256 or md5 hex digest; None skips the check.
        cache_subdir: the folder under the cache root (an absolute path is used as is).
        hash_algorithm: "auto" (sha256 for a 64-character hash, else md5), "sha256" or "md5".
        extract: extract the archive after downloading it.
        archive_format: "auto" (tar, then zip), "tar", "zip", a list of those, or None.
        cache_dir: the cache root; default `$MINIKERAS_HOME`, else `~/.minikeras`.
        force_download: download again even when a good copy is cached.
        read_timeout: (keyword only; not in Keras) seconds one network read may wait for data
            before the download fails.
        total_timeout: (keyword only; not in Keras) seconds the whole download may take (3
            hours by default); a server dripping bytes is stopped at the first read past it,
            so within `read_timeout` of it. None: no overall deadline.
        max_size: (keyword only; not in Keras) the most bytes to accept; a bigger
            Content-Length or a longer body stops the download. None: no limit but the
            server's Content-Length, which the body may never exceed either.

    Returns:
        The path of the file. With `extract=True`, the path of the folder it was extracted
        into: `<fname>` (the archive itself is kept as `<fname>_archive`) when `fname` has no
        dot or was not given, else `<fname up to its first dot>_extracted` (the archive is
        kept as `<fname>`). These are Keras 3's names.

    Raises:
        ValueError: bad arguments, a hash mismatch after downloading, an unsafe archive.
        DownloadError (an OSError): the origin cannot be reached and nothing good is cached,
            or the download broke `read_timeout`, `total_timeout` or `max_size`; the message
            says where to put the file by hand.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    resolve_hasher(hash_algorithm, file_hash)  # validates hash_algorithm early
    limits = _Limits(read_timeout, total_timeout, max_size)
    if file_hash is not None:
        file_hash = str(file_hash).strip().lower()
    if untar:
        extract, archive_format = True, "tar"

    given_fname = fname is not None and os.fspath(fname) != ""
    if given_fname:
        fname = os.fspath(fname)
    else:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"Can't parse the file name from the origin provided: {origin!r}. "
                         f"Please specify the `fname` argument.")
    if any(sep and sep in fname for sep in (os.sep, os.altsep, "/")) or fname in (".", ".."):
        raise ValueError(f"`fname` must be a plain file name, not a path; to choose the folder "
                         f"use `cache_dir` or `cache_subdir`. Received: fname={fname!r}")

    folder = _cache_folder(cache_dir, cache_subdir)
    extraction_dir = None
    if extract:
        if given_fname and "." in fname:
            download_target = os.path.join(folder, fname)
            extraction_dir = os.path.join(folder, f"{fname[:fname.find('.')]}_extracted")
        else:
            download_target = os.path.join(folder, f"{fname}_archive")
            extraction_dir = os.path.join(folder, fname)
    else:
        download_target = os.path.join(folder, fname)

    algorithm = _algorithm_name(hash_algorithm, file_hash)
    cached_but_bad = False
    if force_download or not os.path.exists(download_target):
        download = True
    elif file_hash is not None and not validate_file(download_target, file_hash, hash_algorithm):
        print(f"A local file was found, but it seems to be incomplete or outdated because the "
              f"{algorithm} file hash does not match the original value of {file_hash} so we "
              f"will re-download the data.")
        download = cached_but_bad = True
    else:
        download = False

    if download:
        _download(origin, download_target, file_hash, hash_algorithm, cached_but_bad, limits)

    if extract:
        archive_sha256 = (file_hash if file_hash is not None and algorithm == "sha256"
                          else hash_file(download_target, "sha256"))
        if download or not _extraction_intact(extraction_dir, archive_sha256):
            if not _extract(download_target, extraction_dir, archive_format, archive_sha256):
                warnings.warn(f"Could not extract archive {download_target} "
                              f"(archive_format={archive_format!r}).", stacklevel=2)
        return extraction_dir
    return download_target


# ---------------------------------------------------------------------------------- download


def _offline_help(origin, target, file_hash, algorithm, cached_but_bad):
    lines = [f"To work offline, download {origin} yourself and save it as",
             f"    {os.path.abspath(target)}",
             f"(minikeras uses a file found there without the network; set {HOME_ENV} or "
             f"`cache_dir` to move the cache)."]
    if file_hash is not None:
        lines.append(f"Its {algorithm} hash must be {file_hash}.")
    if cached_but_bad:
        lines.insert(0, f"The file already there has the wrong {algorithm} hash, so it was "
                        f"not used.")
    return "\n".join(lines)


class _Limits:
    """How long one read, and the whole download, may take; how many bytes it may bring."""

    def __init__(self, read_timeout=60, total_timeout=None, max_size=None):
        for name, value in (("read_timeout", read_timeout), ("total_timeout", total_timeout),
                            ("max_size", max_size)):
            if value is None and name != "read_timeout":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"`{name}` must be a positive number"
                                 f"{'' if name == 'read_timeout' else ' or None'}; received "
                                 f"{name}={value!r}.")
        self.read_timeout, self.total_timeout, self.max_size = read_timeout, total_timeout, max_size
        self.deadline = None

    def start(self):
        """Start the clock of `total_timeout`."""
        if self.total_timeout is not None:
            self.deadline = time.monotonic() + self.total_timeout
        return self


def _download(origin, target, file_hash, hash_algorithm, cached_but_bad=False, limits=None):
    """Stream `origin` into a temporary file beside `target`, verify it, rename it onto `target`."""
    algorithm = _algorithm_name(hash_algorithm, file_hash)
    folder, name = os.path.split(target)
    _remove_abandoned_temporaries(folder, name, DOWNLOAD_SUFFIX)
    handle, temporary = _create_temporary_file(folder, name, DOWNLOAD_SUFFIX)
    print(f"Downloading data from {origin}")
    try:
        hasher = resolve_hasher(hash_algorithm, file_hash)
        try:
            with os.fdopen(handle, "wb") as out:
                limits = (limits or _Limits()).start()
                with urllib.request.urlopen(origin, timeout=limits.read_timeout) as response:
                    _copy_with_progress(response, out, hasher, name, limits)
        except urllib.error.HTTPError as e:
            raise DownloadError(f"URL fetch failure on {origin}: HTTP {e.code} {e.reason}.\n"
                                + _offline_help(origin, target, file_hash, algorithm,
                                                cached_but_bad)) from None
        except urllib.error.URLError as e:
            where = ("the file cannot be read" if origin.lower().startswith("file:")
                     else "offline, or the server cannot be reached")
            raise DownloadError(f"URL fetch failure on {origin}: {e.reason} ({where}).\n"
                                + _offline_help(origin, target, file_hash, algorithm,
                                                cached_but_bad)) from None
        except (OSError, http.client.HTTPException) as e:
            if isinstance(e, DownloadError):
                raise DownloadError(f"{e}\n" + _offline_help(origin, target, file_hash, algorithm,
                                                            cached_but_bad)) from None
            raise DownloadError(f"URL fetch failure on {origin}: {type(e).__name__}: {e}.\n"
                                + _offline_help(origin, target, file_hash, algorithm,
                                                cached_but_bad)) from None
        if file_hash is not None:
            got = hasher.hexdigest()
            if got != file_hash:
                raise ValueError(f"Incomplete or corrupted file detected: the {algorithm} hash of "
                                 f"the file downloaded from {origin} does not match. Expected "
                                 f"{file_hash}, got {got}. Nothing was stored in the cache.")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def _copy_with_progress(response, out, hasher, name, limits):
    """Copy the response body to `out` in chunks, hashing it and showing a tqdm progress bar.

    Stops with a DownloadError at the first chunk past `limits.deadline`, or once the body
    grows beyond its Content-Length or `limits.max_size`.
    """
    from tqdm import tqdm

    length = response.headers.get("Content-Length") if response.headers else None
    total = int(length) if length and length.isdigit() else None
    if total is not None and limits.max_size is not None and total > limits.max_size:
        raise DownloadError(f"The download of {name} is {total} bytes (its Content-Length), more "
                            f"than max_size={limits.max_size}. Nothing was stored.")
    cap = min(n for n in (total, limits.max_size) if n is not None) if (
        total is not None or limits.max_size is not None) else None
    received = 0
    read = getattr(response, "read1", response.read)  # read1: whatever has arrived, no waiting
    with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=name,
              file=sys.stderr, leave=True) as bar:
        while True:
            chunk = read(_CHUNK)
            if not chunk:
                break
            received += len(chunk)
            if cap is not None and received > cap:
                what = (f"more than its Content-Length of {total} bytes" if cap == total
                        else f"more than max_size={limits.max_size} bytes")
                raise DownloadError(f"The download of {name} was stopped: the server sent {what}. "
                                    f"Nothing was stored.")
            out.write(chunk)
            hasher.update(chunk)
            bar.update(len(chunk))
            if limits.deadline is not None and time.monotonic() > limits.deadline:
                raise DownloadError(f"The download of {name} was stopped after "
                                    f"total_timeout={limits.total_timeout} seconds ({received} "
                                    f"bytes received); pass a larger `total_timeout` to "
                                    f"get_file for a slow connection.")
    if total is not None and received < total:
        raise DownloadError(f"The download of {name} was cut short: {received} of {total} bytes "
                            f"received.")


# Temporaries are named .tmp-<target name>-<pid>-<8 hex digits><suffix>, the suffix saying who
# made them, so that the cleanup below matches only files this module made.
DOWNLOAD_SUFFIX = ".part"
EXTRACT_SUFFIX = ".extracting"
SAVE_SUFFIX = ".saving"
_TOKEN_PATTERN = r"[0-9a-f]{8}"


def _temporary_path(folder, name, suffix):
    """A fresh path for a temporary of `<folder>/<name>`; the caller creates it exclusively."""
    return os.path.join(folder, f".tmp-{name}-{os.getpid()}-{secrets.token_hex(4)}{suffix}")


def _create_temporary_file(folder, name, suffix):
    """Create an empty temporary file (mode 0666 less the umask, as `open` gives); its fd, path."""
    while True:
        path = _temporary_path(folder, name, suffix)
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                           0o666), path
        except FileExistsError:
            continue


def _create_temporary_folder(folder, name, suffix):
    """Create an empty temporary folder (mode 0777 less the umask, as `os.makedirs` gives)."""
    while True:
        path = _temporary_path(folder, name, suffix)
        try:
            os.mkdir(path, 0o777)
            return path
        except FileExistsError:
            continue


def remove_abandoned_save_temporaries(filepath):
    """Delete the temporaries that `atomic_path` writes for `filepath` and that dead processes
    left behind (a save killed midway); nothing else is touched."""
    folder, name = os.path.split(os.path.abspath(os.fspath(filepath)))
    _remove_abandoned_temporaries(folder, name, SAVE_SUFFIX)


def _remove_abandoned_temporaries(folder, name, suffix):
    """Delete the temporaries of `<folder>/<name>` left by dead processes (the PID is in the name).

    Only names of exactly the form this module makes are touched: `.tmp-<name>-<pid>-<8 hex
    digits><suffix>`. A user's `.tmp-model.keras-999999-my-notes.txt`, or the temporary of
    another file (say of "x-1" when cleaning for "x"), does not match.
    """
    try:
        names = os.listdir(folder)
    except OSError:
        return
    pattern = re.compile(re.escape(f".tmp-{name}-") + r"(\d+)-" + _TOKEN_PATTERN
                         + re.escape(suffix))
    for entry in names:
        match = pattern.fullmatch(entry)
        if match and not process_alive(int(match.group(1))):
            path = os.path.join(folder, entry)
            with contextlib.suppress(OSError):
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.remove(path)


def process_alive(pid):
    """Whether process `pid` still runs (True when it cannot be told): a temporary file named
    after a dead writer is an abandoned one, safe to delete."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists but belongs to someone else, or cannot tell: leave it alone
    return True


# ---------------------------------------------------------------------------------- archives


def _inside(base, path):
    """True when `path` (already absolute and normalised) is `base` or below it."""
    try:
        return os.path.commonpath([base, path]) == base
    except ValueError:  # different drives
        return False


def _resolved_member(base, name):
    """The absolute, normalised place an archive member called `name` would be written."""
    return os.path.realpath(os.path.join(base, name))


def _check_tar_members(archive, base, archive_path):
    members = archive.getmembers()
    for member in members:
        where = _resolved_member(base, member.name)
        problem = None
        if os.path.isabs(member.name) or not _inside(base, where):
            problem = "its path leads outside the target folder"
        elif member.issym():
            if os.path.isabs(member.linkname) or not _inside(
                    base, os.path.realpath(os.path.join(os.path.dirname(where), member.linkname))):
                problem = f"it is a symbolic link to {member.linkname!r}, outside the target folder"
        elif member.islnk():
            target = _resolved_member(base, member.linkname)
            if os.path.isabs(member.linkname) or not _inside(base, target):
                problem = f"it is a hard link to {member.linkname!r}, outside the target folder"
        elif not (member.isfile() or member.isdir()):
            problem = "it is a device file or a FIFO"
        if problem:
            raise ValueError(f"Refusing to extract {archive_path}: member {member.name!r} is "
                             f"unsafe ({problem}). Nothing was extracted.")
    return members


def _check_zip_members(archive, base, archive_path):
    members = archive.infolist()
    for member in members:
        name = member.filename
        if (os.path.isabs(name) or name.startswith(("/", "\\")) or ":" in name.split("/")[0]
                or not _inside(base, _resolved_member(base, name))):
            raise ValueError(f"Refusing to extract {archive_path}: member {name!r} is unsafe (its "
                             f"path leads outside the target folder). Nothing was extracted.")
        if stat.S_ISLNK(member.external_attr >> 16):  # zipfile would write the link as a file
            raise ValueError(f"Refusing to extract {archive_path}: member {name!r} is a symbolic "
                             f"link, which a zip archive cannot extract faithfully. Nothing was "
                             f"extracted.")
    return members


_CLASHES = (NotADirectoryError, IsADirectoryError, FileExistsError)


def _clash_error(archive_path, error):
    return ValueError(f"Could not extract {archive_path}: two of its members clash "
                      f"({error.strerror}: {error.filename!r}), e.g. a file and a folder of the "
                      f"same name. The archive is malformed.")


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar or zip archive into `path`; False when it is none of `archive_format`.

    `archive_format`: "auto" (= ["tar", "zip"]), "tar" (tar, tar.gz, tar.bz2, tar.xz), "zip",
    a list of those, or None (extract nothing). Unsafe members raise a ValueError before
    anything is written (see the module docstring).
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    file_path, path = os.fspath(file_path), os.fspath(path)
    for kind in archive_format:
        if kind not in ("tar", "zip"):
            raise ValueError(f"archive_format must be 'auto', 'tar', 'zip', a list of those or "
                             f"None; received {kind!r}.")
        if kind == "tar" and tarfile.is_tarfile(file_path):
            os.makedirs(path, exist_ok=True)
            base = os.path.realpath(path)
            with tarfile.open(file_path) as archive:
                members = _check_tar_members(archive, base, file_path)
                kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                try:
                    archive.extractall(base, members=members, **kwargs)
                except _CLASHES as e:
                    raise _clash_error(file_path, e) from None
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            os.makedirs(path, exist_ok=True)
            base = os.path.realpath(path)
            with zipfile.ZipFile(file_path) as archive:
                members = _check_zip_members(archive, base, file_path)
                try:
                    archive.extractall(base, members=members)
                except _CLASHES as e:
                    raise _clash_error(file_path, e) from None
            return True
    return False


def _extract(archive_path, extraction_dir, archive_format, archive_sha256):
    """Extract into a temporary folder beside `extraction_dir`, then rename it into place.

    The manifest of what was extracted is written beside it once it is in place (see
    `_extraction_intact`).
    """
    folder, name = os.path.split(extraction_dir)
    _remove_abandoned_temporaries(folder, name, EXTRACT_SUFFIX)
    temporary = _create_temporary_folder(folder, name, EXTRACT_SUFFIX)
    try:
        try:
            extracted = extract_archive(archive_path, temporary, archive_format)
        except _TAR_FILTER_ERRORS as e:  # caught by tarfile's own "data" filter at write time
            raise ValueError(f"Refusing to extract {archive_path}: {e}. "
                             f"Nothing was kept.") from None
        except (tarfile.TarError, zipfile.BadZipFile, EOFError) as e:
            raise ValueError(f"Could not extract {archive_path}: the archive is damaged "
                             f"({type(e).__name__}: {e}). Delete it and call again to download "
                             f"it afresh.") from None
        if extracted:
            if os.path.isdir(extraction_dir) and not os.path.islink(extraction_dir):
                shutil.rmtree(extraction_dir)
            elif os.path.lexists(extraction_dir):
                os.remove(extraction_dir)
            manifest = _manifest(temporary, archive_sha256)
            with contextlib.suppress(OSError):
                os.remove(_manifest_path(extraction_dir))
            os.replace(temporary, extraction_dir)
            _write_manifest(extraction_dir, manifest)
        return extracted
    finally:
        if os.path.isdir(temporary):
            shutil.rmtree(temporary, ignore_errors=True)


# -- the manifest of an extracted archive ----------------------------------------------------
# The archive is hash-checked on every get_file call, but what was extracted from it is used
# as it lies in the cache. A manifest written at extraction, `.<folder name>.manifest.json`
# beside the folder, records the archive's sha256 and every entry's kind, size and sha256
# (or link target); a cached folder is used only while it matches it exactly, and is
# extracted afresh from the archive otherwise. This catches corruption and edits of the
# extracted files; someone able to rewrite both a file and the manifest is not stopped by it.
MANIFEST_VERSION = 1


def _manifest_path(extraction_dir):
    folder, name = os.path.split(extraction_dir)
    return os.path.join(folder, f".{name}.manifest.json")


def _manifest(root, archive_sha256):
    """{"archive_sha256", "entries": {relative path: ["file", size, sha256] | ["link", target]
    | ["dir"]}} for the tree under `root` (links are recorded, never followed)."""
    entries = {}
    for folder, subfolders, files in os.walk(root):
        for name in subfolders + files:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            if os.path.islink(path):
                entries[relative] = ["link", os.readlink(path)]
            elif os.path.isdir(path):
                entries[relative] = ["dir"]
            elif os.path.isfile(path):
                entries[relative] = ["file", os.path.getsize(path), hash_file(path, "sha256")]
            else:
                entries[relative] = ["other"]
    return {"version": MANIFEST_VERSION, "archive_sha256": archive_sha256, "entries": entries}


def _write_manifest(extraction_dir, manifest):
    folder, name = os.path.split(_manifest_path(extraction_dir))
    handle, temporary = _create_temporary_file(folder, name, SAVE_SUFFIX)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            json.dump(manifest, f, sort_keys=True)
        os.replace(temporary, os.path.join(folder, name))
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def _extraction_intact(extraction_dir, archive_sha256):
    """Whether the cached extraction still is exactly what was extracted from this archive."""
    if not os.path.isdir(extraction_dir) or os.path.islink(extraction_dir):
        return False
    try:
        with open(_manifest_path(extraction_dir), encoding="utf-8") as f:
            recorded = json.load(f)
    except (OSError, ValueError):
        return False
    if (not isinstance(recorded, dict) or recorded.get("version") != MANIFEST_VERSION
            or recorded.get("archive_sha256") != archive_sha256):
        return False
    expected = recorded.get("entries")
    found = _manifest(extraction_dir, archive_sha256)["entries"]
    if found != expected:
        print(f"The files extracted into {extraction_dir} do not match what was extracted from "
              f"the archive (changed, added or removed since), so it is extracted again.")
        return False
    return True


# -- writing files atomically --------------------------------------------------------------
@contextlib.contextmanager
def atomic_path(filepath, overwrite=True):
    """Yield a temporary path next to `filepath`; on success rename it onto `filepath`.

    On any error the temporary file is removed and `filepath` is left as it was. The finished
    file gets the permissions a plain `open(filepath, "w")` would leave: those of the file it
    replaces, else 0666 less the umask (0644 under the usual umask 022). When `filepath` is a
    symbolic link, the file it points to is replaced (the temporary is made beside it) and
    the link stays, as writing through `open` would do.
    """
    filepath = os.fspath(filepath)
    if os.path.exists(filepath) and not overwrite:
        raise FileExistsError(f"File {filepath!r} already exists and overwrite=False.")
    target = os.path.realpath(filepath)
    folder, name = os.path.split(target)
    os.makedirs(folder, exist_ok=True)
    _remove_abandoned_temporaries(folder, name, SAVE_SUFFIX)
    handle, temporary = _create_temporary_file(folder, name, SAVE_SUFFIX)
    try:
        mode = os.fstat(handle).st_mode  # 0666 less the umask, from the kernel
        os.close(handle)
        with contextlib.suppress(OSError):
            replaced = os.stat(target)
            if stat.S_ISREG(replaced.st_mode):
                mode = replaced.st_mode
        yield temporary
        os.chmod(temporary, stat.S_IMODE(mode))  # in case the writer made the file anew
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
