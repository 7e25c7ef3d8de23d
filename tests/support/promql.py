"""Just enough PromQL and rule-file reading to list the metrics a query or a rule file uses.

Not a parser: it blanks out what cannot hold a metric name (strings, label matchers, ranges,
grouping clauses, Grafana variables) and keeps the identifiers that are not keywords or
function calls. `promtool` checks that the queries really parse.
"""

from __future__ import annotations

import re

_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_GRAFANA_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.])[A-Za-z_:][\w:]*")
_KEYWORDS = frozenset(
    {
        "and",
        "or",
        "unless",
        "bool",
        "offset",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "atan2",
        "inf",
        "nan",
    }
)
# Grafana's Prometheus variable queries: label_values(metric, label) or label_values(label).
_LABEL_VALUES = re.compile(r"^\s*label_values\s*\((?P<args>.*)\)\s*$", re.DOTALL)


def metric_names(promql: str) -> set[str]:
    """The metric names a PromQL expression (Grafana variables allowed) selects."""
    text = _STRING.sub(" ", promql)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GRAFANA_VARIABLE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        rest = text[match.end() :].lstrip()
        if rest.startswith("("):  # a function or an aggregation
            continue
        if match.group().lower() not in _KEYWORDS:
            names.add(match.group())
    return names


def variable_query_metric_names(query: str) -> set[str]:
    """The metric names a Grafana Prometheus variable query reads."""
    label_values = _LABEL_VALUES.match(query)
    if label_values is None:  # query_result(...) and the like hold plain PromQL
        return metric_names(query)
    args = label_values.group("args")
    if "," not in _MATCHERS.sub(" ", _STRING.sub(" ", args)):
        return set()  # label_values(label): any metric
    metric, _, _label = args.rpartition(",")
    return metric_names(metric)


# Aggregations that may take their grouping clause before the parenthesis: sum by (x) (...).
_AGGREGATIONS = frozenset(
    {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values"}
    | {"bottomk", "topk", "quantile", "limitk", "limit_ratio"}
)
_GROUPING_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
_SELECTOR_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')


def selectors(promql: str) -> list[tuple[str, str]]:
    """Every metric a PromQL expression selects, with the text between its braces ("" when
    it has none), in order: `rate(a{x="1"}[5m]) / b` gives [("a", 'x="1"'), ("b", "")]."""
    found: list[tuple[str, str]] = []
    i, n = 0, len(promql)
    while i < n:
        char = promql[i]
        if char in "\"'`":
            string = _SELECTOR_STRING.match(promql, i)
            i = string.end() if string else n
            continue
        if char == "[":
            i = promql.index("]", i) + 1
            continue
        if char == "{":
            i = _closing_brace(promql, i) + 1
            continue
        if char == "$":
            variable = _GRAFANA_VARIABLE.match(promql, i)
            i = variable.end() if variable else i + 1
            continue
        word = _IDENTIFIER.match(promql, i)
        if word is None:
            i += 1
            continue
        name, i = word.group(), word.end()
        rest = promql[i:].lstrip()
        if name.lower() in _GROUPING_KEYWORDS and rest.startswith("("):
            i = promql.index(")", i) + 1
        elif _not_a_metric(name, rest):
            continue
        elif promql.startswith("{", i):
            end = _closing_brace(promql, i)
            found.append((name, promql[i + 1 : end].strip()))
            i = end + 1
        else:
            found.append((name, ""))
    return found


def _not_a_metric(name: str, rest: str) -> bool:
    """A keyword, or a function or aggregation (`rest` is what follows `name`)."""
    if rest.startswith("(") or name.lower() in _KEYWORDS:
        return True
    return name in _AGGREGATIONS and re.match(r"(by|without)\s*\(", rest) is not None


def _closing_brace(promql: str, opening: int) -> int:
    """Where the matcher list opened at `opening` ends (a `}` in a quoted value does not)."""
    i = opening + 1
    while promql[i] != "}":
        string = _SELECTOR_STRING.match(promql, i)
        i = string.end() if string else i + 1
    return i


_RULE_KEY = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>alert|record|expr):\s*(?P<value>.*)$")
_BLOCK_INDICATOR = re.compile(r"^[|>][+-]?$")


def rule_file_expressions(text: str) -> list[str]:
    """Every rule's `expr` in a Prometheus rule file, in order.

    Reads the shapes a rule file uses for `expr`: a plain or quoted one-line scalar, or a
    `|` / `>` block; `rule_count` says how many rules there are, to compare with.
    """
    lines = text.splitlines()
    expressions: list[str] = []
    i = 0
    while i < len(lines):
        found = _RULE_KEY.match(lines[i])
        i += 1
        if found is None or found.group("key") != "expr":
            continue
        value = found.group("value").strip()
        if _BLOCK_INDICATOR.match(value):
            key_indent = len(found.group("indent"))
            block: list[str] = []
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > key_indent
            ):
                block.append(lines[i].strip())
                i += 1
            expressions.append("\n".join(block).strip())
        else:
            expressions.append(_one_line_scalar(value))
    return expressions


def rule_count(text: str) -> int:
    """How many `- alert:` and `- record:` rules a rule file has."""
    return sum(
        1
        for line in text.splitlines()
        if (found := _RULE_KEY.match(line)) and found.group("key") in ("alert", "record")
    )


def _one_line_scalar(value: str) -> str:
    if value.startswith("'") and value.endswith("'") and len(value) > 1:
        return value[1:-1].replace("''", "'")
    if value.startswith('"') and value.endswith('"') and len(value) > 1:
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return re.split(r"\s+#", value, maxsplit=1)[0].strip()
