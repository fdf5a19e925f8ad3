"""Run Ralph (ralph-malph 5.1.0) as a test LRS on 127.0.0.1, with the parts it lacks added.

Runs inside .venv-ralph, never in the project's venv:

    .venv-ralph/bin/python tests/lrs/ralph_launcher.py --port 8100 --data-dir DIR \
        --auth-file auth.json

On top of stock Ralph (statements only, file-system backend) this adds:

* the APPEND workaround: Ralph's fs backend writes with CREATE and fails every write after the
  first ("Statements bulk indexation failed"), see docs/testing.md;
* State (/xAPI/activities/state), Activity Profile (/xAPI/activities/profile) and Agent Profile
  (/xAPI/agents/profile) document APIs, GET/PUT/POST/DELETE, JSON merge on POST, ETag with
  If-Match/If-None-Match, id lists; kept in memory and mirrored to DIR/documents.json so that a
  restart on the same data dir keeps them, like the statements;
* GET /xAPI/about;
* an ``X-Experience-API-Version: 1.0.3`` header on every response;
* CORS (any http://127.0.0.1:PORT or http://localhost:PORT origin) with OPTIONS preflight;
* cmi5 one-time fetch URLs: ``POST /__test__/fetch`` (basic auth) with an optional JSON body
  ``{"auth-token": "..."}`` registers a token and answers ``{"token": ID, "url": ".../fetch/ID"}``;
  ``POST /fetch/ID`` then answers ``{"auth-token": ...}`` once and
  ``{"error-code": "1", "error-text": ...}`` (HTTP 200, cmi5 section 8.2.3) after.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--auth-file", type=Path, required=True)
    parser.add_argument(
        "--fetch-credentials",
        default=os.environ.get("SCORMBUILD_LRS_CREDENTIALS", ""),
        help="user:password handed out by fetch URLs registered without a token",
    )
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args()


ARGS = _parse_args()
ARGS.data_dir.mkdir(parents=True, exist_ok=True)
# Ralph reads its settings from the environment at import time.
os.environ["RALPH_RUNSERVER_BACKEND"] = "fs"
os.environ["RALPH_AUTH_FILE"] = str(ARGS.auth_file)
os.environ["RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH"] = str(ARGS.data_dir)
os.environ.setdefault("RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT", "100")

import ralph.backends.lrs.fs  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import APIRouter, Depends, Request, Response  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from ralph.api import app  # noqa: E402
from ralph.api.auth import get_authenticated_user  # noqa: E402
from ralph.api.auth.user import AuthenticatedUser  # noqa: E402
from ralph.backends.data.base import BaseOperationType  # noqa: E402
from starlette.middleware.cors import CORSMiddleware  # noqa: E402
from starlette.types import ASGIApp, Message, Receive, Scope, Send  # noqa: E402

# Workaround: without APPEND the second statement write fails with a 500.
ralph.backends.lrs.fs.FSLRSBackend.default_operation_type = BaseOperationType.APPEND

XAPI_VERSION = "1.0.3"
DOCS_FILE = ARGS.data_dir / "documents.json"
FETCH_FILE = ARGS.data_dir / "fetch-tokens.json"
LOCK = threading.Lock()


def _load(path: Path) -> dict[str, Any]:
    if path.exists():
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    return {}


def _save(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)


# scope key -> document id -> {"content_type", "body" (base64), "etag", "updated"}
DOCUMENTS: dict[str, dict[str, dict[str, str]]] = _load(DOCS_FILE)
# token -> {"auth-token": str, "used": bool}
FETCH_TOKENS: dict[str, dict[str, Any]] = _load(FETCH_FILE)


class XapiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _agent_key(raw: str | None) -> str:
    if not raw:
        raise XapiError(400, "agent parameter is required")
    try:
        agent = json.loads(raw)
    except ValueError as exc:
        raise XapiError(400, f"agent is not JSON: {exc}") from exc
    if not isinstance(agent, dict):
        raise XapiError(400, "agent must be a JSON object")
    ifis = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in agent]
    if len(ifis) != 1:
        raise XapiError(400, "agent must have exactly one inverse functional identifier")
    ifi = ifis[0]
    if ifi == "account":
        account = agent["account"]
        if not isinstance(account, dict) or not {"homePage", "name"} <= account.keys():
            raise XapiError(400, "agent account needs homePage and name")
        return json.dumps(["account", account["homePage"], account["name"]])
    return json.dumps([ifi, agent[ifi]])


def _scope(kind: str, request: Request) -> str:
    params = request.query_params
    if kind == "state":
        activity = params.get("activityId")
        if not activity:
            raise XapiError(400, "activityId is required")
        return json.dumps(
            [kind, activity, _agent_key(params.get("agent")), params.get("registration") or ""]
        )
    if kind == "activity-profile":
        activity = params.get("activityId")
        if not activity:
            raise XapiError(400, "activityId is required")
        return json.dumps([kind, activity])
    return json.dumps([kind, _agent_key(params.get("agent"))])


ID_PARAM = {"state": "stateId", "activity-profile": "profileId", "agent-profile": "profileId"}


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest() + '"'


def _check_preconditions(request: Request, doc: dict[str, str] | None) -> None:
    if_match = request.headers.get("if-match")
    if if_match is not None and (
        doc is None or (if_match.strip() != "*" and doc["etag"] not in if_match)
    ):
        raise XapiError(412, "If-Match does not match the stored document")
    if_none_match = request.headers.get("if-none-match")
    if (
        if_none_match is not None
        and doc is not None
        and (if_none_match.strip() == "*" or doc["etag"] in if_none_match)
    ):
        raise XapiError(412, "If-None-Match: the document exists")


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


async def _documents(kind: str, request: Request) -> Response:
    try:
        return await _documents_inner(kind, request)
    except XapiError as exc:
        return JSONResponse({"detail": exc.message}, status_code=exc.status)


async def _documents_inner(kind: str, request: Request) -> Response:
    scope = _scope(kind, request)
    doc_id = request.query_params.get(ID_PARAM[kind])
    method = request.method
    with LOCK:
        docs = DOCUMENTS.setdefault(scope, {})
        doc = docs.get(doc_id) if doc_id else None
        if method == "GET":
            if doc_id is None:
                since = request.query_params.get("since")
                ids = [
                    key
                    for key, value in docs.items()
                    if since is None
                    or datetime.fromisoformat(value["updated"]) > datetime.fromisoformat(since)
                ]
                return JSONResponse(ids)
            if doc is None:
                return JSONResponse({"detail": "document not found"}, status_code=404)
            return Response(
                base64.b64decode(doc["body"]),
                media_type=doc["content_type"],
                headers={"ETag": doc["etag"], "Last-Modified": doc["updated"]},
            )
        if method == "DELETE":
            _check_preconditions(request, doc)
            if doc_id is None:
                if kind != "state":
                    raise XapiError(400, f"{ID_PARAM[kind]} is required")
                docs.clear()
            else:
                docs.pop(doc_id, None)
            _save(DOCS_FILE, DOCUMENTS)
            return Response(status_code=204)
        # PUT or POST
        if doc_id is None:
            raise XapiError(400, f"{ID_PARAM[kind]} is required")
        _check_preconditions(request, doc)
        body = await request.body()
        content_type = request.headers.get("content-type", "application/octet-stream")
        if method == "POST" and doc is not None:
            if not (_is_json(content_type) and _is_json(doc["content_type"])):
                raise XapiError(400, "POST merges JSON documents only")
            try:
                old = json.loads(base64.b64decode(doc["body"]))
                new = json.loads(body)
            except ValueError as exc:
                raise XapiError(400, f"invalid JSON: {exc}") from exc
            if not (isinstance(old, dict) and isinstance(new, dict)):
                raise XapiError(400, "POST merges JSON objects only")
            body = json.dumps({**old, **new}).encode()
        elif _is_json(content_type):
            try:
                json.loads(body)
            except ValueError as exc:
                raise XapiError(400, f"invalid JSON: {exc}") from exc
        docs[doc_id] = {
            "content_type": content_type,
            "body": base64.b64encode(body).decode(),
            "etag": _etag(body),
            "updated": datetime.now(UTC).isoformat(),
        }
        _save(DOCS_FILE, DOCUMENTS)
        return Response(status_code=204)


documents_router = APIRouter(dependencies=[Depends(get_authenticated_user)])


def _route(path: str, kind: str) -> None:
    async def handler(request: Request) -> Response:
        return await _documents(kind, request)

    handler.__name__ = f"documents_{kind.replace('-', '_')}"
    documents_router.add_api_route(
        path, handler, methods=["GET", "PUT", "POST", "DELETE"], include_in_schema=False
    )


_route("/xAPI/activities/state", "state")
_route("/xAPI/activities/profile", "activity-profile")
_route("/xAPI/agents/profile", "agent-profile")


fetch_router = APIRouter()


@fetch_router.get("/xAPI/about")
async def about() -> dict[str, Any]:
    return {"version": [XAPI_VERSION]}


@fetch_router.post("/__test__/fetch")
async def new_fetch_token(
    request: Request, _user: AuthenticatedUser = Depends(get_authenticated_user)
) -> dict[str, str]:
    body = await request.body()
    auth_token = json.loads(body).get("auth-token") if body.strip() else None
    if not auth_token:
        auth_token = base64.b64encode(ARGS.fetch_credentials.encode()).decode()
    token = secrets.token_urlsafe(12)
    with LOCK:
        FETCH_TOKENS[token] = {"auth-token": auth_token, "used": False}
        _save(FETCH_FILE, FETCH_TOKENS)
    return {"token": token, "url": f"{str(request.base_url).rstrip('/')}/fetch/{token}"}


@fetch_router.post("/fetch/{token}")
async def fetch(token: str) -> dict[str, str]:
    with LOCK:
        entry = FETCH_TOKENS.get(token)
        if entry is None:
            return {"error-code": "3", "error-text": "unknown fetch token"}
        if entry["used"]:
            return {"error-code": "1", "error-text": "already in use"}
        entry["used"] = True
        _save(FETCH_FILE, FETCH_TOKENS)
        return {"auth-token": entry["auth-token"]}


app.include_router(documents_router)
app.include_router(fetch_router)


class XapiVersionHeader:
    """Add X-Experience-API-Version to every HTTP response (CORS preflights included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.inner = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-experience-api-version", XAPI_VERSION.encode()))
                message["headers"] = headers
            await send(message)

        await self.inner(scope, receive, send_with_header)


app.add_middleware(
    CORSMiddleware,
    allow_origin_regex=r"https?://(127\.0\.0\.1|localhost)(:\d+)?",
    allow_credentials=True,
    allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    allow_headers=["*"],
    expose_headers=["ETag", "Last-Modified", "X-Experience-API-Version", "Content-Type"],
    max_age=600,
)
app.add_middleware(XapiVersionHeader)


if __name__ == "__main__":
    uvicorn.run(app, host=ARGS.host, port=ARGS.port, log_level=ARGS.log_level, access_log=False)
