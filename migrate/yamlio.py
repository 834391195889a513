"""YAML loading that remembers where each value came from, so errors can name the line."""

from __future__ import annotations

from pathlib import Path

import yaml

from migrate.errors import UserError


class Located:
    """Loaded YAML data plus a (key path → line number) index."""

    def __init__(self, data, lines: dict[tuple, int], path: Path):
        self.data = data
        self.lines = lines
        self.path = path

    def line(self, *keys) -> int | None:
        """Line of the deepest known prefix of `keys` (1-based)."""
        keys = tuple(keys)
        while keys:
            if keys in self.lines:
                return self.lines[keys]
            keys = keys[:-1]
        return self.lines.get((), 1)


def _index(node, prefix: tuple, lines: dict):
    lines.setdefault(prefix, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[prefix + (key,)] = key_node.start_mark.line + 1
            _index_children(value_node, prefix + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[prefix + (i,)] = item.start_mark.line + 1
            _index_children(item, prefix + (i,), lines)


def _index_children(node, prefix, lines):
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        _index(node, prefix, lines)


def load_yaml(path: Path, error_cls=UserError) -> Located:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error_cls("文件不存在。", path=path, hint="请检查路径，或先运行相应命令生成它。")
    except UnicodeDecodeError as exc:
        raise error_cls(f"不是 UTF-8 编码的文本（第 {exc.start} 字节处）。", path=path,
                        hint="请用 UTF-8 编码另存该文件。")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "语法错误"
        raise error_cls(f"YAML 语法错误（{problem}）。", path=path, line=line,
                        hint="请检查该行的缩进、冒号和引号。")
    except yaml.YAMLError as exc:
        raise error_cls(f"YAML 无法解析：{exc}", path=path)
    lines: dict[tuple, int] = {}
    if node is not None:
        _index(node, (), lines)
    return Located(data, lines, path)
