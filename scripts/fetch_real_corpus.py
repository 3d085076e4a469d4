"""Fetch the real-manual corpus of eval/golden/real.jsonl: pinned Debian doc packages.

The second golden set (``eval/golden/real.jsonl``) is written over software manuals that
nobody in this project wrote: PDFs shipped by Debian bookworm documentation packages. The
PDFs are not committed. This script rebuilds ``data/real/`` byte for byte from the pins in
``eval/golden/real_corpus.json`` (package, version, the .deb's sha256, the PDF's path inside
the package, the PDF's sha256, the output file name):

1. ``apt-get download <package>=<version>`` into a cache folder (default ``build/debs/``),
   unless a .deb with the pinned sha256 is already there;
2. verify the .deb's sha256;
3. extract the PDF from the package's data archive (``dpkg-deb --fsys-tarfile`` read with
   ``tarfile``), gunzip it when the package ships ``.pdf.gz``;
4. verify the PDF's sha256 and write it to the output folder (atomically).

It is idempotent: when every PDF is already present with its pinned sha256 it downloads
nothing, writes nothing and says so. Needs a Debian-family system (``apt-get`` and
``dpkg-deb``) whose sources include bookworm main, and network access to its mirror. When
apt does not know a package because its package lists were never downloaded (a fresh
container), it runs ``apt-get update`` once (this needs root) and tries again.

Re-pinning. Debian mirrors keep only the current version of a package, so a pin stops
being downloadable when the package is updated (a point release or a security update).
To re-pin: ``apt-get update``; ``apt-cache policy <package>`` for the current version;
``apt-get download <package>`` and ``sha256sum`` the .deb; extract the PDF
(``dpkg-deb -x <deb> /tmp/x``) and ``sha256sum`` it; put the new version, ``deb_filename``
(``apt-cache show <package>`` prints ``Filename``), ``deb_sha256``, ``pdf_sha256`` and page
count into ``eval/golden/real_corpus.json``. A new PDF may differ in text and page numbers,
so **re-pinning requires re-validating the golden set**:
``python -m eval validate eval/golden/real.jsonl --pdfs data/real``, then fix the items
whose excerpts or pages moved (keep their ids), and recheck the unanswerable items' key
terms against the new text. Alternatively, an online machine can fetch the exact pinned
.deb from snapshot.debian.org (``https://snapshot.debian.org/`` + the ``deb_filename``
under an archive timestamp) and drop it into the cache folder; the script then uses it.

Usage: python scripts/fetch_real_corpus.py [--out data/real] [--cache build/debs]
       [--manifest eval/golden/real_corpus.json]
Exit status: 0 when every PDF is in place and verified, 1 otherwise.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from core.hashing import file_sha256

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "eval" / "golden" / "real_corpus.json"
DEFAULT_OUT = ROOT / "data" / "real"
DEFAULT_CACHE = ROOT / "build" / "debs"


class FetchError(RuntimeError):
    """A step failed; the message says what to do about it."""


@dataclass(frozen=True)
class PinnedPdf:
    package: str
    version: str
    deb_filename: str
    deb_sha256: str
    path: str
    pdf_sha256: str
    output: str
    pages: int

    @property
    def spec(self) -> str:
        return f"{self.package}={self.version}"


def load_manifest(path: Path) -> list[PinnedPdf]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise FetchError(f"cannot read manifest {path}: {exc}") from exc
    pins: list[PinnedPdf] = []
    fields = PinnedPdf.__dataclass_fields__
    for n, entry in enumerate(raw.get("documents", []), start=1):
        missing = [k for k in fields if k not in entry]
        if missing:
            raise FetchError(f"{path}: document {n} lacks {', '.join(missing)}")
        pins.append(PinnedPdf(**{k: entry[k] for k in fields}))
    if not pins:
        raise FetchError(f"{path}: no documents listed")
    outputs = [p.output for p in pins]
    if len(set(outputs)) != len(outputs):
        raise FetchError(f"{path}: two documents share an output file name")
    by_package: dict[str, tuple[str, str]] = {}
    for p in pins:
        seen = by_package.setdefault(p.package, (p.version, p.deb_sha256))
        if seen != (p.version, p.deb_sha256):
            raise FetchError(f"{path}: {p.package} is pinned to two versions or hashes")
    return pins


def _deb_candidates(cache: Path, pin: PinnedPdf) -> list[Path]:
    # apt-get download names files <package>_<version>_<arch>.deb, with ':' (epoch) as %3a.
    version = quote(pin.version, safe="+~.-")
    return sorted(cache.glob(f"{pin.package}_{version}_*.deb"))


def _apt_advice(pin: PinnedPdf, stderr: str) -> str:
    text = stderr.lower()
    repin = (
        f"If `apt-cache policy {pin.package}` shows another candidate version, the pin "
        "was superseded (Debian mirrors keep only the current version): re-pin it as the "
        "docstring of scripts/fetch_real_corpus.py explains, and re-validate "
        "eval/golden/real.jsonl, or fetch the pinned .deb from snapshot.debian.org "
        f"({pin.deb_filename}) into the cache folder."
    )
    if "unable to locate package" in text:
        return (
            f"apt does not know {pin.package}, even after `apt-get update` (which needs "
            "root): check that the apt sources include Debian bookworm main."
        )
    if "was not found" in text or "can't select" in text or "no candidate" in text:
        return f"apt knows {pin.package} but not version {pin.version}. {repin}"
    if "failed to fetch" in text or "could not resolve" in text or "temporary failure" in text:
        return (
            "apt could not reach the mirror: check the network or proxy, then retry. "
            "If the error is a 404, run `apt-get update` first; if it persists, " + repin
        )
    return f"Try `apt-get update` and run again. {repin}"


def _lists_missing(apt_output: str) -> bool:
    """apt knows no such package: the package lists are missing (or lack the suite)."""
    return "unable to locate package" in apt_output.lower()


def _apt_get(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    # apt drops to the _apt user to download; it cannot write to a root-owned cache folder
    # and says so in a warning. Downloading as the calling user is what we want here.
    sandbox = ["-o", "APT::Sandbox::User=root"] if os.geteuid() == 0 else []
    cmd = ["apt-get", "-q", *sandbox, *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


_apt_updated = False  # `apt-get update` runs at most once per process


def _apt_download(pin: PinnedPdf, cache: Path) -> subprocess.CompletedProcess[str]:
    """`apt-get download`, after one `apt-get update` if the package lists are missing."""
    global _apt_updated
    print(f"  apt-get download {pin.spec}")
    proc = _apt_get(["download", pin.spec], cwd=cache)
    if proc.returncode == 0 or _apt_updated or not _lists_missing(proc.stderr + proc.stdout):
        return proc
    _apt_updated = True
    print("  apt does not know the package: apt-get update (once), then again")
    update = _apt_get(["update"])
    if update.returncode != 0:
        detail = (update.stderr.strip() or update.stdout.strip()).splitlines()
        print(f"  apt-get update failed: {detail[-1] if detail else update.returncode}")
        return proc
    print(f"  apt-get download {pin.spec}")
    return _apt_get(["download", pin.spec], cwd=cache)


def ensure_deb(pin: PinnedPdf, cache: Path) -> Path:
    """The pinned .deb in the cache, downloaded and verified if needed."""
    for cand in _deb_candidates(cache, pin):
        if file_sha256(cand) == pin.deb_sha256:
            return cand
        print(f"  {cand.name}: sha256 differs from the pin; downloading it again")
        cand.unlink()
    if shutil.which("apt-get") is None:
        raise FetchError(
            f"{pin.spec}: not in {cache} and apt-get is not available. Run this on a "
            "Debian-family system, or put the pinned .deb in the cache folder "
            f"(snapshot.debian.org: {pin.deb_filename})."
        )
    cache.mkdir(parents=True, exist_ok=True)
    proc = _apt_download(pin, cache)
    if proc.returncode != 0:
        detail = proc.stderr.strip() or proc.stdout.strip()
        raise FetchError(
            f"`apt-get download {pin.spec}` failed:\n    {detail}\n  {_apt_advice(pin, detail)}"
        )
    found = _deb_candidates(cache, pin)
    if not found:
        raise FetchError(f"apt-get reported success but no {pin.package} .deb is in {cache}")
    deb = found[0]
    got = file_sha256(deb)
    if got != pin.deb_sha256:
        raise FetchError(
            f"{deb.name}: sha256 {got} but the manifest pins {pin.deb_sha256}. The mirror "
            "serves a different build under the pinned version (a rebuilt or tampered "
            "package, or a wrong pin). Do not use it: check `apt-cache show "
            f"{pin.package}` (its SHA256 line), and re-pin and re-validate only if the "
            "package changed legitimately."
        )
    return deb


def extract_member(deb: Path, member_path: str) -> bytes:
    """One regular file from the package's data archive (dpkg-deb --fsys-tarfile)."""
    if shutil.which("dpkg-deb") is None:
        raise FetchError("dpkg-deb is not available: run this on a Debian-family system")
    bare = member_path.removeprefix("./").lstrip("/")
    wanted = {bare, "./" + bare}
    with subprocess.Popen(
        ["dpkg-deb", "--fsys-tarfile", str(deb)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None
        data: bytes | None = None
        kind = ""
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for info in tar:
                if info.name not in wanted:
                    continue
                if not info.isfile():
                    kind = "a link or special file"
                    continue
                fh = tar.extractfile(info)
                if fh is not None:
                    data = fh.read()
                break
        proc.stdout.read()  # drain, so dpkg-deb exits cleanly
        stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0 and data is None:
        raise FetchError(f"dpkg-deb --fsys-tarfile {deb.name} failed: {stderr.strip()}")
    if data is None:
        what = f"is {kind}" if kind else "is not in the package"
        raise FetchError(
            f"{member_path} {what} ({deb.name}); the manifest's path is wrong "
            "for this version (list the files with `dpkg-deb -c`)"
        )
    return data


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            os.fchmod(fh.fileno(), 0o644)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fetch(pins: list[PinnedPdf], out: Path, cache: Path) -> tuple[int, list[str]]:
    """(number of PDFs written, errors). PDFs already present and verified are skipped."""
    written = 0
    errors: list[str] = []
    debs: dict[str, Path] = {}
    for pin in pins:
        target = out / pin.output
        if target.is_file():
            if file_sha256(target) == pin.pdf_sha256:
                continue
            print(f"{pin.output}: present but its sha256 differs from the pin; replacing it")
        print(f"{pin.output}: from {pin.spec}, {pin.path}")
        try:
            deb = debs.get(pin.package) or ensure_deb(pin, cache)
            debs[pin.package] = deb
            data = extract_member(deb, pin.path)
            if pin.path.endswith(".gz"):
                data = gzip.decompress(data)
            got = hashlib.sha256(data).hexdigest()
            if got != pin.pdf_sha256:
                raise FetchError(
                    f"{pin.output}: extracted PDF has sha256 {got}, the manifest pins "
                    f"{pin.pdf_sha256}, although the .deb matched its pin: the manifest "
                    "is inconsistent; fix the pdf_sha256 and re-validate the golden set"
                )
            write_atomic(target, data)
            written += 1
            print(f"  wrote {target} ({len(data):,} bytes, {pin.pages} pages, sha256 ok)")
        except FetchError as exc:
            errors.append(str(exc))
            print(f"  error: {exc}", file=sys.stderr)
    return written, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Download the pinned Debian doc packages and extract the real-corpus PDFs.",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PDFs")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="folder for .debs")
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help="the pins (JSON)")
    args = parser.parse_args(argv)
    try:
        pins = load_manifest(args.manifest)
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    written, errors = fetch(pins, args.out.resolve(), args.cache.resolve())
    if errors:
        print(f"{len(errors)} of {len(pins)} PDFs could not be fetched", file=sys.stderr)
        return 1
    if written == 0:
        print(f"All {len(pins)} PDFs already in {args.out}, sha256 verified: nothing to do.")
    else:
        print(f"Wrote {written} PDF(s); all {len(pins)} in {args.out} match their pins.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
