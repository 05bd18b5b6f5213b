"""Responses over the Open Inference Protocol v2 with binary tensor data, with Python's standard library only.

    python3 docs/v2_binary_client.py http://localhost:8080 demo demo-mouse-1 \
        models/demo/sample/video.npy models/demo/sample/behavior.npy models/demo/sample/pupil_center.npy

The data of a C-order little-endian .npy file is already the extension's layout (little-endian,
row-major, no padding), so each file's bytes go out as they are, after the JSON request; the responses
come back as float32 bytes after the JSON response. docs/api-examples.md shows it; the cross tests run it
against the service (src/test/cross/test_parity.py).
"""
import array
import ast
import json
import struct
import sys
import urllib.request

DATATYPES = {"|u1": "UINT8", "<f2": "FP16", "<f4": "FP32", "<f8": "FP64"}


def read_npy(path):
    """(shape, datatype, raw bytes) of a .npy file in C order and little-endian byte order."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        raise ValueError(f"{path}: not a .npy file")
    size, start = (struct.unpack("<H", data[8:10])[0], 10) if data[6] == 1 else (struct.unpack("<I", data[8:12])[0], 12)
    header = ast.literal_eval(data[start:start + size].decode("latin1"))
    if header["fortran_order"] or header["descr"] not in DATATYPES:
        raise ValueError(f"{path}: needs C order and one of {', '.join(DATATYPES)}, got {header}")
    return list(header["shape"]), DATATYPES[header["descr"]], data[start + size:]


def infer(base_url, model, mouse, video, behavior=None, pupil_center=None):
    """POST /v2/models/{model}/infer with binary inputs and a binary output: (shape, float32 values)."""
    inputs, payload = [], []
    for name, path in (("video", video), ("behavior", behavior), ("pupil_center", pupil_center)):
        if path is None:
            continue  # the service uses the mouse's training means when the manifest has them
        shape, datatype, raw = read_npy(path)
        inputs.append({"name": name, "shape": shape, "datatype": datatype, "parameters": {"binary_data_size": len(raw)}})
        payload.append(raw)
    header = json.dumps({"parameters": {"mouse": mouse}, "inputs": inputs,
                         "outputs": [{"name": "responses", "parameters": {"binary_data": True}}]}).encode()
    request = urllib.request.Request(f"{base_url}/v2/models/{model}/infer", data=header + b"".join(payload), headers={
        "Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(header))})
    with urllib.request.urlopen(request, timeout=600) as response:
        body = response.read()
        length = int(response.headers["Inference-Header-Content-Length"])
    output = json.loads(body[:length])["outputs"][0]
    values = array.array("f")
    values.frombytes(body[length:length + output["parameters"]["binary_data_size"]])
    if sys.byteorder != "little":
        values.byteswap()
    return output["shape"], values


if __name__ == "__main__":
    url, model_name, mouse_id, *files = sys.argv[1:]
    neurons_frames, responses = infer(url, model_name, mouse_id, *files)
    print(f"responses {neurons_frames}: neuron 0 starts {list(responses[:5])}")
