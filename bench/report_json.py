"""How every benchmark hands over its figures: as JSON on stdout, and to ``--json PATH`` when asked."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def emit(result: dict[str, Any], path: Path | None) -> None:
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    if path:
        path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
