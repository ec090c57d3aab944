"""``GET /api/v1/tickets?view=...``: the list as a saved view's query and sort say,
with any parameter given beside ``view`` winning over the view's."""

from __future__ import annotations

from aiohttp import web
from multidict import MultiDict

from ccengine.ticket_fields.saved_views import view_spec
from ccengine.users.service import Principal
from ccengine.web.params import DATABASE, checked_text


async def with_view(request: web.Request, who: Principal) -> web.Request:
    ref = request.query.get("view")
    if not ref:
        return request
    spec = await view_spec(request.app[DATABASE], who, checked_text("view", ref))
    given = {name for name in request.query if name != "view"}
    merged: MultiDict[str] = MultiDict(
        (name, value) for name, value in spec.query.items() if name not in given)
    if spec.sort and "sort" not in given:
        merged["sort"] = spec.sort
    merged.extend((name, value) for name, value in request.query.items() if name != "view")
    return request.clone(rel_url=request.rel_url.with_query(merged))
