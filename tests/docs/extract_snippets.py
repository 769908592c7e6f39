#!/usr/bin/env python3
"""Extract every ```cpp block of README.md and docs/*.md into C++ sources,
and every ```python block into a list the ctest docs_python_snippets runs.

Run by the build (tests/docs/CMakeLists.txt) whenever a page changes, so a
snippet that no longer compiles fails the build with the page and line
named. The convention (docs/building.md, "Documentation snippets"):

- Every block fenced as ```cpp is compiled. Blocks that are not C++ are
  fenced as sh, text, json, cmake, ...
- A block with `int main(` (or marked `toplevel`) is placed at namespace
  scope as written; any other block is a fragment and becomes the body of a
  function. `#include` lines move to the top of the generated file, after
  the umbrella header of the block's component.
- A block that names `evonas/libtorch/`, `evonas::libtorch` or `torch::`
  belongs to the LibTorch component, one that names `evonas/mpi/`,
  `evonas::mpi` or `boost::mpi` to the MPI component; all others to the core.
  Each component's blocks go into one file, each block in its own namespace.
- An HTML comment on the last non-blank line before the fence sets options,
  separated by ';':
    <!-- snippet: context=NAME -->   tests/docs/context/NAME.hpp is pasted
                                     into the block's namespace before it: the
                                     names the block uses that the page
                                     defines elsewhere (no #include in it)
    <!-- snippet: toplevel -->       namespace scope although there is no main
    <!-- snippet: run -->            a core fragment that the ctest
                                     docs_snippets_run also runs (keep it quick)
    <!-- snippet: skip: REASON -->   not compiled (say why; must come last)
  An unknown option, or a comment not followed by a ```cpp block, is an error.
- Every block fenced as ```python is run, in page order, each in a fresh
  /usr/bin/python3 by run_python_snippets.py (ctest docs_python_snippets) in
  a directory that holds a finished example run (sans_run/). Its only
  option is <!-- snippet: skip: REASON -->.

Outputs (in OUT_DIR, rewritten only when their text changes: an edit that
changes no block and moves none recompiles nothing):
    docs_snippets_core.cpp, docs_snippets_libtorch.cpp, docs_snippets_mpi.cpp
        every block not marked run, compiled only (never linked);
    docs_snippets_run.cpp
        the blocks marked run and a main() that runs them in page order;
    docs_snippets_python.json
        the ```python blocks: [{"where", "page", "line", "code"}].
Each block is preceded by a #line directive naming its page and line, so a
compiler error points into the Markdown page.
"""

import argparse
import json
import os
import re
import sys

FENCE = re.compile(r"^(?P<indent> {0,12})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
DIRECTIVE = re.compile(r"^\s*<!--\s*snippet:\s*(?P<body>.*?)\s*-->\s*$")
MAIN = re.compile(r"^\s*int\s+main\s*\(", re.M)
INCLUDE = re.compile(r"^\s*#\s*include\s*[<\"]")
COMPONENTS = {
    "libtorch": re.compile(r"evonas/libtorch/|evonas::libtorch\b|\btorch::"),
    "mpi": re.compile(r"evonas/mpi/|evonas::mpi\b|boost::mpi\b"),
}
UMBRELLA = {
    "core": ["<evonas/evonas.hpp>"],
    "libtorch": ["<evonas/evonas.hpp>", "<evonas/libtorch/libtorch.hpp>"],
    "mpi": ["<evonas/evonas.hpp>", "<evonas/mpi/mpi.hpp>"],
}
GROUPS = ["core", "libtorch", "mpi"]


class SnippetError(Exception):
    pass


class Snippet:
    def __init__(self, page, rel, line, code, options):
        self.page = page          # absolute path, for #line
        self.rel = rel            # path relative to the source root, for names and messages
        self.line = line          # 1-based line of the block's first code line
        self.code = code          # list of lines, fence indentation removed
        self.context = options.get("context")
        self.toplevel = "toplevel" in options
        self.run = "run" in options
        self.skip = options.get("skip")
        self.main = MAIN.search("\n".join(code))
        self.component = "core"
        self.language = "cpp"     # or "python"
        self.ident = "docs_snippet_" + re.sub(r"[^A-Za-z0-9]", "_", rel) + f"_L{line}"

    @property
    def where(self):
        return f"{self.rel}:{self.line}"


def parse_options(body, where):
    options = {}
    parts = [p.strip() for p in body.split(";")]
    for part in parts:
        if part == "skip" or part.startswith("skip:"):
            reason = re.search(r"(?:^|;)\s*skip\s*:?(.*)$", body).group(1).strip()
            if not reason:
                raise SnippetError(f"{where}: 'skip' needs a reason: <!-- snippet: skip: why -->")
            options["skip"] = reason
            break
        if part.startswith("context="):
            name = part.split("=", 1)[1].strip()
            if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
                raise SnippetError(f"{where}: bad context name '{name}'")
            options["context"] = name
        elif part in ("toplevel", "run"):
            options[part] = True
        elif part:
            raise SnippetError(f"{where}: unknown snippet option '{part}' "
                               "(known: context=NAME, toplevel, run, skip: REASON)")
    return options


def read_page(path, root):
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    snippets = []
    pending = None      # (options, line) of a directive waiting for its fence
    last_text = None    # index of the last non-blank line outside fences
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            d = DIRECTIVE.match(lines[i])
            if d:
                pending = (parse_options(d.group("body"), f"{rel}:{i + 1}"), i)
            if lines[i].strip():
                last_text = i
            i += 1
            continue
        fence, indent, info = m.group("fence"), len(m.group("indent")), m.group("info").lower()
        start = i + 1
        j = start
        close = re.compile(r"^ {0,12}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        if j == len(lines):
            raise SnippetError(f"{rel}:{i + 1}: the code block opened here is never closed")
        options = {}
        if pending is not None:
            if pending[1] != last_text:
                raise SnippetError(f"{rel}:{pending[1] + 1}: a snippet comment must be the last "
                                   "non-blank line before a ```cpp fence")
            if info == "python" and set(pending[0]) - {"skip"}:
                raise SnippetError(f"{rel}:{pending[1] + 1}: a ```python block takes only "
                                   "<!-- snippet: skip: REASON -->")
            if info not in ("cpp", "python"):
                raise SnippetError(f"{rel}:{pending[1] + 1}: a snippet comment before a "
                                   f"'{info or 'untagged'}' block; only ```cpp blocks are compiled "
                                   "and ```python blocks run")
            options = pending[0]
        pending = None
        if info in ("cpp", "python"):
            code = [l[indent:] if l[:indent].strip() == "" else l.lstrip() for l in lines[start:j]]
            snippet = Snippet(os.path.abspath(path), rel, start + 1, code, options)
            snippet.language = info
            snippets.append(snippet)
        last_text = j
        i = j + 1
    if pending is not None:
        raise SnippetError(f"{rel}:{pending[1] + 1}: a snippet comment with no ```cpp or ```python "
                           "block after it")
    return snippets


def classify(snippet, context_dir):
    text = "\n".join(snippet.code)
    if snippet.context:
        path = os.path.join(context_dir, snippet.context + ".hpp")
        if not os.path.isfile(path):
            raise SnippetError(f"{snippet.where}: context '{snippet.context}' not found: "
                               f"expected {path}")
        with open(path, encoding="utf-8") as f:
            context = f.read()
        if re.search(r"^\s*#\s*include", context, re.M):
            raise SnippetError(f"{path}: a context must not #include (it is pasted inside a namespace)")
        text += "\n" + context
    used = [c for c, r in COMPONENTS.items() if r.search(text)]
    if len(used) > 1:
        raise SnippetError(f"{snippet.where}: a snippet may use one optional component, this one "
                           f"uses {' and '.join(used)}")
    snippet.component = used[0] if used else "core"
    if snippet.run and (snippet.main or snippet.toplevel):
        raise SnippetError(f"{snippet.where}: only fragments can be run (not a main() or 'toplevel' block)")
    if snippet.run and snippet.component != "core":
        raise SnippetError(f"{snippet.where}: only core snippets can be run (this one is {snippet.component})")


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(group, snippets, runner, generated):
    def resync():  # back to the generated file for the lines that follow
        out.append(f"#line {len(out) + 2} {cstr(generated)}")

    out = ["// Generated by tests/docs/extract_snippets.py from the ```cpp blocks of",
           "// README.md and docs/*.md. Do not edit: edit the page (docs/building.md,",
           "// \"Documentation snippets\", explains the convention).",
           "// NOLINTBEGIN"]
    for header in UMBRELLA[group]:
        out.append(f"#include {header}")
    # Every block's own includes, at file scope.
    for s in snippets:
        for n, line in enumerate(s.code):
            if INCLUDE.match(line):
                out.append(f"#line {s.line + n} {cstr(s.page)}")
                out.append(line.strip())
    resync()
    if runner:
        out += ["#include <cstdio>", "#include <exception>"]
    for s in snippets:
        body = ["" if INCLUDE.match(line) else line for line in s.code]
        out.append("")
        out.append(f"// {s.where}")
        out.append(f"namespace {s.ident} {{")
        if s.context:
            out.append(f'#include "context/{s.context}.hpp"')
        if s.main or s.toplevel:
            if s.main:  # an ordinary function here: a main() without 'return' would warn
                out.append("#pragma GCC diagnostic push")
                out.append("#pragma GCC diagnostic ignored \"-Wreturn-type\"")
            out.append(f"#line {s.line} {cstr(s.page)}")
            out += body
            resync()
            if s.main:
                out.append("#pragma GCC diagnostic pop")
        else:
            out.append("[[maybe_unused]] void snippet() {")
            out.append(f"#line {s.line} {cstr(s.page)}")
            out += body
            resync()
            out.append("}")
        out.append(f"}}  // namespace {s.ident}")
    if runner:
        out += ["",
                "int main() {",
                "    const char* where = \"\";",
                "    try {"]
        for s in snippets:
            out.append(f"        where = {cstr(s.where)};")
            out.append("        std::printf(\"%s: running\\n\", where);")
            out.append("        std::fflush(stdout);")
            out.append(f"        {s.ident}::snippet();")
        out += ["    } catch (const std::exception& e) {",
                "        std::printf(\"%s: threw: %s\\n\", where, e.what());",
                "        return 1;",
                "    }",
                f"    std::printf(\"%d documentation snippets ran\\n\", {len(snippets)});",
                "    return 0;",
                "}"]
    out.append("// NOLINTEND")
    return "\n".join(out) + "\n"


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True, help="the source root (for names in messages)")
    ap.add_argument("--context-dir", required=True, help="the folder of the NAME.hpp contexts")
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--summary", action="store_true", help="print how many blocks each file got")
    ap.add_argument("pages", nargs="+")
    args = ap.parse_args()
    try:
        snippets = []
        for page in sorted(args.pages):
            snippets += read_page(page, args.root)
        for s in snippets:
            if not s.skip and s.language == "cpp":
                classify(s, args.context_dir)
    except SnippetError as e:
        print(f"extract_snippets: {e}", file=sys.stderr)
        return 1
    os.makedirs(args.out_dir, exist_ok=True)
    live = [s for s in snippets if not s.skip and s.language == "cpp"]
    python = [s for s in snippets if not s.skip and s.language == "python"]
    files = {}
    for g in GROUPS:
        files[f"docs_snippets_{g}.cpp"] = ([s for s in live if s.component == g and not s.run], g, False)
    files["docs_snippets_run.cpp"] = ([s for s in live if s.run], "core", True)
    for name, (group_snippets, group, runner) in files.items():
        path = os.path.abspath(os.path.join(args.out_dir, name))
        write_if_changed(path, render(group, group_snippets, runner, path))
    blocks = [{"where": s.where, "page": s.page, "line": s.line, "code": "\n".join(s.code) + "\n"}
              for s in python]
    write_if_changed(os.path.join(args.out_dir, "docs_snippets_python.json"), json.dumps(blocks, indent=1) + "\n")
    if args.summary:
        for g in GROUPS:
            n = sum(1 for s in live if s.component == g)
            r = sum(1 for s in live if s.component == g and s.run)
            print(f"{g}: {n} blocks ({r} run)")
        print(f"python: {len(python)} blocks")
        print(f"skipped: {sum(1 for s in snippets if s.skip)}")
        for s in snippets:
            if s.skip:
                print(f"  {s.where}: {s.skip}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
