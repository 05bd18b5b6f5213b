"""Download the Sensorium 2023 data from the URLs the original solution uses (one zip per mouse on GIN).

Resumable: a partial download is kept as `<mouse>.zip.part` and continued with an HTTP Range request;
a mouse whose folder is already there is skipped; a zip is unpacked into a temporary folder and moved
into place only when complete, so an interrupted run never leaves a half mouse folder behind.

Not reproduced: the original additionally fetches the test-tier responses of the five old mice from
deeplake (hub://sinzlab/Sensorium_2023_<mouse>_<split>). Without them those trials read as unlabelled
(all-zero responses) and training uses the train and oracle tiers of every mouse.
"""
import os
import shutil
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from tqdm import tqdm

from . import constants

URL_FORMATS = {
    "new": "https://gin.g-node.org/pollytur/sensorium_2023_dataset/raw/master/{file_name}",
    "old": "https://gin.g-node.org/pollytur/Sensorium2023Data/raw/master/{file_name}",
}
CHUNK = 1 << 20


class DownloadError(ValueError):
    """A download or an archive that failed; the message names the URL or file."""


def url_of(mouse: str, base_url: Optional[str] = None) -> str:
    file_name = f"{mouse}.zip"
    if base_url:
        return base_url.rstrip("/") + "/" + file_name
    dataset = "new" if mouse in constants.NEW_MICE else "old"
    return URL_FORMATS[dataset].format(file_name=file_name)


def fetch(url: str, target: Path, progress: bool = True, timeout: float = 60.0) -> None:
    """Download `url` to `target`, continuing `target.part` if a previous run left one."""
    part = target.with_name(target.name + ".part")
    offset = part.stat().st_size if part.is_file() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:  # the part file is already complete
            os.replace(part, target)
            return
        raise DownloadError(f"{url}: HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError) as error:
        raise DownloadError(f"{url}: {error}") from error
    with response:
        if offset and response.status != 206:
            offset = 0  # the server ignored the range: start again
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        mode = "ab" if offset else "wb"
        with part.open(mode) as out, tqdm(total=total, initial=offset, unit="B", unit_scale=True,
                                          unit_divisor=1024, desc=target.name, disable=not progress,
                                          leave=False) as bar:
            try:
                while True:
                    block = response.read(CHUNK)
                    if not block:
                        break
                    out.write(block)
                    bar.update(len(block))
            except OSError as error:
                raise DownloadError(f"{url}: connection lost after {out.tell()} bytes ({error}); "
                                    f"run again to resume") from error
    size = part.stat().st_size
    if total is not None and size != total:
        raise DownloadError(f"{url}: got {size} of {total} bytes; run again to resume")
    os.replace(part, target)


def _safe_members(archive: zipfile.ZipFile, zip_path: Path) -> List[zipfile.ZipInfo]:
    members = []
    for info in archive.infolist():
        name = info.filename
        if name.startswith("/") or ".." in Path(name).parts:
            raise DownloadError(f"{zip_path}: unsafe path in the archive: {name}")
        if name.startswith("__MACOSX"):
            continue
        members.append(info)
    return members


def unpack(zip_path: Path, mouse: str, out_dir: Path) -> Path:
    """Extract the `<mouse>/` folder of a zip into `out_dir` through a temporary folder."""
    tmp = out_dir / f".extract-{mouse}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(tmp, members=_safe_members(archive, zip_path))
    except zipfile.BadZipFile as error:
        zip_path.unlink(missing_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        raise DownloadError(f"{zip_path}: not a valid zip ({error}); it was deleted, run again") from error
    source = tmp / mouse
    if not (source / "meta").is_dir():
        shutil.rmtree(tmp, ignore_errors=True)
        raise DownloadError(f"{zip_path}: no '{mouse}/meta' folder in the archive")
    target = out_dir / mouse
    os.replace(source, target)
    shutil.rmtree(tmp, ignore_errors=True)
    return target


def download(out_dir: Path, mice: Optional[Sequence[str]] = None, base_url: Optional[str] = None,
             keep_zip: bool = False, progress: bool = True,
             log: Callable[[str], None] = print) -> Dict[str, str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {}
    for mouse in (list(mice) if mice else constants.SENSORIUM_MICE):
        target = out_dir / mouse
        if (target / "meta" / "trials" / "tiers.npy").is_file():
            log(f"{target}: already there, skipped")
            result[mouse] = "skipped"
            continue
        zip_path = out_dir / f"{mouse}.zip"
        if not zip_path.is_file():
            url = url_of(mouse, base_url)
            log(f"downloading {url}")
            fetch(url, zip_path, progress=progress)
        log(f"unpacking {zip_path}")
        unpack(zip_path, mouse, out_dir)
        if not keep_zip:
            zip_path.unlink()
        result[mouse] = "downloaded"
    if not base_url and any(m in constants.OLD_MICE for m in result):
        log("note: the test-tier responses of the five old mice (deeplake hub://sinzlab/...) are not "
            "fetched; those trials are treated as unlabelled")
    return result
