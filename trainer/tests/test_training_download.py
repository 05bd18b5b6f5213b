"""`trainer download` against a local HTTP server (with Range support) serving a synthetic mouse zip, and
the old mice's test-tier responses from a stand-in for the deeplake hub (unreachable here)."""
import functools
import http.server
import io
import sys
import threading
import types
import zipfile

import numpy as np
import pytest

from dwiseneuro_trainer import constants, data, download, folds, phash, synth
from training_support import run_trainer

MOUSE = constants.NEW_MICE[0]


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    requests = []

    def log_message(self, *args):
        pass

    def send_head(self):
        requested = self.headers.get("Range")
        RangeHandler.requests.append((self.path, requested))
        if not requested:
            return super().send_head()
        try:
            body = open(self.translate_path(self.path), "rb").read()
        except OSError:
            self.send_error(404)
            return None
        start = int(requested.split("=", 1)[1].split("-", 1)[0])
        if start >= len(body):
            self.send_error(416)
            return None
        self.send_response(206)
        self.send_header("Content-Length", str(len(body) - start))
        self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        return io.BytesIO(body[start:])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    source = tmp_path_factory.mktemp("source")
    synth.generate(source, mice=1, neurons=[6], trials=[8], frames=40, mouse_ids=[MOUSE], seed=2,
                   log=lambda m: None)
    with zipfile.ZipFile(root / f"{MOUSE}.zip", "w") as archive:
        for path in sorted((source / MOUSE).rglob("*")):
            archive.write(path, path.relative_to(source))
        archive.writestr(f"__MACOSX/{MOUSE}/._tiers.npy", b"resource fork")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(RangeHandler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{httpd.server_address[1]}/data", "zip": root / f"{MOUSE}.zip",
           "root": root}
    httpd.shutdown()


def test_urls_are_the_originals():
    assert download.url_of(constants.NEW_MICE[2]) == (
        f"https://gin.g-node.org/pollytur/sensorium_2023_dataset/raw/master/{constants.NEW_MICE[2]}.zip")
    assert download.url_of(constants.OLD_MICE[0]) == (
        f"https://gin.g-node.org/pollytur/Sensorium2023Data/raw/master/{constants.OLD_MICE[0]}.zip")
    assert download.url_of(MOUSE, "http://mirror/x/") == f"http://mirror/x/{MOUSE}.zip"


def test_download_unpacks_checks_and_skips(server, tmp_path):
    (server["root"] / "data").mkdir(exist_ok=True)
    (server["root"] / "data" / f"{MOUSE}.zip").write_bytes(server["zip"].read_bytes())
    out = tmp_path / "sensorium"
    result = run_trainer("download", "--out", out, "--mice", MOUSE, "--base-url", server["url"], "--no-progress")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [MOUSE]  # no zip, no __MACOSX, no temporary folder
    mice = data.read_dataset(out, log=lambda m: None)
    assert mice[0].id == MOUSE and mice[0].num_neurons == 6
    RangeHandler.requests.clear()
    again = run_trainer("download", "--out", out, "--mice", MOUSE, "--base-url", server["url"], "--no-progress")
    assert again.returncode == 0 and "already there, skipped" in again.stdout
    assert RangeHandler.requests == []


def test_partial_download_is_resumed_with_a_range_request(server, tmp_path):
    (server["root"] / "data").mkdir(exist_ok=True)
    body = server["zip"].read_bytes()
    (server["root"] / "data" / f"{MOUSE}.zip").write_bytes(body)
    out = tmp_path / "sensorium"
    out.mkdir()
    (out / f"{MOUSE}.zip.part").write_bytes(body[:1000])
    RangeHandler.requests.clear()
    download.download(out, mice=[MOUSE], base_url=server["url"], progress=False, log=lambda m: None)
    assert RangeHandler.requests == [(f"/data/{MOUSE}.zip", "bytes=1000-")]
    assert data.read_dataset(out, log=lambda m: None)[0].id == MOUSE


def test_missing_file_and_broken_zip_are_reported(server, tmp_path):
    result = run_trainer("download", "--out", tmp_path / "a", "--mice", MOUSE, "--base-url",
                         server["url"] + "/nowhere", "--no-progress")
    assert result.returncode == 2
    assert f"{server['url']}/nowhere/{MOUSE}.zip: HTTP 404" in result.stderr
    (server["root"] / "broken").mkdir(exist_ok=True)
    (server["root"] / "broken" / f"{MOUSE}.zip").write_bytes(b"PK\x03\x04 not really a zip")
    base = server["url"].rsplit("/", 1)[0] + "/broken"
    with pytest.raises(download.DownloadError, match="not a valid zip"):
        download.download(tmp_path / "b", mice=[MOUSE], base_url=base, progress=False, log=lambda m: None)
    assert not (tmp_path / "b" / MOUSE).exists() and not (tmp_path / "b" / f"{MOUSE}.zip").exists()


# ----------------------------------------------------------------- test-tier responses of the old mice

OLD_MOUSE = constants.OLD_MICE[0]


class StandInHub:
    """What deeplake.load returns for hub://sinzlab/Sensorium_2023_<mouse>_<split>, reduced to the two
    fields the original reads (`id`, `responses`), filled from the synthetic truth of that tier: the
    responses unpadded, (neurons, real length)."""

    class _Array:
        def __init__(self, value):
            self.value = value

        def numpy(self):
            return self.value

    def __init__(self, root, mouse, split, wrong_id=None):
        tiers = np.load(root / mouse / "meta" / "trials" / "tiers.npy")
        ids = [int(i) for i in np.flatnonzero(tiers == split)]
        if wrong_id is not None:
            ids[0] = wrong_id
        self.id = self._Array(np.array(ids, dtype=np.uint32).reshape(-1, 1))  # a (n, 1) tensor, as on the hub
        truth = root / synth.TRUTH_DIR / mouse / "responses"
        self.responses = [self._Array(np.load(truth / f"{i}.npy") if (truth / f"{i}.npy").is_file()
                                      else np.zeros((6, 40), np.float32)) for i in ids]


def stand_in_deeplake(root, wrong_id=None):
    """A module named deeplake whose load() serves StandInHub datasets and records the paths asked for."""
    module = types.ModuleType("deeplake")
    module.__version__ = "3.8.6"
    module.loaded = []

    def load(path):
        module.loaded.append(path)
        prefix = "hub://sinzlab/Sensorium_2023_"
        assert path.startswith(prefix), path
        mouse, split = path[len(prefix):].split("_", 1)
        return StandInHub(root, mouse, split, wrong_id)

    module.load = load
    return module


@pytest.fixture()
def old_mouse(tmp_path):
    root = tmp_path / "sensorium"
    synth.generate(root, mice=1, neurons=[6], trials=[14], frames=40, mouse_ids=[OLD_MOUSE], seed=8,
                   log=lambda m: None)
    return root


def test_old_mice_test_responses_are_fetched_and_train_like_the_original(old_mouse, monkeypatch):
    before = data.read_dataset(old_mouse, log=lambda m: None)[0]
    tests = [t for t in before.trials if t.tier in download.TEST_TIERS]
    assert tests and not any(t.labelled for t in tests)
    report = data.training_report(before)
    print(report)
    assert "test-tier responses MISSING for %d of %d trials" % (len(tests), len(tests)) in report

    hub = stand_in_deeplake(old_mouse)
    monkeypatch.setitem(sys.modules, "deeplake", hub)
    logs = []
    assert download.download(old_mouse, mice=[OLD_MOUSE], progress=False, log=logs.append) == {OLD_MOUSE: "skipped"}
    assert hub.loaded == [f"hub://sinzlab/Sensorium_2023_{OLD_MOUSE}_{split}" for split in download.TEST_TIERS]
    record = download.test_responses_record(old_mouse / OLD_MOUSE)
    assert sum(record["trials"].values()) == len(tests)
    for trial in tests:
        saved = np.load(old_mouse / OLD_MOUSE / "data" / "responses" / f"{trial.trial_id}.npy")
        truth = np.load(old_mouse / synth.TRUTH_DIR / OLD_MOUSE / "responses" / f"{trial.trial_id}.npy")
        assert saved.shape == (6, before.padded_length)  # NaN-padded like the GIN arrays
        assert np.array_equal(saved[:, :trial.length], truth) and np.isnan(saved[:, trial.length:]).all()

    after = data.read_dataset(old_mouse, log=lambda m: None)[0]
    folds.assign_folds([after])
    # the original's folds of an old mouse: every trial but 'none', fold = video pHash % 7
    for trial in after.trials:
        video = np.load(trial.video_path)[..., :trial.length]
        assert trial.labelled and trial.fold == phash.video_phash(video) % 7, trial
    report = data.training_report(after)
    print(report)
    assert f"training uses {len(after.trials)} trials" in report and "present for all" in report

    hub.loaded.clear()
    download.download(old_mouse, mice=[OLD_MOUSE], progress=False, log=logs.append)
    assert hub.loaded == []  # recorded: not fetched again


def test_without_deeplake_download_says_what_is_missing(old_mouse, monkeypatch):
    monkeypatch.setitem(sys.modules, "deeplake", None)  # `import deeplake` raises ImportError
    logs = []
    download.download(old_mouse, mice=[OLD_MOUSE], progress=False, log=logs.append)
    note = logs[-1]
    print(note)
    assert OLD_MOUSE in note and "live_test_main, live_test_bonus, final_test_main, final_test_bonus" in note
    assert "`import deeplake` failed" in note and "pip install 'deeplake<4'" in note
    assert download.test_responses_record(old_mouse / OLD_MOUSE) is None
    checked = run_trainer("check-data", "--data", old_mouse)
    assert checked.returncode == 0 and "test-tier responses MISSING" in checked.stdout, checked.stdout


def test_hub_ids_of_other_tiers_overwrite_nothing(old_mouse, monkeypatch):
    tiers = np.load(old_mouse / OLD_MOUSE / "meta" / "trials" / "tiers.npy")
    train_trial = int(np.flatnonzero(tiers == "train")[0])
    path = old_mouse / OLD_MOUSE / "data" / "responses" / f"{train_trial}.npy"
    before = path.read_bytes()
    monkeypatch.setitem(sys.modules, "deeplake", stand_in_deeplake(old_mouse, wrong_id=train_trial))
    with pytest.raises(download.DownloadError, match=f"trial ids \\[{train_trial}\\] are not live_test_main trials"):
        download.download(old_mouse, mice=[OLD_MOUSE], progress=False, log=lambda m: None)
    assert path.read_bytes() == before
