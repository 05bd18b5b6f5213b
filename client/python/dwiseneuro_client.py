"""A small Python client for DwiseNeuro Serve: predicted responses to clips and in-silico experiments,
with NumPy arrays in and out. Needs only numpy and the standard library (it runs wherever the trainer
runs, notebooks included).

    from dwiseneuro_client import Client
    service = Client("http://localhost:8080")
    responses = service.responses("demo-mouse-1", video, behavior, pupil_center)      # (neurons, frames)
    job = service.run_experiment("demo-mouse-1", {"type": "direction_tuning", "directions": 8})
    result = service.result(job["id"])                     # the JSON result, a dict
    arrays = service.result_arrays(job["id"])              # result.npz as {name: numpy array}

Errors of the service raise ServiceError with the problem+json detail (status, title, detail, and
retry_after for 429).
"""
import io
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

import numpy as np

NPY = "application/x-npy"
FINISHED = ("done", "failed", "cancelled", "interrupted")

__all__ = ["Client", "ServiceError", "JobFailed"]


class ServiceError(Exception):
    """A 4xx/5xx answer: its HTTP status and the problem+json fields."""

    def __init__(self, status: int, title: str, detail: str, problem: Optional[dict] = None,
                 retry_after: Optional[float] = None):
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.problem = problem or {}
        self.retry_after = retry_after


class JobFailed(Exception):
    """An experiment that ended failed, cancelled or interrupted; `job` is its last state."""

    def __init__(self, job: dict):
        super().__init__(f"experiment {job.get('id')} ended {job.get('state')}: {job.get('error') or ''}".rstrip(": "))
        self.job = job


def _npy(array: Any) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def print_progress(job: dict) -> None:
    """Default progress callback: one line per poll, overwritten in place."""
    left = job.get("seconds_left")
    eta = f", about {left:.0f} s left" if isinstance(left, (int, float)) else ""
    sys.stderr.write(f"\r{job.get('type')} {job.get('id', '')[:8]}: {job.get('state')} "
                     f"{100 * float(job.get('progress') or 0):5.1f}%{eta}   ")
    if job.get("state") in FINISHED:
        sys.stderr.write("\n")
    sys.stderr.flush()


class Client:
    """The service at `base_url`. `api_key` is sent as a bearer token when the service requires keys."""

    def __init__(self, base_url: str = "http://localhost:8080", api_key: Optional[str] = None, timeout: float = 600.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    # -- plumbing -----------------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: Optional[bytes] = None, content_type: Optional[str] = None,
                 accept: str = "application/json", query: Optional[Mapping[str, Any]] = None,
                 headers: Optional[dict] = None) -> bytes:
        """The answer's body; its headers go into `headers` when given."""
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("Accept", accept)
        if content_type:
            request.add_header("Content-Type", content_type)
        if self.api_key:
            request.add_header("Authorization", f"Bearer {self.api_key}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                if headers is not None:
                    headers.update(response.headers.items())
                return response.read()
        except urllib.error.HTTPError as error:
            raise self._problem(error) from None

    @staticmethod
    def _problem(error: urllib.error.HTTPError) -> ServiceError:
        raw = error.read()
        retry = error.headers.get("Retry-After")
        try:
            problem = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            problem = {}
        if not isinstance(problem, dict):
            problem = {}
        detail = problem.get("detail") or problem.get("error") or raw.decode("utf-8", "replace")[:500]
        return ServiceError(error.code, problem.get("title") or error.reason or "", detail, problem,
                            float(retry) if retry and retry.strip().replace(".", "", 1).isdigit() else None)

    def _json(self, method: str, path: str, payload: Any = None, query: Optional[Mapping[str, Any]] = None) -> Any:
        body = None if payload is None else json.dumps(payload).encode("utf-8")
        raw = self._request(method, path, body, "application/json" if body is not None else None, query=query)
        return json.loads(raw.decode("utf-8")) if raw else None

    # -- mice and clips -----------------------------------------------------------------------------

    def mice(self) -> List[dict]:
        """The served mice: id, index, neurons."""
        return self._json("GET", "/v1/mice")

    def display(self, maps: bool = False) -> dict:
        """The display geometry experiments use (with maps=True every pixel's azimuth and elevation)."""
        return self._json("GET", "/v1/display", query={"maps": "true" if maps else None})

    @staticmethod
    def _clip_parts(boundary: str, video: Any, behavior: Any, pupil_center: Any) -> List[bytes]:
        parts = []
        for name, value in (("video", video), ("behavior", behavior), ("pupil_center", pupil_center)):
            if value is None:
                continue
            data, filename = (bytes(value), f"{name}.mp4") if isinstance(value, (bytes, bytearray)) else (_npy(value), f"{name}.npy")
            parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                         f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
        return parts

    def _post_clip(self, path: str, parts: List[bytes], boundary: str, query: Optional[Mapping[str, Any]], retries: int,
                   headers: Optional[dict] = None) -> np.ndarray:
        """POSTs a clip upload and loads the .npy answer; a full queue (429) is retried after its Retry-After."""
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        for attempt in range(retries + 1):
            try:
                raw = self._request("POST", path, body, f"multipart/form-data; boundary={boundary}", accept=NPY,
                                    query=query, headers=headers)
                return np.load(io.BytesIO(raw), allow_pickle=False)
            except ServiceError as error:
                if error.status != 429 or attempt == retries:
                    raise
                time.sleep(error.retry_after or 1.0)
        raise AssertionError("unreachable")

    def responses(self, mouse: str, video: Any, behavior: Any = None, pupil_center: Any = None,
                  frames: Optional[str] = None, normalize: bool = False, retries: int = 3) -> np.ndarray:
        """Predicted responses, float32 (neurons, frames), to `video` (36, 64, T) in raw 0..255 (array or a
        video file's bytes) with `behavior` and `pupil_center` (2, T) each (left out: the manifest's means).
        A full queue (429) is retried `retries` times after its Retry-After."""
        boundary = uuid.uuid4().hex
        query = {"frames": frames, "normalize": "true" if normalize else None}
        return self._post_clip(f"/v1/mice/{urllib.parse.quote(mouse)}/responses",
                               self._clip_parts(boundary, video, behavior, pupil_center), boundary, query, retries)

    def gradients(self, mouse: str, video: Any, neurons: List[int], frames: Optional[str] = None,
                  weights: Optional[List[Any]] = None, behavior: Any = None, pupil_center: Any = None,
                  retries: int = 3):
        """J = sum over `neurons` and `frames` ("START:END") of `weights` x the ensemble-mean response, and
        dJ / dvideo: returns (J, float32 array shaped like the video (36, 64, T)), for your own optimisers.
        `weights`: one per neuron, or rows of one per chosen frame (default 1)."""
        boundary = uuid.uuid4().hex
        objective = {"neurons": list(neurons)}
        if frames is not None:
            objective["frames"] = frames
        if weights is not None:
            objective["weights"] = weights
        parts = self._clip_parts(boundary, video, behavior, pupil_center)
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"objective\"\r\n\r\n"
                     f"{json.dumps(objective)}\r\n".encode())
        headers: dict = {}
        gradient = self._post_clip(f"/v1/mice/{urllib.parse.quote(mouse)}/gradients", parts, boundary, None, retries, headers)
        return float(headers.get("X-Objective") or headers.get("x-objective")), gradient

    # -- experiments --------------------------------------------------------------------------------

    def submit_experiment(self, mouse: str, spec: Mapping[str, Any]) -> dict:
        """Queues an experiment (spec with 'type'); returns the job (id, state, progress, ...)."""
        return self._json("POST", f"/v1/mice/{urllib.parse.quote(mouse)}/experiments", dict(spec))

    def job(self, job_id: str) -> dict:
        return self._json("GET", f"/v1/experiments/{job_id}")

    def jobs(self) -> List[dict]:
        return self._json("GET", "/v1/experiments")

    def cancel(self, job_id: str) -> dict:
        return self._json("DELETE", f"/v1/experiments/{job_id}")

    def wait(self, job_id: str, poll: float = 2.0, progress: Optional[Callable[[dict], None]] = print_progress,
             timeout: Optional[float] = None) -> dict:
        """Polls until the job has finished; returns it when done, raises JobFailed otherwise."""
        end = None if timeout is None else time.time() + timeout
        while True:
            job = self.job(job_id)
            if progress:
                progress(job)
            if job["state"] == "done":
                return job
            if job["state"] in FINISHED:
                raise JobFailed(job)
            if end is not None and time.time() > end:
                raise TimeoutError(f"experiment {job_id} still {job['state']} after {timeout} s")
            time.sleep(poll)

    def run_experiment(self, mouse: str, spec: Mapping[str, Any], poll: float = 2.0,
                       progress: Optional[Callable[[dict], None]] = print_progress) -> dict:
        """Submits `spec`, waits for it with progress, and returns the finished job."""
        return self.wait(self.submit_experiment(mouse, spec)["id"], poll, progress)

    def result(self, job_id: str) -> dict:
        """The JSON result of a done job."""
        return self._json("GET", f"/v1/experiments/{job_id}/result")

    def result_arrays(self, job_id: str) -> Dict[str, np.ndarray]:
        """The result's arrays (result.npz) as {name: float32 array}."""
        raw = self._request("GET", f"/v1/experiments/{job_id}/result.npz", accept="application/octet-stream, */*")
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}

    def plot(self, job_id: str, name: str) -> bytes:
        """A result plot's PNG bytes (the job's 'plots' names them); IPython.display.Image(data=...) shows it."""
        return self._request("GET", f"/v1/experiments/{job_id}/plots/{urllib.parse.quote(name)}", accept="image/png")

    def result_file(self, job_id: str, name: str) -> Union[np.ndarray, bytes]:
        """A file of the result (its 'files' names them): a float32 array for .npy, the bytes otherwise."""
        raw = self._request("GET", f"/v1/experiments/{job_id}/files/{urllib.parse.quote(name)}", accept="*/*")
        return np.load(io.BytesIO(raw), allow_pickle=False) if name.endswith(".npy") else raw

    def stimuli(self, job_id: str) -> List[dict]:
        """The job's stimulus clips in the order shown: name and .npy/.mp4 links."""
        return self._json("GET", f"/v1/experiments/{job_id}/stimuli")

    def stimulus(self, job_id: str, name: str, format: str = "npy") -> Union[np.ndarray, bytes]:
        """One stimulus clip: float32 (36, 64, frames) for "npy", the lossless .mp4's bytes for "mp4"."""
        if format not in ("npy", "mp4"):
            raise ValueError("format must be 'npy' or 'mp4'")
        raw = self._request("GET", f"/v1/experiments/{job_id}/stimuli/{urllib.parse.quote(name)}.{format}",
                            accept=NPY if format == "npy" else "video/mp4")
        return np.load(io.BytesIO(raw), allow_pickle=False) if format == "npy" else raw
