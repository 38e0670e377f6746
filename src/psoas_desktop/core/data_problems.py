"""The one validator for the app's JSON data: the published JSON Schema, checked with ``jsonschema``.

The catalog's data files and a user's routine files are both checked here, against
``resources/schema/psoas-routine-1.schema.json``. Each mistake becomes a :class:`Problem` that names the
exact place (``items[1].hold_seconds``, ``$`` for the whole document) and says what is wrong in plain words.
Rules that span fields (an id that refers to an exercise, min ≤ max, the dosage a pattern needs) are checked
by the parsers after the schema; they report :class:`Problem` values too.

``jsonschema`` costs ≈90 ms to import, so it is imported on the first validation, never at start-up: the
shipped catalog is validated by the tests and the build, and a stored routine only when its file changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

SCHEMA_FILE = "schema/psoas-routine-1.schema.json"
MAX_PROBLEMS = 50
_JSON_TYPES = {
    dict: "an object",
    list: "a list",
    str: "text",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    type(None): "null",
}
_SCHEMA_TYPES = {
    "object": "an object",
    "array": "a list",
    "string": "text",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "null": "null",
}


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in a document: where (a JSON path such as ``items[1].hold_seconds``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def json_path(parts: Iterable[str | int], prefix: str = "") -> str:
    """``["items", 1, "hold_seconds"]`` → ``items[1].hold_seconds``; nothing → ``$`` (the whole document)."""
    text = prefix
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "$"


def kind_of(value: object) -> str:
    """How a JSON value reads in a message: "text", "a list", "null"…"""
    return _JSON_TYPES.get(type(value), type(value).__name__)


def parse_json(text: bytes | str) -> tuple[Any, Problem | None]:
    """Decode a document; bad bytes or bad JSON give one problem at ``$`` with the line and column."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, Problem("$", f"not UTF-8 text (byte {exc.start + 1})")
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, Problem("$", f"not JSON ({exc.msg}; line {exc.lineno}, column {exc.colno})")
    except RecursionError:
        return None, Problem("$", "nested too deeply to be a routine")
    except ValueError as exc:  # e.g. an integer of thousands of digits
        return None, Problem("$", f"not usable JSON ({exc})")


@cache
def _schema_document(root: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((root / SCHEMA_FILE).read_text(encoding="utf-8"))
    return document


@cache
def _validator(root: Path, definition: str) -> Validator:
    from jsonschema import Draft202012Validator

    schema = _schema_document(root)
    target = schema if not definition else {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    validator: Validator = Draft202012Validator(_inlined(target, schema["$defs"]))
    return validator


def _inlined(node: Any, definitions: dict[str, Any]) -> Any:
    """The schema with each ``{"$ref": "#/$defs/x"}`` whose neighbours do not clash with x's keywords
    replaced by x's keywords themselves: the same rules, without a reference to resolve and a level to
    descend (most of jsonschema's time on a big routine). A reference with clashing neighbours stays."""
    if isinstance(node, list):
        return [_inlined(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _inlined(value, definitions) for key, value in node.items()}
    reference = result.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/$defs/"):
        target = _inlined(definitions[reference.removeprefix("#/$defs/")], definitions)
        merged = _merged(target, {key: value for key, value in result.items() if key != "$ref"})
        if merged is not None:
            return merged
    return result


def _merged(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any] | None:
    """Both schemas' keywords in one, where that means the same as applying both: ``required`` lists
    joined, ``properties`` merged property by property; None where a keyword would clash."""
    merged = dict(first)
    for key, value in second.items():
        if key not in merged:
            merged[key] = value
        elif key == "required":
            merged[key] = [*merged[key], *(name for name in value if name not in merged[key])]
        elif key == "properties":
            properties = dict(merged[key])
            for name, schema in value.items():
                both = _merged(properties[name], schema) if name in properties else schema
                if both is None:
                    return None
                properties[name] = both
            merged[key] = properties
        else:
            return None
    if "additionalProperties" in merged and "unevaluatedProperties" in merged:
        return None  # additionalProperties would then see the other schema's properties as its own
    return merged


def schema_problems(root: Path, data: object, definition: str = "", prefix: str = "") -> list[Problem]:
    """What the JSON Schema finds wrong with `data`: the whole routine document, or one ``$defs`` entry.

    Problems come sorted by place, one per mistake (at most :data:`MAX_PROBLEMS`); an error inside a list
    or an ``anyOf`` is reported where it happened, not as "not valid under any of the given schemas"."""
    try:
        errors = list(_validator(root, definition).iter_errors(data))  # type: ignore[arg-type]
    except RecursionError:
        return [Problem(prefix or "$", "nested too deeply")]
    problems: set[Problem] = set()
    for error in errors:
        problems.update(_explain(error, prefix))
        if len(problems) >= MAX_PROBLEMS:
            break
    return sorted(problems, key=lambda p: (_path_key(p.path), p.message))[:MAX_PROBLEMS]


_NUMBER = re.compile(r"[0-9]+")  # not str.isdigit: "²" is a digit to it, and a field name can be anything


def _path_key(path: str) -> tuple[object, ...]:
    # Numbers in a path sort as numbers: items[2] before items[10].
    return tuple(
        (0, int(part), "") if _NUMBER.fullmatch(part) else (1, 0, part)
        for part in re.split(r"[\[\].]+", path)
        if part
    )


def _explain(error: ValidationError, prefix: str) -> list[Problem]:
    where = json_path(error.absolute_path, prefix)
    rule, expected, value = str(error.validator), cast(Any, error.validator_value), error.instance
    if rule in ("anyOf", "oneOf") and error.context:
        return _explain_choice(error, prefix, where)
    if rule == "required":
        present = value if isinstance(value, dict) else {}
        return [
            Problem(json_path([*error.absolute_path, n], prefix), "missing")
            for n in expected
            if n not in present
        ]
    if rule in ("additionalProperties", "unevaluatedProperties"):
        names = re.findall(r"'([^']*)'", error.message.split("(", 1)[-1]) or ["?"]
        return [Problem(json_path([*error.absolute_path, n], prefix), "is not a known field") for n in names]
    if rule == "maxLength" and where.endswith("image.data"):
        return [Problem(where, "the picture is larger than 1 MB; at most 1 MB each")]
    return [Problem(where, _message(rule, expected, value))]


def _explain_choice(error: ValidationError, prefix: str, where: str) -> list[Problem]:
    """An ``anyOf`` (a range or null; an image name or an embedded image): say what was expected."""
    value = error.instance
    options = cast(list[dict[str, Any]], error.validator_value)
    if any(option.get("type") == "null" for option in options):
        if not isinstance(value, list):
            return [Problem(where, f"expected [min, max] whole numbers or null, got {kind_of(value)}")]
        deeper = [e for e in error.context or () if e.validator != "type" or e.instance is not value]
        return [p for e in deeper for p in _explain(e, prefix)] or [
            Problem(where, "expected [min, max] or null")
        ]
    if isinstance(value, str):
        return [Problem(where, f"{value!r} is not an image file name (a .png or .svg beside the routine)")]
    if isinstance(value, dict):
        deeper = [e for e in error.context or () if e.validator != "type"]
        return [p for e in deeper for p in _explain(e, prefix)]
    return [Problem(where, f"expected a file name or an embedded image, got {kind_of(value)}")]


def _message(rule: str, expected: Any, value: Any) -> str:
    if rule == "type" and expected == ["array", "null"]:
        return f"expected [min, max] whole numbers or null, got {kind_of(value)}"
    if rule == "type":
        wanted = " or ".join(
            _SCHEMA_TYPES.get(t, t) for t in ([expected] if isinstance(expected, str) else expected)
        )
        return f"expected {wanted}, got {kind_of(value)}"
    if rule == "maximum":
        return f"{value} is above the limit of {expected}"
    if rule == "minimum":
        return f"{value} is below the lowest allowed value, {expected}"
    if rule == "minItems":
        return "must not be empty" if expected == 1 else f"needs at least {expected} entries"
    if rule == "maxItems":
        return f"has {len(value)} entries; at most {expected} are allowed"
    if rule == "minLength":
        return "must not be empty"
    if rule == "maxLength":
        return f"is {len(value)} characters long; at most {expected} are allowed"
    if rule == "pattern":
        if expected == r"\S":
            return "must not be blank"
        if expected.startswith("^[a-z0-9]"):
            return (
                f"{value!r} is not a valid id: 1–40 lowercase letters, digits and hyphens, not first a hyphen"
            )
        return f"{value!r} is not a valid file name"
    if rule == "enum":
        return f"{value!r} is not one of: {', '.join(str(v) for v in expected)}"
    if rule == "const":
        return f"expected {json.dumps(expected)}, got {json.dumps(value) if _is_plain(value) else kind_of(value)}"
    return f"{value!r} is not allowed here ({rule})"


def _is_plain(value: object) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def first_problems(problems: Sequence[Problem]) -> str:
    """One line for an error message that can show only one: the first problem and how many more."""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{problems[0]}{more}"
