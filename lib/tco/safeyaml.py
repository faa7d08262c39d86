"""Reading a scenario file's YAML with limits: size, nesting depth, alias expansion, duplicate keys.

A scenario file may come from anyone, so it is read in four steps, each refusing what the next
could not handle, with a message an analyst can act on (a :class:`tco.errors.ScenarioError`):

1. **Size**: at most :data:`MAX_BYTES` (5 MB; the bundled scenarios are 3-13 kB), checked on the
   file before it is read.
2. **Nesting depth, on the raw text** (:func:`text_depth`): at most :data:`MAX_DEPTH` (32) levels of
   block indentation plus flow brackets ``[`` / ``{`` outside quoted strings and comments. The
   bundled scenarios are at most 5 levels deep. This runs before libyaml sees the text: PyYAML's
   C composer recurses once per level and crashes the interpreter (SIGSEGV) at some tens of
   thousands of ``[``, and libyaml's parser slows down badly on millions of them.
3. **Events** (:func:`check_events`): libyaml's event stream (no nodes built yet) gives the exact
   depth (a second guard), every mapping's keys, and every anchor and alias. Duplicate keys are
   refused at any level, naming the key, its path and both lines: YAML says keys are unique, and
   PyYAML would silently keep the last one (``currency: CNY`` then ``currency: USD`` costed in
   USD). Aliases are allowed, since sharing a block (``serving: *l4``) is legitimate YAML, but the
   document's node count *with every alias expanded* may not pass :data:`MAX_EXPANDED_NODES`
   (10,000; the largest bundled scenario has about 400 nodes and uses no alias at all). PyYAML
   itself shares aliased objects, so a "billion laughs" file loads small; it is every later walk
   (ranges, pydantic) that would expand it. Counting is linear in the events, so the bomb is
   refused in milliseconds.
4. **Loading** with the safe loader (the C one when available): plain data only, no tags that
   build objects.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .errors import ScenarioError

#: Largest scenario file read, in bytes (5 MB).
MAX_BYTES = 5_000_000
#: Deepest nesting of mappings and lists allowed in a scenario (the bundled ones reach 5).
MAX_DEPTH = 32
#: Most nodes (mappings, lists, scalars) a document may have once its aliases are expanded.
MAX_EXPANDED_NODES = 10_000

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SPECIAL = re.compile(r"""[\[\]{}"'#]""")
#: a line (after its indentation and ``- `` indicators) whose value is a block scalar: ``key: |``, ``- >-``
_BLOCK_SCALAR_LINE = re.compile(r"""(?P<key>(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"][^#]*?)[ \t]*:[ \t]+)?"""
                                r"""(?:[&!]\S*[ \t]+)*[|>][-+0-9]*[ \t]*(?:#.*)?\Z""")
#: a mapping key at the start of a node: ``key:``, ``"key":``, ``'key':`` (followed by a space or the end)
_KEY = re.compile(r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\[\]{},](?:[^#]|(?<=\S)#)*?)[ \t]*:(?:[ \t]|\Z)""")
_DOUBLE_END = re.compile(r'(?:[^"\\]|\\.)*"')
_SINGLE_END = re.compile(r"(?:[^']|'')*'(?!')")
_PROPERTY = re.compile(r"(?:^|\s)[&!]\S*\Z")


def size_problem(size: int, limit: int = MAX_BYTES) -> str | None:
    """The message for a file of ``size`` bytes if it is over ``limit``, else None.

    >>> size_problem(6_000_000)
    'the file is 6.0 MB (6,000,000 bytes); a scenario file may be at most 5 MB (5,000,000 bytes)'
    >>> size_problem(12_000) is None
    True
    """
    if size <= limit:
        return None
    return (f"the file is {size / 1e6:.1f} MB ({size:,} bytes); a scenario file may be at most "
            f"{limit / 1e6:g} MB ({limit:,} bytes)")


def _scalar_may_start(before: str, flow: bool) -> bool:
    """Whether a quote or bracket after ``before`` (the text before it on its line, after the
    indentation) opens a quoted scalar or a flow collection: at the start of a node (line start,
    after ``- ``, ``? ``, ``: ``, a property such as ``&a`` or ``!t``, and in flow context after
    ``[``, ``{``, ``,`` or a ``:`` after a space or a quoted key). Elsewhere it is part of a plain
    scalar (``note: it's``, ``[a:'x]``).

    >>> _scalar_may_start("key: ", False), _scalar_may_start("note: it", False), _scalar_may_start("[a,", True)
    (True, False, True)
    """
    stripped = before.rstrip()
    if not stripped:
        return True
    last, spaced = stripped[-1], stripped != before
    if flow and (last in "[{," or (last == ":" and (spaced or stripped[-2:-1] in ("'", '"', "]", "}")))):
        return True  # in flow context "a:'x" is one plain scalar; "'a':'x'" and "a: 'x'" are key and value
    if spaced and (last == ":" or _PROPERTY.search(stripped)):
        return True
    return spaced and last in "-?" and (len(stripped) == 1 or stripped[-2] in " \t[{,")


def text_depth(text: str, limit: int = MAX_DEPTH) -> tuple[int, int]:
    """Nesting depth of YAML ``text`` read from the raw characters, without a YAML parser.

    Counts block levels (a stack of indentations, plus compact ``- `` / ``? `` indicators starting
    a line) and flow brackets ``[`` ``{`` outside quoted strings, comments and block scalars
    (``|``, ``>``). It errs on the side of counting more (e.g. a plain scalar continued on a more
    indented line counts a level). Stops as soon as the depth passes ``limit``. Returns
    ``(depth, line)``: the deepest level seen (up to ``limit + 1``) and the 1-based line where it
    was first reached. :func:`check_nodes` then measures the depth exactly, on libyaml's nodes.

    >>> text_depth("a:\\n  b: [1, [2, {c: 3}]]\\n")
    (5, 2)
    >>> text_depth("name: 'it''s [not nested'  # [ nor here\\nnote: it's [plain\\nd: |\\n  [[[\\n")
    (1, 1)
    >>> text_depth("[a:'x, [[[1]]], 'y']")
    (5, 1)
    >>> text_depth("[" * 50_000)
    (33, 1)
    """
    stack: list[tuple[int, str]] = []  # (column, "map" or "seq") of the open block levels
    flow = 0  # open flow brackets
    quote = ""  # the quote character of a quoted scalar running on from an earlier line
    scalar_parent = -1  # column a block scalar's lines must be indented past, while in one
    deepest, where = 0, 0
    block = 0  # block levels of the line where the flow collection or quoted scalar now open began
    for number, line in enumerate(text.splitlines(), start=1):
        indent = len(line) - len(line.lstrip(" "))
        if scalar_parent >= 0:
            if not line.strip() or indent > scalar_parent:
                continue
            scalar_parent = -1
        pos = indent
        if not quote and not flow:
            content = line[indent:]
            if not content.strip() or content.lstrip().startswith("#"):
                continue
            if indent == 0 and content.startswith(("---", "...")):
                stack.clear()
                pos = 3
            opened = []  # (column, kind) of the block collections this line opens or continues
            while line[pos:pos + 2] in ("- ", "? ", ": ", "-\t", "?\t", ":\t") or line[pos:] in ("-", "?", ":"):
                opened.append((pos, "seq" if line[pos] == "-" else "map"))
                pos += 1
                while pos < len(line) and line[pos] in " \t":
                    pos += 1
            if _KEY.match(line, pos) or not opened:
                opened.append((pos, "map"))
            first = opened[0]
            # a list may sit at its parent key's indentation ("key:" then "- item"): a level more
            while stack and (stack[-1][0] > indent or (stack[-1][0] == indent and stack[-1][1] == "seq"
                                                         and first[1] == "map")):
                stack.pop()
            if stack and stack[-1] == first:
                opened = opened[1:]
            stack.extend(opened)
            block = len(stack)
            scalar = _BLOCK_SCALAR_LINE.match(line, pos)
            if scalar:  # its lines are indented past the key's column, or past the '- ' it follows
                scalar_parent = stack[-1][0]
        if block + flow > deepest:
            deepest, where = block + flow, number
            if deepest > limit:
                return deepest, where
        start = pos  # where the node text of this line begins, for _scalar_may_start
        while pos <= len(line) and scalar_parent < 0:
            if quote:
                end = (_DOUBLE_END if quote == '"' else _SINGLE_END).match(line, pos)
                if end is None:
                    break  # the quoted scalar goes on to the next line
                quote, pos = "", end.end()
                continue
            match = _SPECIAL.search(line, pos)
            if match is None:
                break
            char, at = match.group(), match.start()
            if char == "#":
                if at == 0 or line[at - 1] in " \t":
                    break  # a comment
            elif char in "\"'":
                if _scalar_may_start(line[start:at], bool(flow)):
                    quote = char
            elif char in "[{":
                if flow or _scalar_may_start(line[start:at], False):
                    flow += 1
                    if block + flow > deepest:
                        deepest, where = block + flow, number
                        if deepest > limit:
                            return deepest, where
            elif flow:  # ] or }
                flow -= 1
            pos = at + 1
    return deepest, where


def _key_path(path: list) -> str:
    """A field path in the notation of error messages: ``models[0].serving.accelerator``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def check_nodes(root: yaml.Node, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_EXPANDED_NODES) -> list[tuple[str, str]]:
    """Problems in a composed YAML document (nodes, before any Python object is built): nesting
    deeper than ``max_depth``, keys repeated in one mapping, aliases expanding to more than
    ``max_nodes`` nodes.

    Returns ``(field_path, message)`` pairs; empty when fine. Linear in the nodes written: a node
    reached again through an alias is counted with its expanded size, not walked again. Keys are
    compared as YAML resolves them (``1`` and ``"1"`` differ, ``a`` and ``"a"`` do not).

    >>> def check(text, **limits):
    ...     return check_nodes(yaml.compose(text, Loader=_SAFE_LOADER), **limits)
    >>> check("currency: CNY\\nname: x\\ncurrency: USD\\n")
    [('currency', "key 'currency' is given twice in the same mapping, on lines 1 and 3; YAML keys must be unique (a reader would silently keep the last)")]
    >>> check("a: &x [1, 2]\\nb: *x\\n")
    []
    >>> check("a: &a [1, 1]\\nb: &b [*a, *a]\\nc: [*b, *b]\\n", max_nodes=10)[0][1][:55]
    'YAML aliases expand this document to more than 10 nodes'
    """
    problems: list[tuple[str, str]] = []
    sizes: dict[int, int] = {}  # id(node) -> node count with aliases expanded
    shared = False  # whether some node is reached twice (an alias)

    class _TooDeep(Exception):
        pass

    def walk(node: yaml.Node, path: tuple, depth: int) -> int:
        nonlocal shared
        known = sizes.get(id(node))
        if known is not None:
            shared = True
            return known
        if isinstance(node, yaml.ScalarNode):
            size = 1
        else:
            if depth >= max_depth:
                problems.append((_key_path(list(path)), f"the YAML is nested more than {max_depth} levels deep (at "
                                 f"line {node.start_mark.line + 1}); a scenario needs far fewer"))
                raise _TooDeep
            size = 1
            if isinstance(node, yaml.SequenceNode):
                for index, item in enumerate(node.value):
                    size += walk(item, path + (index,), depth + 1)
            else:
                seen: dict = {}
                for key, value in node.value:
                    label = key.value if isinstance(key, yaml.ScalarNode) else f"<{key.id} key>"
                    if isinstance(key, yaml.ScalarNode):
                        mark = key.start_mark
                        first = seen.setdefault((key.tag, key.value), (mark.line + 1, mark.column + 1))
                        if first != (mark.line + 1, mark.column + 1):
                            where = (f"on lines {first[0]} and {mark.line + 1}" if first[0] != mark.line + 1
                                     else f"on line {first[0]} (columns {first[1]} and {mark.column + 1})")
                            problems.append((_key_path(list(path + (label,))),
                                             f"key '{label}' is given twice in the same mapping, {where}; YAML keys "
                                             f"must be unique (a reader would silently keep the last)"))
                    size += walk(key, path + (label,), depth + 1) + walk(value, path + (label,), depth + 1)
        sizes[id(node)] = size
        if shared and size > max_nodes:
            problems.append(("", f"YAML aliases expand this document to more than {max_nodes:,} nodes (at line "
                             f"{node.start_mark.line + 1}); a scenario needs far fewer, so aliases nested inside "
                             f"aliases (a 'billion laughs' file) are refused. Write the repeated blocks out"))
            raise _TooDeep
        return size

    try:
        walk(root, (), 0)
    except _TooDeep:
        pass
    return problems


def load_text(text: str) -> Any:
    """Check ``text`` and load it: depth on the raw text (:func:`text_depth`), then duplicate keys,
    depth and alias expansion on the composed nodes (:func:`check_nodes`), then the Python objects
    with the safe loader (the C one when available). YAML is parsed once.

    Raises :class:`tco.errors.ScenarioError` (without a source; the caller adds it) for text that
    is too deep, repeats a key or expands aliases too far, and :class:`yaml.YAMLError` for
    malformed YAML or tags that build objects.

    >>> load_text("name: x\\nmodels: [{name: a}]\\n")
    {'name': 'x', 'models': [{'name': 'a'}]}
    >>> load_text("a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")
    Traceback (most recent call last):
    ...
    tco.errors.ScenarioError: Scenario is not valid:
      - the YAML is nested more than 32 levels deep (at line 1); a scenario needs far fewer, so the file is refused before a YAML parser reads it
    """
    depth, line = text_depth(text)
    if depth > MAX_DEPTH:
        raise ScenarioError([("", f"the YAML is nested more than {MAX_DEPTH} levels deep (at line {line}); a "
                              f"scenario needs far fewer, so the file is refused before a YAML parser reads it")])
    loader = _SAFE_LOADER(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        problems = check_nodes(root)
        if problems:
            raise ScenarioError(problems)
        return loader.construct_document(root)
    finally:
        loader.dispose()


__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_EXPANDED_NODES", "size_problem", "text_depth", "check_nodes", "load_text"]
