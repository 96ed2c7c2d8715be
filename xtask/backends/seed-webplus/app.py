"""A second backend built the way the user's documents describe one (seed 004, "Web+"), with
its WebSocket at `/ws?token=...` that pushes `model_update` events to the models' owner:
FastAPI with a JSON sign-in by `username` answering an access and a refresh token in its
body, a rotating refresh token in the body, service API keys in `X-API-Key` accepted beside
the user's bearer token, every error in `{"error", "message", "details", "request_id",
"timestamp"}` with the request id echoed in `X-Request-ID`, a paginated list with
`X-Total-Count`, and a CORS allow-list exposing it. Written for accord's corpus, not vendored.
"""

import datetime
import hashlib
import os
import secrets
import threading
import time
import uuid
from typing import Optional

import jwt
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

SECRET = os.environ.get("SECRET_KEY", "seed-webplus-secret-key-for-tests-only")
ORIGINS = os.environ.get("CORS_ORIGINS", "http://localhost:5173,http://localhost:3000").split(",")
# Deliberate defects, one broken copy at a time (`SEED_FAULTS=...`): key_revoked (a revoked
# API key still works), rotation (a used refresh token refreshes again), request_id (the
# error's request_id is not the X-Request-ID), total (X-Total-Count is the page size asked),
# ws_origin (the WebSocket takes any Origin), ws_anonymous (it takes a handshake without a
# token, as nobody's).
FAULTS = set(filter(None, os.environ.get("SEED_FAULTS", "").split(",")))

lock = threading.Lock()
users: dict = {}  # username -> {"id", "password", "full_name"}
refresh_tokens: dict = {}  # token -> {"user", "used"}
api_keys: dict = {}  # key -> {"id", "owner", "name", "revoked"}
models: dict = {}  # id -> {"id", "owner", "name", "status", "created_at"}


class ErrorResponse(BaseModel):
    error: str
    message: str
    details: dict = {}
    request_id: str
    timestamp: str


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def error(request: Request, status: int, kind: str, message: str, details=None, headers=None):
    rid = request.state.request_id if hasattr(request.state, "request_id") else str(uuid.uuid4())
    if "request_id" in FAULTS:
        rid = str(uuid.uuid4())
    return JSONResponse(
        {"error": kind, "message": message, "details": details or {}, "request_id": rid, "timestamp": now()},
        status_code=status,
        headers=headers,
    )


class ApiError(Exception):
    def __init__(self, status, kind, message, details=None, headers=None):
        self.args = (status, kind, message, details, headers)


app = FastAPI(title="Web+ API", version="2.1.0")
app.add_middleware(
    CORSMiddleware,
    allow_origins=ORIGINS,
    allow_credentials=True,
    allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"],
    allow_headers=["*"],
    expose_headers=["Content-Length", "X-Total-Count", "X-Request-ID"],
)


@app.middleware("http")
async def request_id(request: Request, call_next):
    request.state.request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
    response = await call_next(request)
    response.headers["X-Request-ID"] = request.state.request_id
    return response


@app.exception_handler(ApiError)
async def api_error(request: Request, e: ApiError):
    status, kind, message, details, headers = e.args
    return error(request, status, kind, message, details, headers)


@app.exception_handler(HTTPException)
async def http_error(request: Request, e: HTTPException):
    kinds = {404: "Not found", 405: "Method not allowed"}
    return error(request, e.status_code, kinds.get(e.status_code, "HTTP error"), str(e.detail), headers=e.headers)


@app.exception_handler(RequestValidationError)
async def invalid(request: Request, e: RequestValidationError):
    fields = {".".join(str(p) for p in err["loc"][1:]) or "body": err["msg"] for err in e.errors()}
    return error(request, 422, "Validation error", "The request is invalid", {"fields": fields})


ERRORS = {s: {"model": ErrorResponse} for s in (401, 404, 422)}


def hashed(password: str, salt: bytes) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 30_000).hex()


bearer = HTTPBearer(auto_error=False)
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def caller(credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer),
           key: Optional[str] = Depends(api_key_header)) -> str:
    """The user a request acts for: its bearer token's, or its API key's owner."""
    if credentials is not None:
        try:
            claims = jwt.decode(credentials.credentials, SECRET, algorithms=["HS256"])
        except jwt.PyJWTError:
            raise ApiError(401, "Unauthorized", "The token is invalid or expired",
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        if claims.get("type") != "access" or claims.get("sub") not in users:
            raise ApiError(401, "Unauthorized", "Not an access token", headers={"WWW-Authenticate": "Bearer"})
        return claims["sub"]
    if key is not None:
        with lock:
            found = api_keys.get(key)
        if found is None or (found["revoked"] and "key_revoked" not in FAULTS):
            raise ApiError(401, "Unauthorized", "The API key is invalid")
        return found["owner"]
    raise ApiError(401, "Unauthorized", "Not authenticated", headers={"WWW-Authenticate": "Bearer"})


def user_only(credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer)) -> str:
    """The signed-in user (API keys are for services, not for managing keys)."""
    if credentials is None:
        raise ApiError(401, "Unauthorized", "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    return caller(credentials, None)


class Register(BaseModel):
    username: str = Field(min_length=3, max_length=50, pattern=r"^[A-Za-z0-9_.@+-]+$")
    password: str = Field(min_length=8, max_length=128)
    full_name: str = Field(min_length=1, max_length=100)


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=50)
    password: str = Field(min_length=1, max_length=128)


class UserOut(BaseModel):
    id: str
    username: str
    full_name: str


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    user: UserOut


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1)


def user_out(username: str) -> UserOut:
    u = users[username]
    return UserOut(id=u["id"], username=username, full_name=u["full_name"])


def tokens_for(username: str) -> Tokens:
    t = int(time.time())
    access = jwt.encode({"sub": username, "type": "access", "iat": t, "exp": t + 900}, SECRET, algorithm="HS256")
    refresh = secrets.token_urlsafe(32)
    with lock:
        refresh_tokens[refresh] = {"user": username, "used": False}
    return Tokens(access_token=access, refresh_token=refresh, user=user_out(username))


auth = APIRouter(prefix="/auth", tags=["auth"])


@auth.post("/register", status_code=201, response_model=UserOut, responses={409: {"model": ErrorResponse}, 422: ERRORS[422]})
def register(body: Register):
    salt = secrets.token_bytes(16)
    with lock:
        if body.username.lower() in users:
            raise ApiError(409, "Conflict", "This username is taken")
        users[body.username.lower()] = {"id": str(uuid.uuid4()), "salt": salt, "full_name": body.full_name,
                                        "password": hashed(body.password, salt)}
    return user_out(body.username.lower())


@auth.post("/login", response_model=Tokens, responses={401: ERRORS[401], 422: ERRORS[422]})
def login(body: Login):
    u = users.get(body.username.lower())
    if u is None or not secrets.compare_digest(u["password"], hashed(body.password, u["salt"])):
        raise ApiError(401, "Unauthorized", "Wrong username or password")
    return tokens_for(body.username.lower())


@auth.post("/refresh", response_model=Tokens, responses={401: ERRORS[401], 422: ERRORS[422]})
def refresh(body: RefreshIn):
    with lock:
        found = refresh_tokens.get(body.refresh_token)
        if found is None or (found["used"] and "rotation" not in FAULTS):
            if found is not None:
                for t in refresh_tokens.values():
                    if t["user"] == found["user"]:
                        t["used"] = True
            raise ApiError(401, "Unauthorized", "The refresh token is invalid")
        found["used"] = True
    return tokens_for(found["user"])


@auth.post("/logout", status_code=204, responses={422: ERRORS[422]})
def logout(body: RefreshIn):
    with lock:
        if body.refresh_token in refresh_tokens:
            refresh_tokens[body.refresh_token]["used"] = True
    return Response(status_code=204)


@auth.get("/me", response_model=UserOut, responses={401: ERRORS[401]})
def me(user: str = Depends(user_only)):
    return user_out(user)


class KeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)


class KeyOut(BaseModel):
    id: str
    name: str
    key: Optional[str] = None


keys = APIRouter(prefix="/api/keys", tags=["api keys"], responses={401: ERRORS[401], 404: ERRORS[404]})


@keys.post("", status_code=201, response_model=KeyOut, responses={422: ERRORS[422]})
def create_key(body: KeyIn, user: str = Depends(user_only)):
    key = "wp_" + secrets.token_urlsafe(24)
    with lock:
        kid = str(uuid.uuid4())
        api_keys[key] = {"id": kid, "owner": user, "name": body.name, "revoked": False}
    return KeyOut(id=kid, name=body.name, key=key)


@keys.delete("/{key_id}", status_code=204)
def revoke_key(key_id: str, user: str = Depends(user_only)):
    with lock:
        for k in api_keys.values():
            if k["id"] == key_id and k["owner"] == user and not k["revoked"]:
                k["revoked"] = True
                return Response(status_code=204)
    raise ApiError(404, "Not found", "No such API key", {"id": key_id})


class ModelIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    parameters: int = Field(ge=1, le=1_000_000, description="Billions of parameters")
    description: Optional[str] = Field(default=None, max_length=500)


class ModelOut(BaseModel):
    id: int
    name: str
    parameters: int
    description: Optional[str] = None
    status: str
    created_at: str


api = APIRouter(prefix="/api/models", tags=["models"], responses={401: ERRORS[401], 404: ERRORS[404], 422: ERRORS[422]})
next_model = [0]


def mine(model_id: int, user: str) -> dict:
    with lock:
        m = models.get(model_id)
    if m is None or m["owner"] != user:
        raise ApiError(404, "Not found", "No such model", {"id": model_id})
    return m


def out(m: dict) -> ModelOut:
    return ModelOut(**{k: v for k, v in m.items() if k != "owner"})


@api.get("", response_model=list[ModelOut])
def list_models(response: Response, limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0),
                user: str = Depends(caller)):
    with lock:
        everyone = sorted(models.values(), key=lambda m: m["id"])
    own = [m for m in everyone if m["owner"] == user]
    response.headers["X-Total-Count"] = str(limit if "total" in FAULTS else len(own))
    return [out(m) for m in own[offset: offset + limit]]


@api.post("", status_code=201, response_model=ModelOut)
async def create_model(body: ModelIn, response: Response, user: str = Depends(caller)):
    with lock:
        next_model[0] += 1
        m = {"id": next_model[0], "owner": user, "name": body.name, "parameters": body.parameters,
             "description": body.description, "status": "stopped", "created_at": now()}
        models[m["id"]] = m
    response.headers["Location"] = f"/api/models/{m['id']}"
    await notify(user, {"type": "model_update", "model_id": m["id"], "status": m["status"],
                        "details": {"message": "Model created"}, "timestamp": now()})
    return out(m)


@api.get("/{model_id}", response_model=ModelOut)
def get_model(model_id: int, user: str = Depends(caller)):
    return out(mine(model_id, user))


@api.put("/{model_id}", response_model=ModelOut)
def replace_model(model_id: int, body: ModelIn, user: str = Depends(caller)):
    m = mine(model_id, user)
    with lock:
        m.update(name=body.name, parameters=body.parameters, description=body.description)
    return out(m)


@api.delete("/{model_id}", status_code=204)
def delete_model(model_id: int, user: str = Depends(caller)):
    mine(model_id, user)
    with lock:
        models.pop(model_id, None)
    return Response(status_code=204)


@api.post("/{model_id}/start", response_model=ModelOut)
def start_model(model_id: int, user: str = Depends(caller)):
    m = mine(model_id, user)
    with lock:
        m["status"] = "running"
    return out(m)


sockets: dict = {}  # username -> set of open WebSockets


async def notify(user: str, event: dict):
    for socket in list(sockets.get(user, ())):
        try:
            await socket.send_json(event)
        except Exception:
            sockets.get(user, set()).discard(socket)


@app.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket, token: Optional[str] = None):
    """The token in the query (`?token=`), as the browser sends it, or in `Authorization`."""
    origin = websocket.headers.get("origin")
    if origin is not None and origin not in ORIGINS and "ws_origin" not in FAULTS:
        await websocket.close(code=1008)
        return
    header = websocket.headers.get("authorization", "")
    raw = token or (header[7:] if header.lower().startswith("bearer ") else None)
    try:
        claims = jwt.decode(raw or "", SECRET, algorithms=["HS256"])
        user = claims["sub"] if claims.get("type") == "access" and claims.get("sub") in users else None
    except jwt.PyJWTError:
        user = None
    if user is None and "ws_anonymous" not in FAULTS:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    sockets.setdefault(user, set()).add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        sockets.get(user, set()).discard(websocket)


app.include_router(auth)
app.include_router(keys)
app.include_router(api)
