"""The messages' JSON Schemas, as Pydantic writes them, in AsyncAPI's dialect.

Client messages are described as the service validates them; server messages as it
serializes them, which leaves out every field that is None (codec.py). The output is made
independent of the Pydantic release that builds it, so that the committed document does
not change with the environment it was written in.
"""

from collections.abc import Iterable
from enum import Enum
from typing import Any

from pydantic import BaseModel, JsonValue
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from pydantic_core import core_schema

from ..websocket.errors import ErrorCode, NoticeCode
from .docstrings import attribute_docstrings

REF_TEMPLATE = "#/components/schemas/{model}"
CODES: dict[str, type[Enum]] = {"ErrorCode": ErrorCode, "NoticeCode": NoticeCode}
"""Schemas of codes, whose description lists each code with its meaning."""


def message_schemas(
    client: Iterable[type[BaseModel]], server: Iterable[type[BaseModel]]
) -> dict[str, Any]:
    """Every schema the messages need, by name, sorted."""
    received = _definitions(client, "validation", GenerateJsonSchema)
    sent = _definitions(server, "serialization", SentSchema)
    for name in received.keys() & sent.keys():
        if received[name] != sent[name]:
            message = f"{name} has one schema as clients send it and another as the server does"
            raise ValueError(message)
    schemas = received | sent
    for name, codes in CODES.items():
        if name in schemas:
            schemas[name]["description"] = describe_codes(codes)
    return dict(sorted(schemas.items()))


def describe_codes(codes: type[Enum]) -> str:
    """The enum's docstring, then each code with the docstring it was defined with."""
    documented = attribute_docstrings(codes)
    lines = [(codes.__doc__ or "").strip(), ""]
    lines += [f"- `{code.value}`: {one_line(documented[code.name])}" for code in codes]
    return "\n".join(lines)


def one_line(text: str) -> str:
    return " ".join(text.split())


class SentSchema(GenerateJsonSchema):
    """Schemas of what the server sends: a field that may be None is left out when it is, so
    it is optional and never `null`; every other field is always there."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> dict[str, Any]:
        inner: dict[str, Any] = self.generate_inner(schema["schema"])
        return inner

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> dict[str, Any]:
        generated: dict[str, Any] = super().default_schema(schema)
        if generated.get("default", ...) is None:
            del generated["default"]
        return generated

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,  # noqa: FBT001 (Pydantic's signature)
    ) -> bool:
        schema = field["schema"]
        if schema["type"] == "default":
            if "default" not in schema or schema["default"] is None:
                return False  # a factory's value cannot be known here: not promised
            schema = schema["schema"]
        nullable: bool = schema["type"] == "nullable"
        return not nullable


def _definitions(
    message_models: Iterable[type[BaseModel]],
    mode: JsonSchemaMode,
    generator: type[GenerateJsonSchema],
) -> dict[str, Any]:
    _, top = models_json_schema(
        [(model, mode) for model in message_models],
        ref_template=REF_TEMPLATE,
        schema_generator=generator,
    )
    return {name: _in_asyncapi_dialect(schema) for name, schema in top.get("$defs", {}).items()}


def _in_asyncapi_dialect(value: JsonValue) -> JsonValue:
    """AsyncAPI's `discriminator` is a property name (OpenAPI's object form, which Pydantic
    writes, is not). A single allowed value is written as `const` alone, as newer Pydantic
    releases do and older ones did beside an `enum`, and keywords are sorted (properties keep
    their order), so that two Pydantic releases write the same document."""
    if isinstance(value, list):
        return [_in_asyncapi_dialect(item) for item in value]
    if not isinstance(value, dict):
        return value
    converted = {
        key: _properties(item) if key == "properties" else _in_asyncapi_dialect(item)
        for key, item in value.items()
    }
    discriminator = converted.get("discriminator")
    if isinstance(discriminator, dict):
        converted["discriminator"] = discriminator["propertyName"]
    allowed = converted.get("enum")
    if isinstance(allowed, list) and len(allowed) == 1:
        converted["const"] = allowed[0]
        del converted["enum"]
    return dict(sorted(converted.items()))


def _properties(value: JsonValue) -> JsonValue:
    if isinstance(value, dict):
        return {name: _in_asyncapi_dialect(schema) for name, schema in value.items()}
    return value
