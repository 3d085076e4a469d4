"""Print the runtime requirements pinned in pyproject.toml, one per line, for `pip -r`.

`python requirements.py torch` prints only the torch pin (installed from the CPU index);
without an argument, every other runtime dependency. Keeps the image's pins in one file.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def main(argv: list[str]) -> int:
    deps = tomllib.loads(Path("pyproject.toml").read_text())["project"]["dependencies"]
    is_torch = [re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower() == "torch" for d in deps]
    wanted = [d for d, t in zip(deps, is_torch, strict=True) if t == (argv[1:] == ["torch"])]
    print("\n".join(wanted))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
