"""Reader and validator of the Sensorium 2023 on-disk format (see the format notes in the README).

    <root>/<mouse>/data/{videos,responses,behavior,pupil_center}/<trial>.npy
    <root>/<mouse>/meta/trials/tiers.npy, meta/neurons/{unit_ids,cell_motor_coordinates}.npy,
    <root>/<mouse>/meta/statistics/<kind>/all/{min,max,mean,median,std}.npy  (any shape statistics.py reads)

A dataset is checked up front: every problem stops with a `DataError` whose message names the file
and what is wrong with it (missing, unreadable, wrong shape or dtype, arrays of one trial with different
lengths, NaN inside a trial). Arrays are opened memory-mapped, so the check reads file headers, the
first row of each array (for the trial length) and, for labelled trials, the video (for its hash).
"""
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import constants
from .phash import length_without_nan, video_phash
from .statistics import MouseStatistics, StatisticsError, read as read_statistics

KNOWN_TIERS = ("train", "oracle", "live_test_main", "live_test_bonus", "final_test_main",
               "final_test_bonus", "none")
LABELLED_TIERS = ("train", "oracle")
TEST_TIERS = ("live_test_main", "live_test_bonus", "final_test_main", "final_test_bonus")
MIN_TRIAL_FRAMES = 5  # the video hash takes 5 frames; training windows need more (checked there)


class DataError(ValueError):
    """A dataset problem; the message starts with the file it concerns."""


def load_npy(path: Path, mmap: bool = True) -> np.ndarray:
    """np.load that turns every failure into a DataError naming the file."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        return np.load(str(path), mmap_mode="r" if mmap else None, allow_pickle=False)
    except Exception as error:  # numpy raises ValueError, OSError, EOFError... for broken files
        raise DataError(f"{path}: not a readable .npy file ({error})") from error


def _check_numeric(path: Path, array: np.ndarray) -> None:
    if array.dtype.kind not in "fiu":
        raise DataError(f"{path}: dtype {array.dtype} is not numeric")


def _check_finite(path: Path, array: np.ndarray, length: int) -> None:
    """No NaN or Inf inside the first `length` frames (time is the last axis)."""
    valid = np.asarray(array[..., :length])
    if valid.dtype.kind == "f":
        bad = ~np.isfinite(valid.reshape(-1, length)).all(axis=0)
        if bad.any():
            raise DataError(f"{path}: NaN or Inf inside the trial at frame {int(np.flatnonzero(bad)[0])} "
                            f"(the trial has {length} frames before its NaN padding)")


@dataclass
class Trial:
    mouse: str
    trial_id: int
    tier: str
    length: int
    labelled: bool
    video_path: Path
    behavior_path: Path
    pupil_center_path: Path
    response_path: Optional[Path]
    video_hash: Optional[int] = None
    fold: Optional[int] = None


@dataclass
class Mouse:
    id: str
    folder: Path
    num_neurons: int
    unit_ids: np.ndarray
    cell_motor_coordinates: np.ndarray
    padded_length: int
    frame_shape: Tuple[int, int]
    trials: List[Trial]
    statistics: MouseStatistics = field(default_factory=MouseStatistics)

    def trials_where(self, folds: Optional[Sequence[int]] = None,
                     tiers: Optional[Sequence[str]] = None) -> List[Trial]:
        result = []
        for trial in self.trials:
            if folds is not None and (trial.fold is None or trial.fold not in folds):
                continue
            if tiers is not None and trial.tier not in tiers:
                continue
            result.append(trial)
        return result

    def metadata(self) -> Dict[str, object]:
        """What checkpoints (and so exported manifests) record about this mouse: ids and the statistics
        (one value per neuron or row, the video mean, the shapes found, a per-frame response std)."""
        entry: Dict[str, object] = {"id": self.id, "unit_ids": [int(u) for u in self.unit_ids]}
        entry.update(self.statistics.mouse_entry())
        return entry


def read_tiers(path: Path) -> List[str]:
    tiers = load_npy(path, mmap=False)
    if tiers.ndim != 1:
        raise DataError(f"{path}: expected a 1-D array of tier names, got shape {tiers.shape}")
    if tiers.dtype.kind == "S":
        values = [t.decode() for t in tiers.tolist()]
    elif tiers.dtype.kind == "U":
        values = [str(t) for t in tiers.tolist()]
    else:
        raise DataError(f"{path}: expected unicode tier names ('<U16'), got dtype {tiers.dtype}")
    unknown = sorted(set(values) - set(KNOWN_TIERS))
    if unknown:
        raise DataError(f"{path}: unknown tier names {unknown}; known: {list(KNOWN_TIERS)}")
    return values


def _test_trial_labelled(mouse_id: str, path: Path, length: int, cache: Optional["HashCache"] = None) -> bool:
    """Whether a test-tier trial has responses. The new Sensorium mice never do (their test responses
    are zeros); for the other mice, responses that are all zero count as unlabelled."""
    if mouse_id in constants.NEW_MICE or not path.is_file():
        return False
    cached = cache.get(path) if cache is not None else None
    if cached is None:
        responses = load_npy(path)
        cached = int(bool(np.any(np.asarray(responses[..., :length]) != 0)))
        if cache is not None:
            cache.put(path, cached)
    return bool(cached)


class HashCache:
    """Per-file values (video hashes; whether test responses are labelled) keyed by path, size and
    modification time, kept in a JSON file between runs."""

    def __init__(self, path: Optional[Path]):
        self.path = path
        self.entries: Dict[str, List[int]] = {}
        if path is not None and path.is_file():
            try:
                self.entries = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                self.entries = {}
        self.dirty = False

    @staticmethod
    def _key(path: Path) -> Tuple[str, List[int]]:
        stat = path.stat()
        return str(path.resolve()), [stat.st_size, stat.st_mtime_ns]

    def get(self, path: Path) -> Optional[int]:
        key, signature = self._key(path)
        entry = self.entries.get(key)
        if entry is not None and entry[:2] == signature:
            return int(entry[2])
        return None

    def put(self, path: Path, value: int) -> None:
        key, signature = self._key(path)
        self.entries[key] = signature + [int(value)]
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        tmp = self.path.with_name(f".{self.path.name}.tmp{os.getpid()}")
        tmp.write_text(json.dumps(self.entries))
        os.replace(tmp, self.path)
        self.dirty = False


def read_mouse(folder: Path, full: bool = False, hash_cache: Optional[HashCache] = None) -> Mouse:
    """Read and check one mouse folder. `full` also checks every response value (slow on real data)."""
    mouse_id = folder.name
    if not folder.is_dir():
        raise DataError(f"{folder}: mouse folder not found")
    tiers = read_tiers(folder / "meta" / "trials" / "tiers.npy")

    unit_path = folder / "meta" / "neurons" / "unit_ids.npy"
    unit_ids = load_npy(unit_path, mmap=False)
    if unit_ids.ndim != 1 or unit_ids.dtype.kind not in "iu" or unit_ids.size == 0:
        raise DataError(f"{unit_path}: expected a non-empty 1-D integer array, got {unit_ids.dtype} "
                        f"{unit_ids.shape}")
    if np.unique(unit_ids).size != unit_ids.size:
        raise DataError(f"{unit_path}: unit ids are not unique")
    num_neurons = int(unit_ids.shape[0])
    coord_path = folder / "meta" / "neurons" / "cell_motor_coordinates.npy"
    coordinates = load_npy(coord_path, mmap=False)
    if coordinates.shape != (num_neurons, 3):
        raise DataError(f"{coord_path}: expected shape ({num_neurons}, 3) to match unit_ids.npy, "
                        f"got {coordinates.shape}")

    # The mouse's video shape (frame size, padded length) is the one most of its videos have, so that
    # the message names the odd file out.
    videos: Dict[int, np.ndarray] = {}
    for trial_id, tier in enumerate(tiers):
        if tier != "none":
            path = folder / "data" / "videos" / f"{trial_id}.npy"
            video = load_npy(path)
            _check_numeric(path, video)
            if video.ndim != 3:
                raise DataError(f"{path}: expected (height, width, frames), got shape {video.shape}")
            videos[trial_id] = video
    if not videos:
        raise DataError(f"{folder / 'meta' / 'trials' / 'tiers.npy'}: no trials (every tier is 'none')")
    shapes = [v.shape for v in videos.values()]
    common = max(set(shapes), key=shapes.count)
    frame_shape: Tuple[int, int] = (int(common[0]), int(common[1]))
    padded_length = int(common[2])
    try:
        statistics = read_statistics(folder, num_neurons, frame_shape, lambda path: load_npy(path, mmap=False))
    except StatisticsError as error:
        raise DataError(str(error)) from error
    trials: List[Trial] = []
    for trial_id, tier in enumerate(tiers):
        if tier == "none":
            continue
        paths = {kind: folder / "data" / kind / f"{trial_id}.npy"
                 for kind in ("videos", "behavior", "pupil_center", "responses")}
        video = videos[trial_id]
        if video.shape != (frame_shape[0], frame_shape[1], padded_length):
            raise DataError(f"{paths['videos']}: shape {video.shape} differs from the mouse's "
                            f"({frame_shape[0]}, {frame_shape[1]}, {padded_length})")
        lengths = {"videos": length_without_nan(np.asarray(video[0, 0], dtype=np.float64))}
        arrays = {}
        for kind, rows in (("behavior", 2), ("pupil_center", 2), ("responses", num_neurons)):
            if kind == "responses" and tier not in LABELLED_TIERS and not paths[kind].is_file():
                continue  # unlabelled trials may come without responses
            array = load_npy(paths[kind])
            _check_numeric(paths[kind], array)
            if array.shape != (rows, padded_length):
                raise DataError(f"{paths[kind]}: expected shape ({rows}, {padded_length}) "
                                f"(rows x the mouse's padded frames), got {array.shape}")
            arrays[kind] = array
            lengths[kind] = length_without_nan(np.asarray(array[0], dtype=np.float64))
        length = lengths["behavior"]  # the original takes the length from behavior row 0
        for kind, other in lengths.items():
            if kind == "responses" and tier not in LABELLED_TIERS:
                continue  # unlabelled responses may be zeros without NaN padding
            if other != length:
                raise DataError(f"{paths[kind]}: {other} frames before the NaN padding, but "
                                f"{paths['behavior']} has {length}: the arrays of trial {trial_id} "
                                f"do not line up")
        if length < MIN_TRIAL_FRAMES:
            raise DataError(f"{paths['behavior']}: trial {trial_id} has {length} valid frames "
                            f"(at least {MIN_TRIAL_FRAMES} are needed)")
        for kind in ("behavior", "pupil_center"):
            _check_finite(paths[kind], arrays[kind], length)
        if tier in LABELLED_TIERS:
            labelled = True
        elif tier in TEST_TIERS:
            labelled = _test_trial_labelled(mouse_id, paths["responses"], length, hash_cache)
            if labelled and lengths["responses"] != length:  # fetched test-tier responses train like any
                raise DataError(f"{paths['responses']}: {lengths['responses']} frames before the NaN padding, but "
                                f"{paths['behavior']} has {length}: the arrays of trial {trial_id} do not line up")
        else:
            labelled = False
        trial = Trial(mouse=mouse_id, trial_id=trial_id, tier=tier, length=length, labelled=labelled,
                      video_path=paths["videos"], behavior_path=paths["behavior"],
                      pupil_center_path=paths["pupil_center"],
                      response_path=paths["responses"] if labelled else None)
        if labelled:
            cached = hash_cache.get(paths["videos"]) if hash_cache is not None else None
            if cached is None:
                full_video = np.asarray(video, dtype=np.float32)
                _check_finite(paths["videos"], full_video, length)
                cached = video_phash(full_video)
                if hash_cache is not None:
                    hash_cache.put(paths["videos"], cached)
            trial.video_hash = cached
            if full:
                _check_finite(paths["responses"], arrays["responses"], length)
        elif full:
            _check_finite(paths["videos"], video, length)
        trials.append(trial)
    return Mouse(id=mouse_id, folder=folder, num_neurons=num_neurons, unit_ids=unit_ids,
                 cell_motor_coordinates=coordinates, padded_length=padded_length,
                 frame_shape=frame_shape, trials=trials, statistics=statistics)


def find_mice(data_dir: Path) -> List[str]:
    """Mouse folders of a dataset: the ten Sensorium mice in the original order when they are all
    there, otherwise every folder with meta/trials/tiers.npy in name order."""
    if not data_dir.is_dir():
        raise DataError(f"{data_dir}: data folder not found")
    found = sorted(p.name for p in data_dir.iterdir()
                   if (p / "meta" / "trials" / "tiers.npy").is_file())
    if not found:
        raise DataError(f"{data_dir}: no mouse folders (<mouse>/meta/trials/tiers.npy) in the data folder")
    if set(found) == set(constants.SENSORIUM_MICE):
        return list(constants.SENSORIUM_MICE)
    return found


def read_dataset(data_dir: Path, mice: Optional[Sequence[str]] = None, full: bool = False,
                 hash_cache_path: Optional[Path] = None,
                 log: Callable[[str], None] = print) -> List[Mouse]:
    """Every mouse of `data_dir` (or the `mice` named, in that order), read and checked."""
    names = list(mice) if mice else find_mice(data_dir)
    cache = HashCache(hash_cache_path)
    result = []
    for name in names:
        mouse = read_mouse(data_dir / name, full=full, hash_cache=cache)
        labelled = sum(t.labelled for t in mouse.trials)
        log(f"{name}: {mouse.num_neurons} neurons, {len(mouse.trials)} trials ({labelled} labelled), "
            f"padded to {mouse.padded_length} frames")
        result.append(mouse)
        cache.save()
    return result


def training_report(mouse: Mouse) -> str:
    """One line for check-data: the trials training uses, by tier, and whether the test-tier responses of
    an old Sensorium mouse (which the original trains on) are there."""
    used = {tier: sum(1 for t in mouse.trials if t.labelled and t.tier == tier) for tier in KNOWN_TIERS}
    tests = {tier: sum(1 for t in mouse.trials if t.tier == tier) for tier in TEST_TIERS}
    line = (f"{mouse.id}: training uses {sum(used.values())} trials ("
            + ", ".join(f"{tier} {n}" for tier, n in used.items() if n) + ")")
    labelled, total = sum(used[t] for t in TEST_TIERS), sum(tests.values())
    if mouse.id in constants.NEW_MICE:
        return line + "; its test tiers are unlabelled, as in the competition"
    if mouse.id in constants.OLD_MICE and labelled < total:
        missing = ", ".join(f"{t} {tests[t] - used[t]}" for t in TEST_TIERS if tests[t] > used[t])
        return (line + f"; test-tier responses MISSING for {total - labelled} of {total} trials ({missing}): the "
                f"original trains on every tier of this mouse, and its folds differ without them. `trainer download "
                f"--out DATA_DIR` fetches them from the deeplake hub when deeplake 3 is installed "
                f"(`pip install 'deeplake<4'`)")
    if mouse.id in constants.OLD_MICE:
        return line + f"; test-tier responses present for all {total} test trials (every tier, as the original)"
    return line + (f"; {labelled} of {total} test-tier trials have responses" if total else "")


class TrialReader:
    """Reads frame windows of trials through memory maps (a small cache of open maps per process)."""

    def __init__(self, max_open: int = 64):
        self.max_open = max_open
        self._open: Dict[Path, np.ndarray] = {}

    def array(self, path: Path) -> np.ndarray:
        array = self._open.get(path)
        if array is None:
            if len(self._open) >= self.max_open:
                self._open.pop(next(iter(self._open)))
            array = load_npy(path)
            self._open[path] = array
        return array

    def window(self, trial: Trial, indexes: Sequence[int], with_responses: bool = True):
        """(H, W, k) video, (2, k) behavior, (2, k) pupil center and (N, k) responses (or None)."""
        parts = []
        paths = [trial.video_path, trial.behavior_path, trial.pupil_center_path]
        if with_responses and trial.response_path is not None:
            paths.append(trial.response_path)
        for path in paths:
            values = np.asarray(self.array(path)[..., indexes], dtype=np.float32)
            if not np.isfinite(values).all():
                raise DataError(f"{path}: NaN or Inf inside trial {trial.trial_id} among frames "
                                f"{indexes[0]}..{indexes[-1]} (its length is {trial.length})")
            parts.append(values)
        if len(parts) == 3:
            parts.append(None)
        return tuple(parts)
