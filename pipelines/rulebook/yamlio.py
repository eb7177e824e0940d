"""YAML reading that remembers line numbers, so every rule-file error can point at its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from schemas.yamltext import MAX_NODES, expanded_size


class LineDict(dict):
    """A mapping that knows the line of itself (`line`) and of each key (`lines[key]`)."""

    line: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int | None:
        return self.lines.get(key, self.line)


class LineList(list):
    """A sequence that knows its own line and the line of each item (`lines[i]`)."""

    line: int | None = None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.lines: list[int] = []


class _Loader(yaml.SafeLoader):
    """SafeLoader (no object construction) whose maps and lists carry line numbers."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            # duplicate keys silently overwrite in PyYAML: make them an error instead
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


class YamlSyntaxError(ValueError):
    """A file is not valid YAML; `line` is 1-based when PyYAML knows it."""

    def __init__(self, file: str, line: int | None, problem: str) -> None:
        self.file, self.line, self.problem = file, line, problem
        super().__init__(f"{file}:{line or '?'}: YAML syntax: {problem}")


def read_yaml(path: Path, display: str | None = None) -> Any:
    """Parse one YAML file into LineDict/LineList values; raise YamlSyntaxError with the line (also for
    a file whose aliases would expand past MAX_NODES values: refused before it is built)."""
    name = display or str(path)
    try:
        loader = _Loader(path.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            if expanded_size(node) > MAX_NODES:
                raise YamlSyntaxError(
                    name,
                    node.start_mark.line + 1,
                    f"more than {MAX_NODES:,} values once its aliases (*name) are expanded; refused "
                    "(a rule file needs few aliases, if any)",
                )
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        raise YamlSyntaxError(name, mark.line + 1 if mark else None, problem) from e


def line_of(node: Any, key: Any = None) -> int | None:
    """Best line for a value or one of its keys, None when the value is not a tracked container."""
    if isinstance(node, LineDict):
        return node.line_of(key) if key is not None else node.line
    if isinstance(node, LineList):
        if isinstance(key, int) and 0 <= key < len(node.lines):
            return node.lines[key]
        return node.line
    return None
