"""A small notes API in FastAPI, the way the seeds describe a team's backend: JWT sign-in,
registration, notes owned by their author, FastAPI's own `{"detail": ...}` error envelope,
CORS for the frontend. Kept in memory: each start is a fresh store.

Run it with `uvicorn notes:app --port 8000` from this folder; its spec is `app.openapi()`.
"""

import os
import time
import uuid
from typing import Annotated, Optional

import jwt
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import Match

SECRET = os.environ.get("NOTES_SECRET", "a-development-secret-of-32-bytes!")
TOKEN_SECONDS = 900


class Detail(BaseModel):
    """FastAPI's error envelope: what went wrong, in words."""

    detail: str


class Credentials(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=8, max_length=128)


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class User(BaseModel):
    id: str
    email: str


class NoteIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=10_000)
    pinned: bool = False


class NoteUpdate(BaseModel):
    """Each field present is changed; `null` is no value for any of them."""

    model_config = ConfigDict(strict=True, extra="forbid")
    title: str = Field(default=None, min_length=1, max_length=200, json_schema_extra=lambda s: s.pop("default", None))
    body: str = Field(default=None, max_length=10_000, json_schema_extra=lambda s: s.pop("default", None))
    pinned: bool = Field(default=None, json_schema_extra=lambda s: s.pop("default", None))


class Note(BaseModel):
    id: str
    title: str
    body: str
    pinned: bool
    owner_id: str


class NotePage(BaseModel):
    items: list[Note]
    total: int


UNAUTHORIZED = {401: {"model": Detail, "description": "No valid bearer token"}}
NOT_FOUND = {404: {"model": Detail, "description": "No such note of yours"}}

app = FastAPI(title="Notes", version="1.0.0")
app.add_middleware(
    CORSMiddleware,
    allow_origins=["http://localhost:5173"],
    allow_methods=["GET", "POST", "PATCH", "DELETE"],
    allow_headers=["authorization", "content-type"],
)

users: dict[str, dict] = {}
notes: dict[str, Note] = {}


@app.middleware("http")
async def complete_allow(request: Request, call_next):
    """Starlette's 405 names the methods of the first route that matched the path; a client
    needs every method the path has."""
    response = await call_next(request)
    if response.status_code == 405:
        methods = set()
        for route in app.router.routes:
            match, _ = route.matches(request.scope | {"method": "GET"})
            if match != Match.NONE and getattr(route, "methods", None):
                methods |= route.methods
            for method in ("POST", "PATCH", "DELETE", "PUT"):
                match, _ = route.matches(request.scope | {"method": method})
                if match == Match.FULL and getattr(route, "methods", None):
                    methods |= route.methods
        response.headers["allow"] = ", ".join(sorted(methods))
    return response


def unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        message,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


bearer = HTTPBearer(auto_error=False)


def current_user(
    credentials: Annotated[Optional[HTTPAuthorizationCredentials], Depends(bearer)],
) -> dict:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Not authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        claims = jwt.decode(credentials.credentials, SECRET, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise unauthorized("Invalid or expired token")
    user = users.get(claims.get("sub", ""))
    if user is None:
        raise unauthorized("Unknown user")
    return user


Me = Annotated[dict, Depends(current_user)]


@app.post(
    "/api/auth/register",
    status_code=201,
    response_model=User,
    responses={409: {"model": Detail, "description": "The email is taken"}},
)
def register(credentials: Credentials) -> User:
    if any(u["email"] == credentials.email for u in users.values()):
        raise HTTPException(status.HTTP_409_CONFLICT, "Email already registered")
    user = {"id": str(uuid.uuid4()), "email": credentials.email, "password": credentials.password}
    users[user["id"]] = user
    return User(id=user["id"], email=user["email"])


@app.post(
    "/api/auth/login",
    response_model=Token,
    responses={401: {"model": Detail, "description": "Wrong email or password"}},
)
def login(credentials: Credentials) -> Token:
    user = next((u for u in users.values() if u["email"] == credentials.email), None)
    if user is None or user["password"] != credentials.password:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Wrong email or password")
    now = int(time.time())
    token = jwt.encode(
        {"sub": user["id"], "iat": now, "exp": now + TOKEN_SECONDS}, SECRET, algorithm="HS256"
    )
    return Token(access_token=token)


@app.get("/api/users/me", response_model=User, responses=UNAUTHORIZED)
def me(user: Me) -> User:
    return User(id=user["id"], email=user["email"])


@app.get("/api/notes", response_model=NotePage, responses=UNAUTHORIZED)
def list_notes(
    user: Me,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> NotePage:
    mine = [n for n in notes.values() if n.owner_id == user["id"]]
    return NotePage(items=mine[offset : offset + limit], total=len(mine))


@app.post("/api/notes", status_code=201, response_model=Note, responses=UNAUTHORIZED)
def create_note(user: Me, note: NoteIn, response: Response) -> Note:
    created = Note(id=str(uuid.uuid4()), owner_id=user["id"], **note.model_dump())
    notes[created.id] = created
    response.headers["location"] = f"/api/notes/{created.id}"
    return created


def own_note(note_id: str, user: dict) -> Note:
    note = notes.get(note_id)
    if note is None or note.owner_id != user["id"]:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Note not found")
    return note


@app.get("/api/notes/{note_id}", response_model=Note, responses=UNAUTHORIZED | NOT_FOUND)
def read_note(user: Me, note_id: str) -> Note:
    return own_note(note_id, user)


@app.patch("/api/notes/{note_id}", response_model=Note, responses=UNAUTHORIZED | NOT_FOUND)
def update_note(user: Me, note_id: str, change: NoteUpdate) -> Note:
    note = own_note(note_id, user)
    updated = note.model_copy(update=change.model_dump(exclude_unset=True))
    notes[note_id] = updated
    return updated


@app.delete(
    "/api/notes/{note_id}", status_code=204, responses=UNAUTHORIZED | NOT_FOUND
)
def delete_note(user: Me, note_id: str) -> Response:
    own_note(note_id, user)
    del notes[note_id]
    return Response(status_code=204)
