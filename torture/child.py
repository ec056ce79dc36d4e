"""The child side of run_isolated(): python -m torture.child PARAMS TRACE RESULT."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from torture.runner import TortureParams, TortureResult, run


def main() -> int:
    params = TortureParams(**json.loads(sys.argv[1]))
    result_file = Path(sys.argv[3])

    def hang(result: TortureResult) -> None:
        # the stuck threads cannot be stopped: the verdict, then the process ends
        result_file.write_text(json.dumps(result.to_json()))
        sys.stdout.flush()
        os._exit(0)

    result = run(params, emit=lambda line: print(line, flush=True), trace_file=Path(sys.argv[2]),
                 on_hang=hang)
    result_file.write_text(json.dumps(result.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
