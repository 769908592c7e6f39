#!/usr/bin/env python3
"""Run the ```python blocks of README.md and docs/*.md (ctest docs_python_snippets).

    /usr/bin/python3 run_python_snippets.py generated/docs_snippets_python.json

extract_snippets.py lists the blocks. Each runs in a fresh interpreter (this
one), in the current directory, compiled under its page's name with its
lines where they are on the page, so a traceback says e.g.
`File "docs/libtorch.md", line 412`. A block fails by raising or exiting
non-zero; every block runs, and the exit status is 1 when any failed.
"""

import json
import subprocess
import sys

RUN = ("import sys\n"
       "page, source = sys.argv[1], sys.stdin.read()\n"
       "exec(compile(source, page, 'exec'), {'__name__': '__main__'})\n")


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        blocks = json.load(f)
    failed = 0
    for block in blocks:
        print(f"{block['where']}: running", flush=True)
        source = "\n" * (block["line"] - 1) + block["code"]
        result = subprocess.run([sys.executable, "-c", RUN, block["where"].split(":")[0]], input=source, text=True)
        if result.returncode != 0:
            print(f"{block['where']}: FAILED (exit {result.returncode})", flush=True)
            failed += 1
    print(f"{len(blocks)} Python documentation snippets ran, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
