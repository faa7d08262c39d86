"""Reading a scenario file's YAML with limits: size, nesting depth, alias expansion, duplicate keys.

A scenario file may come from anyone, so it is read in four steps, each refusing what the next
could not handle, with a message an analyst can act on (a :class:`tco.errors.ScenarioError`):

1. **Size**: at most :data:`MAX_BYTES` (5 MB; the bundled scenarios are 3-13 kB), checked on the
   file before it is read.
2. **Nesting depth, on the raw text** (:func:`text_depth`): at most :data:`MAX_DEPTH` (32) levels of
   block indentation plus flow brackets ``[`` / ``{`` outside quoted strings and comments. The
   bundled scenarios are at most 5 levels deep. This runs before libyaml sees the text: PyYAML's
   C composer recurses once per level and crashes the interpreter (SIGSEGV; 50,000 ``[`` do), and
   libyaml's parser slows down badly on millions of them (5 MB of ``[`` ran past 10 minutes).
   The scan errs towards counting more than libyaml nests, never fewer (checked against
   libyaml's own depth on thousands of generated documents), and is a plain pass over the lines.
3. **Nodes** (:func:`check_nodes`): once the depth is known to be bounded, libyaml composes the
   document into nodes (no Python object built yet), which give the exact depth (a second
   guard), every mapping's keys as YAML resolves them, and every alias. Duplicate keys are
   refused at any level, naming the key, its path and both lines: YAML says keys are unique, and
   PyYAML would silently keep the last one (``currency: CNY`` then ``currency: USD`` costed in
   USD). Aliases are allowed, since sharing a block (``serving: *l4``) is legitimate YAML and
   refusing them would surprise an analyst who knows YAML (no bundled scenario or test uses one
   today), but the document's node count *with every alias expanded* may not pass
   :data:`MAX_EXPANDED_NODES` (10,000; the largest bundled scenario has about 400 nodes). The
   composer shares an aliased node, so a "billion laughs" file composes small; it is every later
   walk (constructing merge keys, ranges, pydantic) that would expand it. Sizes are memoised per
   node, so counting is linear and the bomb is refused in milliseconds. The checks work on the
   nodes rather than on libyaml's event stream so that the text is parsed once (a separate event
   pass cost a second parse; loading must stay within about 20% of the unchecked time).
4. **Loading**: the checked nodes are constructed by the safe loader (the C one when available):
   plain data only, no tags that build objects.
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
#: A common line, after its indentation, handled without the character scan: ``- `` indicators, an
#: optional plain key, then a plain value, a quoted scalar closed on the line, a flat flow collection
#: (no brackets or quotes inside) or nothing, and perhaps a comment. No block scalar, no open quote.
_FAST = re.compile(r"""(?P<dashes>(?:-[ ]+)*)(?:(?P<key>[^\s\[\]{}"'|>#?:-][^\[\]{}"'|>#]*?)[ ]*:(?:[ ]+|\Z))?"""
                   r"""(?:(?P<flow>[\[{][^\[\]{}"'#]*[\]}])|"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'"""
                   r"""|[^\s\[\]{}"'|>#?:-][^\[\]{}"'|>]*|)(?:[ \t]+#.*)?\Z""")
_DASH = re.compile(r"-[ ]+")
_ANY_SPECIAL = re.compile(r"""[\[\]{}"'|>]""")
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
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if scalar_parent >= 0:
            if not stripped.strip() or indent > scalar_parent:
                continue
            scalar_parent = -1
        pos = indent
        if not quote and not flow:
            first = stripped[:1]
            if not first or first == "#":
                continue  # blank or a comment
            if first not in "-?:" and not _ANY_SPECIAL.search(stripped):  # "key: value", plainest of all
                if stack and stack[-1] == (indent, "map"):
                    continue  # a sibling key: nothing opens or closes
        fast = _FAST.match(line, indent) if not quote and not flow and len(line) < 1000 else None
        if fast:  # most lines ("key: value  # note", "- name: x", 'title: "..."', "x: {low: 1, high: 2}")
            opened, column = [], indent
            for dash in _DASH.findall(fast.group("dashes")):
                opened.append((column, "seq"))
                column += len(dash)
            if fast.group("key") is not None or not opened:
                opened.append((column, "map"))
            while stack and (stack[-1][0] > indent or (stack[-1][0] == indent and stack[-1][1] == "seq"
                                                         and opened[0][1] == "map")):
                stack.pop()
            if stack and stack[-1] == opened[0]:
                opened = opened[1:]
            stack.extend(opened)
            block = len(stack) + (fast.group("flow") is not None)  # a flat [...] or {...} closes on its line
            if block > deepest:
                deepest, where = block, number
                if deepest > limit:
                    return deepest, where
            continue
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


def check_nodes(root: yaml.Node, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_EXPANDED_NODES,
                has_anchors: bool = True) -> list[tuple[str, str]]:
    """Problems in a composed YAML document (nodes, before any Python object is built): nesting
    deeper than ``max_depth``, keys repeated in one mapping, aliases expanding to more than
    ``max_nodes`` nodes.

    Returns ``(field_path, message)`` pairs; empty when fine. Linear in the nodes written: a node
    reached again through an alias is counted with its expanded size, not walked again. Keys are
    compared as YAML resolves them (``1`` and ``"1"`` differ, ``a`` and ``"a"`` do not).
    ``has_anchors=False`` (the text has no ``&``, so no alias) skips counting the expansion.

    >>> def check(text, **limits):
    ...     return check_nodes(yaml.compose(text, Loader=_SAFE_LOADER), **limits)
    >>> check("currency: CNY\\nname: x\\ncurrency: USD\\n")
    [('currency', "duplicate key 'currency': given twice in the same mapping, on lines 1 and 3; YAML keys must be unique (a reader would silently keep the last)")]
    >>> check("a: &x [1, 2]\\nb: *x\\n")
    []
    >>> check("a: &a [1, 1]\\nb: &b [*a, *a]\\nc: [*b, *b]\\n", max_nodes=10)[0][1][:55]
    'YAML aliases expand this document to more than 10 nodes'
    >>> check("a:\\n  b: [[1]]\\n", max_depth=3)
    [('a.b[0]', 'the YAML is nested more than 3 levels deep (at line 2); a scenario needs far fewer')]
    """
    if has_anchors:
        problems = _alias_expansion(root, max_nodes)
        if problems:
            return problems
    problems = []
    stack = [(root, 0)]  # iterative and path-free: fast; paths are looked up for a problem only
    mapping, scalar = yaml.MappingNode, yaml.ScalarNode
    visited: set[int] = set()  # with anchors: each node once, however many aliases reach it
    while stack:
        node, depth = stack.pop()
        if node.__class__ is scalar:
            continue
        if has_anchors:
            if id(node) in visited:
                continue
            visited.add(id(node))
        if depth >= max_depth:
            return [(_key_path(_path_to(root, node)), f"the YAML is nested more than {max_depth} levels deep (at "
                     f"line {node.start_mark.line + 1}); a scenario needs far fewer")]
        if node.__class__ is mapping or isinstance(node, mapping):
            keys = [(k.tag, k.value) for k, _ in node.value if k.__class__ is scalar]
            if len(set(keys)) < len(keys):
                problems += _duplicates(node, _path_to(root, node))
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        else:
            stack.extend((item, depth + 1) for item in node.value)
    return problems


def _duplicates(node: yaml.MappingNode, path: list) -> list[tuple[str, str]]:
    """The keys given twice in one mapping node, each named with its path and both lines."""
    problems = []
    seen: dict = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        here = (key.start_mark.line + 1, key.start_mark.column + 1)
        first = seen.setdefault((key.tag, key.value), here)
        if first != here:
            where = (f"on lines {first[0]} and {here[0]}" if first[0] != here[0]
                     else f"on line {here[0]} (columns {first[1]} and {here[1]})")
            problems.append((_key_path(path + [key.value]), f"duplicate key '{key.value}': given twice in the same "
                             f"mapping, {where}; YAML keys must be unique (a reader would silently keep the last)"))
    return problems


def _path_to(root: yaml.Node, target: yaml.Node) -> list:
    """The keys and indices leading from ``root`` to the node ``target`` (first found), for messages."""
    seen: set = set()

    def search(node, path):
        if node is target:
            return path
        if id(node) in seen or isinstance(node, yaml.ScalarNode):
            return None
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            pairs = [(i, item) for i, item in enumerate(node.value)]
        else:
            pairs = [(k.value if isinstance(k, yaml.ScalarNode) else "?", v) for k, v in node.value]
        for label, child in pairs:
            found = search(child, path + [label])
            if found is not None:
                return found
        return None

    return search(root, []) or []


def _alias_expansion(root: yaml.Node, max_nodes: int) -> list[tuple[str, str]]:
    """A problem if the document, with every alias expanded, has more than ``max_nodes`` nodes.
    Linear: a node reached again through an alias counts its memoised size, it is not walked again."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # being sized: reached again, the node contains itself
    shared = False

    class _Over(Exception):
        pass

    class _Cycle(Exception):
        pass

    def size(node) -> int:
        nonlocal shared
        known = sizes.get(id(node))
        if known is not None:
            shared = True
            return known
        if id(node) in open_nodes:
            raise _Cycle(node.start_mark.line + 1)
        open_nodes.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            total = 1
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(item) for item in node.value)
        else:
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        sizes[id(node)] = total
        open_nodes.discard(id(node))
        if shared and total > max_nodes:
            raise _Over(node.start_mark.line + 1)
        return total

    try:
        size(root)
    except _Cycle as cycle:
        return [("", f"a recursive YAML alias: the block anchored at line {cycle.args[0]} contains an alias of itself, "
                 f"so it would never end; write the block out instead")]
    except _Over as over:
        return [("", f"YAML aliases expand this document to more than {max_nodes:,} nodes (at line {over.args[0]}); "
                 f"a scenario needs far fewer, so aliases nested inside aliases (a 'billion laughs' file) are "
                 f"refused. Write the repeated blocks out")]
    return []


#: The tags a scenario's nodes may carry: plain mappings, lists, text, numbers, booleans, null (and
#: ``<<`` merge keys, and dates, which are read as text for the schema to check).
PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "str", "int", "float", "bool", "null",
                                                          "merge", "timestamp"))
_TIMESTAMP, _STR = "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:str"


def plain_data(root: yaml.Node) -> list[tuple[str, str]]:
    r"""Problems for nodes tagged with anything but plain data (``!!binary``, ``!!set``, ``!Ref``,
    ``!!python/...``); and dates become text, so that the schema, not the YAML reader, checks them
    (``2026-02-30`` is then a message naming the field, not a crash).

    >>> root = yaml.compose("as_of: 2026-02-30\nname: !!binary aGk=\n", Loader=_SAFE_LOADER)
    >>> plain_data(root)
    [('name', 'YAML tags are not allowed in a scenario: !!binary at line 2; a scenario is plain data (mappings, lists, text, numbers)')]
    >>> root.value[0][1].tag
    'tag:yaml.org,2002:str'
    """
    problems, stack, seen = [], [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag == _TIMESTAMP:
            node.tag = _STR
        elif node.tag not in PLAIN_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            problems.append((_key_path(_path_to(root, node)), f"YAML tags are not allowed in a scenario: {tag} at line "
                             f"{node.start_mark.line + 1}; a scenario is plain data (mappings, lists, text, numbers)"))
        if isinstance(node, yaml.MappingNode):
            stack += [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
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
        problems = check_nodes(root, has_anchors="&" in text) or plain_data(root)
        if problems:
            raise ScenarioError(problems)
        return loader.construct_document(root)
    finally:
        loader.dispose()


__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_EXPANDED_NODES", "size_problem", "text_depth", "check_nodes", "load_text"]
