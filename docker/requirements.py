"""Print the runtime requirements pinned in pyproject.toml, one per line, for `pip -r`.

`python requirements.py torch` prints only the torch pin (installed from the CPU index);
`python requirements.py extra NAME` the optional dependencies of extra NAME (the image adds
`postgres`, so one image serves either store); without an argument, every other runtime
dependency. Keeps the image's pins in one file.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def main(argv: list[str]) -> int:
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    if argv[1:2] == ["extra"]:
        print("\n".join(d for name in argv[2:] for d in project["optional-dependencies"][name]))
        return 0
    deps = project["dependencies"]
    is_torch = [re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower() == "torch" for d in deps]
    wanted = [d for d, t in zip(deps, is_torch, strict=True) if t == (argv[1:] == ["torch"])]
    print("\n".join(wanted))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
