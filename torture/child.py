"""The child side of run_isolated(): python -m torture.child PARAMS TRACE RESULT."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from torture.runner import TortureParams, run


def main() -> int:
    params = TortureParams(**json.loads(sys.argv[1]))
    result = run(params, emit=lambda line: print(line, flush=True), trace_file=Path(sys.argv[2]))
    Path(sys.argv[3]).write_text(json.dumps(result.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
