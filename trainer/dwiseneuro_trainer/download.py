"""Download the Sensorium 2023 data from the URLs the original solution uses (one zip per mouse on GIN).

Resumable: a partial download is kept as `<mouse>.zip.part` and continued with an HTTP Range request;
a mouse whose folder is already there is skipped; a zip is unpacked into a temporary folder and moved
into place only when complete, so an interrupted run never leaves a half mouse folder behind.

The GIN zips of the five old mice carry no responses for their four test tiers; the original solution
fetches them from the deeplake hub (`deeplake.load(f"hub://sinzlab/Sensorium_2023_{mouse}_{split}")`,
fields `id` and `responses`, saved over `data/responses/{id}.npy`) and trains on every tier of those
mice. So does `download` when the `deeplake` package (version 3, as the original's 3.8.6) can be
imported; otherwise it says which responses are missing and how to get them. What was fetched is
recorded in `<mouse>/meta/trials/test_responses.json`, so a second run does not fetch it again.
"""
import json
import os
import shutil
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
from tqdm import tqdm

from . import constants

URL_FORMATS = {
    "new": "https://gin.g-node.org/pollytur/sensorium_2023_dataset/raw/master/{file_name}",
    "old": "https://gin.g-node.org/pollytur/Sensorium2023Data/raw/master/{file_name}",
}
CHUNK = 1 << 20
HUB_FORMAT = "hub://sinzlab/Sensorium_2023_{mouse}_{split}"
TEST_TIERS = ("live_test_main", "live_test_bonus", "final_test_main", "final_test_bonus")  # the original's
TEST_RESPONSES_RECORD = Path("meta") / "trials" / "test_responses.json"
DEEPLAKE_HOWTO = ("install deeplake 3 into the trainer's Python (`pip install 'deeplake<4'`; the original "
                  "used deeplake==3.8.6) and run `trainer download --out DATA_DIR` again: it fetches only "
                  "these responses")


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


def _import_deeplake():
    """The deeplake module with v3's `load`, or the reason why not (a string)."""
    try:
        import deeplake  # noqa: the optional dependency of the original's download script
    except Exception as error:  # ImportError, or a broken installation
        return f"`import deeplake` failed ({type(error).__name__}: {error})"
    if not callable(getattr(deeplake, "load", None)):
        return (f"deeplake {getattr(deeplake, '__version__', '?')} has no deeplake.load (the hub:// datasets of "
                f"the original are read with the deeplake 3 API)")
    return deeplake


def test_responses_record(mouse_dir: Path) -> Optional[Dict[str, object]]:
    """What `fetch_test_responses` recorded for a mouse folder, or None."""
    path = mouse_dir / TEST_RESPONSES_RECORD
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def _save_atomic(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as f:
        np.save(f, array)
    os.replace(tmp, path)


def fetch_test_responses(mouse_dir: Path, deeplake, log: Callable[[str], None] = print) -> Dict[str, int]:
    """The original's step: for each test tier, the hub dataset's `id` and `responses` of this mouse, saved
    over data/responses/<id>.npy (NaN-padded to the mouse's padded length when shorter, as the GIN
    arrays are). Checks that every id is a trial of that tier, so nothing else is overwritten."""
    mouse = mouse_dir.name
    tiers = np.load(mouse_dir / "meta" / "trials" / "tiers.npy")
    neurons = int(np.load(mouse_dir / "meta" / "neurons" / "unit_ids.npy").shape[0])
    counts: Dict[str, int] = {}
    for split in TEST_TIERS:
        source = HUB_FORMAT.format(mouse=mouse, split=split)
        log(f"fetching the {split} responses of {mouse} from {source}")
        try:
            hub = deeplake.load(source)
            ids = np.asarray(hub.id.numpy()).astype(int).ravel().tolist()
        except Exception as error:  # the hub's own errors (network, authentication, missing dataset)
            raise DownloadError(f"{source}: {type(error).__name__}: {error}; run again to retry") from error
        wrong = [i for i in ids if not 0 <= i < len(tiers) or tiers[i] != split]
        if wrong:
            raise DownloadError(f"{source}: trial ids {wrong[:5]} are not {split} trials of "
                                f"{mouse_dir / 'meta' / 'trials' / 'tiers.npy'}; nothing of this tier was saved")
        for index, trial_id in enumerate(ids):
            target = mouse_dir / "data" / "responses" / f"{trial_id}.npy"
            padded = np.load(mouse_dir / "data" / "behavior" / f"{trial_id}.npy", mmap_mode="r").shape[-1]
            responses = np.asarray(hub.responses[index].numpy())
            if responses.ndim != 2 or responses.shape[0] != neurons or responses.shape[1] > padded:
                raise DownloadError(f"{source}: responses of trial {trial_id} have shape {responses.shape}, "
                                    f"expected ({neurons}, up to {padded} frames)")
            if responses.shape[1] < padded:
                filled = np.full((neurons, padded), np.nan, dtype=np.result_type(responses.dtype, np.float32))
                filled[:, :responses.shape[1]] = responses
                responses = filled
            _save_atomic(target, responses)
        counts[split] = len(ids)
    record = {"source": HUB_FORMAT.replace("{mouse}", mouse), "trials": counts}
    (mouse_dir / TEST_RESPONSES_RECORD).write_text(json.dumps(record, indent=1) + "\n")
    return counts


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
    missing = [m for m in result if m in constants.OLD_MICE and test_responses_record(out_dir / m) is None]
    if missing:
        deeplake = _import_deeplake()
        if isinstance(deeplake, str):
            log(f"note: the responses of the test tiers ({', '.join(TEST_TIERS)}) of {len(missing)} mice are not "
                f"in their GIN zips: {', '.join(missing)}. The original fetches them from the deeplake hub "
                f"({HUB_FORMAT}) and trains on every tier of these mice; {deeplake}. To get them, "
                f"{DEEPLAKE_HOWTO}. Without them training uses their train and oracle tiers only, and the folds "
                f"differ from the original's (`trainer check-data` reports it per mouse).")
        else:
            for mouse in missing:
                counts = fetch_test_responses(out_dir / mouse, deeplake, log=log)
                log(f"{out_dir / mouse}: test-tier responses saved ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    return result
