"""Building blocks of the API's input and output schemas.

Input schemas parse structure only: types, lengths that the database imposes, no unknown keys,
no text a database cannot store. Every business rule stays in the services.
"""

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.validators import RegexValidator
from django.db import models
from ninja import Schema
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from kehu.core.text import text_problem

# The largest value of a BigAutoField (and of PostgreSQL's bigint): larger ids cannot exist.
MAX_ID = 2**63 - 1
SMALL_UINT = 32767
UINT = 2147483647


def _storable(value):
    problem = text_problem(value)
    if problem:
        raise PydanticCustomError("bad_text", str(problem))
    return value


def _date_text(value):
    # A JSON date is a text: a number would otherwise be taken as a Unix timestamp.
    if isinstance(value, str | datetime.date):
        return value
    raise PydanticCustomError("date_type", "Input should be a valid date")


# Strings from a query or a path: checked before they can reach a database. Query and path
# values arrive as text, so their numbers and booleans are parsed leniently; in a JSON body the
# types below are strict (true is not 1, "1" is not 1, 0 is not 1970-01-01).
SafeStr = Annotated[str, AfterValidator(_storable)]
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
Money = Annotated[Decimal, Field(max_digits=18, decimal_places=2, allow_inf_nan=False)]
Percent = Annotated[Decimal, Field(max_digits=5, decimal_places=2, allow_inf_nan=False)]
Bool = StrictBool
Date = Annotated[datetime.date, BeforeValidator(_date_text)]
SmallUInt = Annotated[StrictInt, Field(ge=0, le=SMALL_UINT)]
UInt = Annotated[StrictInt, Field(ge=0, le=UINT)]


def model_text(model: type[models.Model], field: str):
    """A string type as long as ``model.field`` allows.

    The model's pattern and format (email, URL) are documented in the OpenAPI schema for
    clients; checking them stays with the model, whose messages say what is wrong.
    """
    model_field = model._meta.get_field(field)
    hints = {}
    for validator in model_field.validators:
        if isinstance(validator, RegexValidator) and not validator.inverse_match:
            hints["pattern"] = validator.regex.pattern
    if isinstance(model_field, models.EmailField):
        hints["format"] = "email"
    elif isinstance(model_field, models.URLField):
        hints["format"] = "uri"
    return Annotated[
        str,
        StringConstraints(max_length=model_field.max_length),
        Field(json_schema_extra=hints or None),
    ]


def limited(max_length: int):
    return Annotated[str, StringConstraints(max_length=max_length)]


class DictOutSchema(Schema):
    """An output schema that its endpoint gives dicts: validated as they are, without the
    attribute-by-attribute lookup django-ninja's ``Schema`` wraps every input in (for ORM
    objects). A list page of 50 customers spent more CPU there than in its queries; other
    inputs (model instances) still take ninja's way."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler, info) -> Any:
        if isinstance(values, dict):
            return handler(values)
        return super()._run_root_validator.__func__(cls, values, handler, info)


class InputSchema(BaseModel):
    """Base of every request body: unknown keys are refused, text must be storable."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        # Lists of objects are nested schemas: they check their own fields (with exact paths).
        if isinstance(value, list) and any(isinstance(item, dict) for item in value):
            return value
        return _storable(value)


def partial_schema(
    schema: type[InputSchema], name: str, *, exclude: tuple[str, ...] = ()
) -> type[InputSchema]:
    """A copy of ``schema`` where every field is optional: the body of a PATCH.

    Used with ``model_dump(exclude_unset=True)`` so that only the keys sent are changed.
    """
    fields: dict[str, Any] = {}
    for field_name, info in schema.model_fields.items():
        if field_name in exclude:
            continue
        annotation = info.annotation
        if info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]
        fields[field_name] = (
            annotation | None,
            Field(
                None,
                description=info.description,
                title=info.title,
                json_schema_extra=info.json_schema_extra,
            ),
        )
    return create_model(name, __base__=InputSchema, __doc__=schema.__doc__, **fields)
