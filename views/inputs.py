"""Every value a request brings, made safe before any view sees it: text without control characters, bounded ids."""

from __future__ import annotations

from flask import Flask
from flask import request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from tickets.models import MAX_ID
from tickets.validators import strip_controls
from views.uploads import UploadRequest


def _clean(value):
    return strip_controls(value) if isinstance(value, str) else value


class CleanParams(ImmutableMultiDict):
    """Query and form parameters with control characters (NUL first of all) removed from keys and values."""

    def __init__(self, mapping=None) -> None:
        super().__init__([(_clean(key), _clean(value)) for key, value in MultiDict(mapping).items(multi=True)])


class PortalRequest(UploadRequest):
    """The portal's request: args and form are CleanParams, uploads are read with a bounded buffer."""

    parameter_storage_class = CleanParams


class IdConverter(IntegerConverter):
    """`<int:...>` limited to 1..MAX_ID: a larger number is a 404, not a database error."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def query_int(raw: str | None, default: int, low: int = 1, high: int = MAX_ID) -> int:
    """An integer query parameter clamped to low..high; the default when it is missing or not a number."""
    try:
        value = int((raw or "").strip())
    except ValueError:
        return default
    return min(max(value, low), high)


def form_ids(name: str) -> list[int]:
    """The ids posted under `name` (say the files ticked to keep), skipping anything that is not an id."""
    ids = []
    for raw in request.form.getlist(name):
        value = query_int(raw, 0, low=0, high=MAX_ID + 1)
        if 0 < value <= MAX_ID:
            ids.append(value)
    return ids


def init_app(app: Flask) -> None:
    """Install the cleaning request class and the bounded `int` converter (before any route is added)."""
    app.request_class = PortalRequest
    app.url_map.converters["int"] = IdConverter
