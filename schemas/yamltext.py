"""Plain YAML data files (catalogue, lexicon, mappings; rule files through pipelines.rulebook.yamlio)
read safely: PyYAML's safe loader (libyaml's where PyYAML has it, about ten times faster), and a document
whose aliases (*name) would expand past MAX_NODES values is refused before it is built (an alias bomb of
a few hundred bytes expands to billions of values when anything walks it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 100_000
"""Values a data or rule file may hold once its aliases are expanded (the real files hold a few thousand)."""


class YamlTooLarge(yaml.YAMLError):
    """The document's aliases expand past MAX_NODES values."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.problem_mark = None
        self.problem = (
            f"more than {MAX_NODES:,} values once its aliases (*name) are expanded; refused "
            "(a rule or data file needs few aliases, if any)"
        )
        super().__init__(f"line {line}: {self.problem}")


def expanded_size(root: yaml.Node) -> int:
    """How many values the document holds with every alias expanded, without expanding them: a
    post-order walk (children before their parent, shared nodes sized once) summing each child's size
    as often as it is used, capped just above MAX_NODES."""
    sizes: dict[int, int] = {}

    def children(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.MappingNode):
            return [n for pair in node.value for n in pair]
        return []

    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in sizes:
            continue
        kids = children(node)
        if not expanded:
            stack.append((node, True))
            stack.extend((k, False) for k in kids if id(k) not in sizes)
            continue
        sizes[id(node)] = min(1 + sum(sizes[id(k)] for k in kids), MAX_NODES + 1)
    return sizes[id(root)]


def load_yaml(text: str) -> Any:
    """yaml.safe_load(text), refusing alias bombs (YamlTooLarge, a yaml.YAMLError like any other)."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if expanded_size(node) > MAX_NODES:
            raise YamlTooLarge(node.start_mark.line + 1)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def read_county_mapping(path: Path, keys: tuple[str, ...], error: type[Exception]) -> dict[str, Any]:
    """A small county settings file (data/county/*.yaml) as a mapping of `keys` only; `error` names the file
    and what is wrong (not YAML, not a mapping, an unknown entry). A missing file is an empty mapping."""
    if not path.is_file():
        return {}
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except Exception as exc:  # yaml.YAMLError and the alias-bomb guard
        raise error(f"{path}: not valid YAML ({exc})") from exc
    wanted = " and/or ".join(f"'{k}:'" for k in keys)
    if not isinstance(data, dict):
        raise error(f"{path}: expected {wanted} entries")
    unknown = sorted(set(data) - set(keys))
    if unknown:
        raise error(f"{path}: unknown entries {unknown}; expected {', '.join(keys)}")
    return data
