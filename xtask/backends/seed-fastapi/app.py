"""A backend built the way the user's documents describe one (seeds 002-004): FastAPI with
JWT access tokens in `Authorization: Bearer`, a refresh token in an httpOnly cookie that
rotates (reuse revokes the family), a double-submit CSRF token for the cookie-authenticated
refresh and logout, every error in `{"detail": {"code", "message", "params"}}`, a CORS
allow-list, a rate-limited login with `Retry-After`, and owned resources with a nested
sub-resource. Written for accord's corpus, not vendored: a service as a team would write it.
"""

import hashlib
import os
import secrets
import sqlite3
import threading
import time
from typing import Optional

import jwt
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, EmailStr, Field
from starlette.exceptions import HTTPException

SECRET = os.environ.get("SECRET_KEY", "seed-fastapi-secret-key-for-tests-only")
ACCESS_MINUTES = int(os.environ.get("ACCESS_TOKEN_EXPIRE_MINUTES", "15"))
ORIGINS = os.environ.get("CORS_ORIGINS", "http://localhost:5173").split(",")
LOGIN_BURST = int(os.environ.get("LOGIN_RATE_PER_MINUTE", "30"))
# Deliberate defects, one broken copy at a time (`SEED_FAULTS=owner`), for checking that each
# is caught: owner (any user reads, changes and deletes any vehicle), reuse (a used refresh
# token refreshes again), csrf (the refresh takes no CSRF header), envelope (a missing
# vehicle's 404 is `{"error": ...}`), nul (a NUL in a vehicle's make is a 500), limit (the
# list ignores `limit`), string_id (a vehicle's id is a string), open_list (the list answers
# without a token, every user's vehicles).
FAULTS = set(filter(None, os.environ.get("SEED_FAULTS", "").split(",")))

db = sqlite3.connect(os.environ.get("DATABASE", ":memory:"), check_same_thread=False)
db.row_factory = sqlite3.Row
lock = threading.Lock()
db.executescript(
    """
    CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT UNIQUE NOT NULL,
        full_name TEXT NOT NULL, password TEXT NOT NULL);
    CREATE TABLE refresh (token TEXT PRIMARY KEY, user_id INTEGER NOT NULL,
        family TEXT NOT NULL, used INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE vehicles (id INTEGER PRIMARY KEY AUTOINCREMENT, owner INTEGER NOT NULL, make TEXT NOT NULL,
        model TEXT NOT NULL, year INTEGER NOT NULL, vin TEXT);
    CREATE TABLE records (id INTEGER PRIMARY KEY AUTOINCREMENT, vehicle INTEGER NOT NULL,
        description TEXT NOT NULL, mileage INTEGER NOT NULL);
    """
)


class ErrorBody(BaseModel):
    code: str
    message: str
    params: dict = {}


class ErrorResponse(BaseModel):
    detail: ErrorBody


def fail(status: int, code: str, message: str, params: Optional[dict] = None, headers=None):
    return JSONResponse(
        {"detail": {"code": code, "message": message, "params": params or {}}},
        status_code=status,
        headers=headers,
    )


class ApiError(Exception):
    def __init__(self, status, code, message, params=None, headers=None):
        self.args = (status, code, message, params, headers)


app = FastAPI(title="AutoPulse", version="1.0.0")
app.add_middleware(
    CORSMiddleware,
    allow_origins=ORIGINS,
    allow_credentials=True,
    allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
    allow_headers=["Authorization", "Content-Type", "X-CSRF-Token"],
    expose_headers=["X-Request-ID"],
)


@app.middleware("http")
async def request_id(request: Request, call_next):
    response = await call_next(request)
    response.headers["X-Request-ID"] = request.headers.get("x-request-id") or secrets.token_hex(8)
    return response


@app.exception_handler(ApiError)
async def api_error(_: Request, e: ApiError):
    return fail(*e.args)


@app.exception_handler(HTTPException)
async def http_error(_: Request, e: HTTPException):
    codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
    if "envelope" in FAULTS and e.status_code == 404:
        return JSONResponse({"error": str(e.detail)}, status_code=404)
    return fail(e.status_code, codes.get(e.status_code, "HTTP_ERROR"), str(e.detail), headers=e.headers)


@app.exception_handler(RequestValidationError)
async def invalid(_: Request, e: RequestValidationError):
    errors = [
        {"field": ".".join(str(p) for p in err["loc"][1:]), "message": err["msg"]}
        for err in e.errors()
    ]
    return fail(422, "VALIDATION_ERROR", "The request is invalid", {"errors": errors})


ERRORS = {
    401: {"model": ErrorResponse, "description": "Not authenticated"},
    404: {"model": ErrorResponse, "description": "Not found"},
    422: {"model": ErrorResponse, "description": "Validation error"},
}


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 50_000)
    return salt.hex() + "$" + digest.hex()


def check_password(password: str, stored: str) -> bool:
    salt, _ = stored.split("$")
    return secrets.compare_digest(hash_password(password, bytes.fromhex(salt)), stored)


bearer = HTTPBearer(auto_error=False)


def current_user(credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer)) -> int:
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise ApiError(401, "NOT_AUTHENTICATED", "Not authenticated", headers=challenge)
    try:
        claims = jwt.decode(credentials.credentials, SECRET, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise ApiError(401, "INVALID_TOKEN", "The token is invalid or expired",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    if claims.get("type") != "access":
        raise ApiError(401, "INVALID_TOKEN", "Not an access token", headers=challenge)
    with lock:
        row = db.execute("SELECT id FROM users WHERE id = ?", (int(claims["sub"]),)).fetchone()
    if row is None:
        raise ApiError(401, "INVALID_TOKEN", "The user no longer exists", headers=challenge)
    return row["id"]


class Register(BaseModel):
    email: EmailStr
    password: str = Field(min_length=8, max_length=128)
    full_name: str = Field(min_length=1, max_length=100)


class Login(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=128)


class User(BaseModel):
    id: int
    email: str
    full_name: str


class UserUpdate(BaseModel):
    full_name: Optional[str] = Field(default=None, min_length=1, max_length=100)


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


auth = APIRouter(prefix="/api/v1/auth", tags=["auth"])
attempts: dict = {}


def access_token(user_id: int) -> Token:
    now = int(time.time())
    token = jwt.encode(
        {"sub": str(user_id), "type": "access", "iat": now, "exp": now + 60 * ACCESS_MINUTES},
        SECRET,
        algorithm="HS256",
    )
    return Token(access_token=token, expires_in=60 * ACCESS_MINUTES)


def set_session_cookies(response: Response, user_id: int, family: Optional[str] = None):
    token = secrets.token_urlsafe(32)
    with lock:
        db.execute(
            "INSERT INTO refresh (token, user_id, family) VALUES (?, ?, ?)",
            (token, user_id, family or secrets.token_hex(8)),
        )
    response.set_cookie("refresh_token", token, httponly=True, samesite="lax",
                        path="/api/v1/auth", max_age=7 * 24 * 3600)
    response.set_cookie("csrf_token", secrets.token_urlsafe(16), samesite="lax",
                        max_age=7 * 24 * 3600)


def check_csrf(request: Request):
    cookie = request.cookies.get("csrf_token")
    header = request.headers.get("x-csrf-token")
    if not cookie or not header or not secrets.compare_digest(cookie, header):
        raise ApiError(403, "CSRF_FAILED", "The CSRF token is missing or wrong")


@auth.post("/register", status_code=201, response_model=User, responses={409: {"model": ErrorResponse}, 422: ERRORS[422]})
def register(body: Register):
    with lock:
        try:
            cur = db.execute(
                "INSERT INTO users (email, full_name, password) VALUES (?, ?, ?)",
                (body.email.lower(), body.full_name, hash_password(body.password)),
            )
        except sqlite3.IntegrityError:
            raise ApiError(409, "EMAIL_TAKEN", "This email is already registered")
    return User(id=cur.lastrowid, email=body.email.lower(), full_name=body.full_name)


@auth.post("/login", response_model=Token, responses={401: ERRORS[401], 422: ERRORS[422], 429: {"model": ErrorResponse}})
def login(body: Login, request: Request, response: Response):
    client = request.client.host if request.client else "?"
    now = time.time()
    recent = [t for t in attempts.get(client, []) if now - t < 60]
    if len(recent) >= LOGIN_BURST:
        retry = int(60 - (now - recent[0])) + 1
        raise ApiError(429, "RATE_LIMITED", "Too many login attempts", headers={"Retry-After": str(retry)})
    attempts[client] = recent + [now]
    with lock:
        row = db.execute("SELECT * FROM users WHERE email = ?", (body.email.lower(),)).fetchone()
    if row is None or not check_password(body.password, row["password"]):
        raise ApiError(401, "INVALID_CREDENTIALS", "Wrong email or password")
    set_session_cookies(response, row["id"])
    return access_token(row["id"])


@auth.post("/refresh", response_model=Token, responses={401: ERRORS[401], 403: {"model": ErrorResponse}})
def refresh(request: Request, response: Response):
    if "csrf" not in FAULTS:
        check_csrf(request)
    token = request.cookies.get("refresh_token")
    with lock:
        row = db.execute("SELECT * FROM refresh WHERE token = ?", (token or "",)).fetchone()
        if row is None or row["revoked"]:
            raise ApiError(401, "INVALID_REFRESH", "The refresh token is invalid")
        if row["used"] and "reuse" not in FAULTS:
            db.execute("UPDATE refresh SET revoked = 1 WHERE family = ?", (row["family"],))
            raise ApiError(401, "REFRESH_REUSED", "The refresh token was used already")
        db.execute("UPDATE refresh SET used = 1 WHERE token = ?", (token,))
    set_session_cookies(response, row["user_id"], row["family"])
    return access_token(row["user_id"])


@auth.post("/logout", status_code=204, responses={403: {"model": ErrorResponse}})
def logout(request: Request, response: Response):
    check_csrf(request)
    token = request.cookies.get("refresh_token")
    if token:
        with lock:
            row = db.execute("SELECT family FROM refresh WHERE token = ?", (token,)).fetchone()
            if row is not None:
                db.execute("UPDATE refresh SET revoked = 1 WHERE family = ?", (row["family"],))
    response.delete_cookie("refresh_token", path="/api/v1/auth")
    response.delete_cookie("csrf_token")
    response.status_code = 204
    return response


users = APIRouter(prefix="/api/v1/users", tags=["users"], responses={401: ERRORS[401]})


@users.get("/me", response_model=User)
def me(user: int = Depends(current_user)):
    with lock:
        row = db.execute("SELECT * FROM users WHERE id = ?", (user,)).fetchone()
    return User(id=row["id"], email=row["email"], full_name=row["full_name"])


@users.patch("/me", response_model=User, responses={422: ERRORS[422]})
def update_me(body: UserUpdate, user: int = Depends(current_user)):
    with lock:
        if body.full_name is not None:
            db.execute("UPDATE users SET full_name = ? WHERE id = ?", (body.full_name, user))
        row = db.execute("SELECT * FROM users WHERE id = ?", (user,)).fetchone()
    return User(id=row["id"], email=row["email"], full_name=row["full_name"])


class VehicleIn(BaseModel):
    make: str = Field(min_length=1, max_length=50)
    model: str = Field(min_length=1, max_length=50)
    year: int = Field(ge=1900, le=2100)
    vin: Optional[str] = Field(default=None, pattern=r"^[A-HJ-NPR-Z0-9]{17}$")


class VehicleUpdate(BaseModel):
    make: Optional[str] = Field(default=None, min_length=1, max_length=50)
    model: Optional[str] = Field(default=None, min_length=1, max_length=50)
    year: Optional[int] = Field(default=None, ge=1900, le=2100)


class Vehicle(BaseModel):
    id: int
    make: str
    model: str
    year: int
    vin: Optional[str] = None


class VehiclePage(BaseModel):
    items: list[Vehicle]
    total: int


class RecordIn(BaseModel):
    description: str = Field(min_length=1, max_length=500)
    mileage: int = Field(ge=0, le=2_000_000)


class Record(BaseModel):
    id: int
    vehicle_id: int
    description: str
    mileage: int


vehicles = APIRouter(prefix="/api/v1/vehicles", tags=["vehicles"],
                     responses={401: ERRORS[401], 404: ERRORS[404], 422: ERRORS[422]})


def owned(vehicle_id: int, user: int) -> sqlite3.Row:
    with lock:
        if "owner" in FAULTS:
            row = db.execute("SELECT * FROM vehicles WHERE id = ?", (vehicle_id,)).fetchone()
        else:
            row = db.execute("SELECT * FROM vehicles WHERE id = ? AND owner = ?", (vehicle_id, user)).fetchone()
    if row is None:
        if "envelope" in FAULTS:
            raise HTTPException(404, "Vehicle not found")
        raise ApiError(404, "NOT_FOUND", "Vehicle not found", {"id": vehicle_id})
    return row


def vehicle(row):
    out = Vehicle(id=row["id"], make=row["make"], model=row["model"], year=row["year"], vin=row["vin"])
    if "string_id" in FAULTS:
        return JSONResponse({**out.model_dump(), "id": str(row["id"])})
    return out


def list_caller(credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer)) -> Optional[int]:
    if "open_list" in FAULTS and credentials is None:
        return None
    return current_user(credentials)


@vehicles.get("", response_model=VehiclePage)
def list_vehicles(limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0),
                  make: Optional[str] = Query(None, max_length=50), user: Optional[int] = Depends(list_caller)):
    if "limit" in FAULTS:
        limit = 1000
    query, args = ("FROM vehicles WHERE owner = ?", [user]) if user is not None else ("FROM vehicles WHERE 1", [])
    if make:
        query, args = query + " AND make = ?", args + [make]
    with lock:
        total = db.execute("SELECT COUNT(*) " + query, args).fetchone()[0]
        rows = db.execute("SELECT * " + query + " ORDER BY id LIMIT ? OFFSET ?", args + [limit, offset]).fetchall()
    items = [Vehicle(id=r["id"], make=r["make"], model=r["model"], year=r["year"], vin=r["vin"]) for r in rows]
    return VehiclePage(items=items, total=total)


@vehicles.post("", status_code=201, response_model=Vehicle)
def create_vehicle(body: VehicleIn, response: Response, user: int = Depends(current_user)):
    if "nul" in FAULTS and "\x00" in body.make:
        raise RuntimeError("invalid byte sequence for encoding UTF8: 0x00")
    with lock:
        cur = db.execute(
            "INSERT INTO vehicles (owner, make, model, year, vin) VALUES (?, ?, ?, ?, ?)",
            (user, body.make, body.model, body.year, body.vin),
        )
    response.headers["Location"] = f"/api/v1/vehicles/{cur.lastrowid}"
    created = Vehicle(id=cur.lastrowid, **body.model_dump())
    if "string_id" in FAULTS:
        return JSONResponse({**created.model_dump(), "id": str(cur.lastrowid)}, status_code=201,
                            headers={"Location": response.headers["Location"]})
    return created


@vehicles.get("/{vehicle_id}", response_model=Vehicle)
def get_vehicle(vehicle_id: int, user: int = Depends(current_user)):
    return vehicle(owned(vehicle_id, user))


@vehicles.patch("/{vehicle_id}", response_model=Vehicle)
def update_vehicle(vehicle_id: int, body: VehicleUpdate, user: int = Depends(current_user)):
    owned(vehicle_id, user)
    changes = body.model_dump(exclude_none=True)
    with lock:
        for key, value in changes.items():
            db.execute(f"UPDATE vehicles SET {key} = ? WHERE id = ?", (value, vehicle_id))
    return vehicle(owned(vehicle_id, user))


@vehicles.delete("/{vehicle_id}", status_code=204)
def delete_vehicle(vehicle_id: int, user: int = Depends(current_user)):
    owned(vehicle_id, user)
    with lock:
        db.execute("DELETE FROM records WHERE vehicle = ?", (vehicle_id,))
        db.execute("DELETE FROM vehicles WHERE id = ?", (vehicle_id,))
    return Response(status_code=204)


@vehicles.get("/{vehicle_id}/records", response_model=list[Record])
def list_records(vehicle_id: int, user: int = Depends(current_user)):
    owned(vehicle_id, user)
    with lock:
        rows = db.execute("SELECT * FROM records WHERE vehicle = ? ORDER BY id", (vehicle_id,)).fetchall()
    return [Record(id=r["id"], vehicle_id=vehicle_id, description=r["description"], mileage=r["mileage"]) for r in rows]


@vehicles.post("/{vehicle_id}/records", status_code=201, response_model=Record)
def create_record(vehicle_id: int, body: RecordIn, user: int = Depends(current_user)):
    owned(vehicle_id, user)
    with lock:
        cur = db.execute(
            "INSERT INTO records (vehicle, description, mileage) VALUES (?, ?, ?)",
            (vehicle_id, body.description, body.mileage),
        )
    return Record(id=cur.lastrowid, vehicle_id=vehicle_id, **body.model_dump())


app.include_router(auth)
app.include_router(users)
app.include_router(vehicles)
