"""The API's own OpenAPI schema, made strict, to check answers against it.

Strict: every object that lists its properties allows no others, and OpenAPI 3.0's `nullable`
becomes JSON Schema's `null` type, so that an answer with a key renamed, added or missing, or a
value of another type, does not match.
"""

from typing import Any

import jsonschema
from drf_spectacular.generators import SchemaGenerator

API_PREFIX = "/api/v1"


def api_schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def answer_schema(schema: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    """The strict JSON schema of `method path`'s `status` answer (path as in the schema)."""
    operation = schema["paths"][path][method.lower()]
    content = operation["responses"][str(status)]["content"]["application/json"]
    return _strict(content["schema"], schema["components"]["schemas"])


def _strict(node: Any, components: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_strict(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _strict(components[node["$ref"].rsplit("/", 1)[1]], components)
    strict = {key: _strict(value, components) for key, value in node.items()}
    if strict.pop("nullable", False):
        strict = {"anyOf": [strict, {"type": "null"}]}
    elif "properties" in strict:
        strict.setdefault("additionalProperties", False)
    return strict


def schema_errors(answer: Any, schema: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    return [
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(answer)
    ]
