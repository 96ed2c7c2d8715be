//! Records in SQLite (bundled): WAL, `synchronous=FULL`, migrations embedded and applied at
//! start. A committed write survives a restart and a kill -9.

use std::path::Path;
use std::sync::{Arc, Mutex};

use api_types::{ApiKey, Item, User};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_api_keys.sql"),
];

#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

/// A failure of the database; its text goes to the log, never to a client.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database task failed: {0}")]
    Task(String),
    #[error("a stored value is corrupt: {0}")]
    Corrupt(String),
}

pub type DbResult<T> = Result<T, DbError>;

/// What presenting a refresh token did.
#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current: it is now used, and the new one belongs to this user.
    Rotated(Uuid),
    /// The token had already been used or revoked: its whole family is now revoked.
    Reused,
    /// The token is unknown or expired.
    Invalid,
}

impl Db {
    pub fn open(path: &Path) -> DbResult<Db> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let db = Db {
            conn: Arc::new(Mutex::new(conn)),
        };
        db.migrate()?;
        Ok(db)
    }

    fn migrate(&self) -> DbResult<()> {
        let mut conn = self.lock();
        let version: usize =
            conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        match self.conn.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Runs `f` on the connection off the async runtime.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> DbResult<T> + Send + 'static,
    ) -> DbResult<T> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || f(&mut db.lock()))
            .await
            .map_err(|e| DbError::Task(e.to_string()))?
    }
}

fn uuid(s: String) -> DbResult<Uuid> {
    Uuid::parse_str(&s).map_err(|_| DbError::Corrupt(format!("`{s}` is not a UUID")))
}

fn time(s: String) -> DbResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| DbError::Corrupt(format!("`{s}` is not a timestamp")))
}

fn user_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, Option<String>, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn to_user(
    (id, email, display_name, created_at): (String, String, Option<String>, String),
) -> DbResult<User> {
    Ok(User {
        id: uuid(id)?,
        email,
        display_name,
        created_at: time(created_at)?,
    })
}

type ItemRow = (String, String, String, Option<String>, String, String);

fn item_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ItemRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn to_item((id, owner_id, name, description, created_at, updated_at): ItemRow) -> DbResult<Item> {
    Ok(Item {
        id: uuid(id)?,
        owner_id: uuid(owner_id)?,
        name,
        description,
        created_at: time(created_at)?,
        updated_at: time(updated_at)?,
    })
}

const ITEM_COLUMNS: &str = "id, owner_id, name, description, created_at, updated_at";

/// An upload as stored.
#[derive(Debug, Clone)]
pub struct UploadRow {
    pub id: Uuid,
    pub key: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

pub fn now_secs() -> i64 {
    Utc::now().timestamp()
}

/// Users.
pub fn create_user(
    conn: &mut Connection,
    email: &str,
    password_hash: &str,
    display_name: Option<&str>,
) -> DbResult<Option<User>> {
    let id = Uuid::new_v4();
    let created_at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let inserted = conn.execute(
        "INSERT INTO users (id, email, password_hash, display_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(email) DO NOTHING",
        params![id.to_string(), email, password_hash, display_name, created_at],
    )?;
    if inserted == 0 {
        return Ok(None);
    }
    Ok(Some(User {
        id,
        email: email.into(),
        display_name: display_name.map(String::from),
        created_at: time(created_at)?,
    }))
}

pub fn user_by_email(conn: &mut Connection, email: &str) -> DbResult<Option<(User, String)>> {
    let found = conn
        .query_row(
            "SELECT id, email, display_name, created_at, password_hash FROM users WHERE email = ?1",
            [email],
            |row| Ok((user_row(row)?, row.get::<_, String>(4)?)),
        )
        .optional()?;
    found
        .map(|(row, hash)| Ok((to_user(row)?, hash)))
        .transpose()
}

pub fn user_by_id(conn: &mut Connection, id: Uuid) -> DbResult<Option<User>> {
    let found = conn
        .query_row(
            "SELECT id, email, display_name, created_at FROM users WHERE id = ?1",
            [id.to_string()],
            user_row,
        )
        .optional()?;
    found.map(to_user).transpose()
}

/// Refresh tokens: only their SHA-256 is stored.
pub fn insert_refresh(
    conn: &mut Connection,
    hash: &str,
    family: Uuid,
    user: Uuid,
    expires_at: i64,
) -> DbResult<()> {
    conn.execute(
        "INSERT INTO refresh_tokens (hash, family, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![hash, family.to_string(), user.to_string(), now_secs(), expires_at],
    )?;
    Ok(())
}

/// A refresh token's row: family, user, expiry, and when it was used or revoked.
type TokenRow = (String, String, i64, Option<i64>, Option<i64>);

/// Consumes the token hashed `old` and records `new` in its family, or detects reuse.
pub fn rotate_refresh(
    conn: &mut Connection,
    old: &str,
    new: &str,
    new_expires_at: i64,
) -> DbResult<Rotation> {
    let tx = conn.transaction()?;
    let now = now_secs();
    let row: Option<TokenRow> = tx
        .query_row(
            "SELECT family, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE hash = ?1",
            [old],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((family, user, expires_at, used_at, revoked_at)) = row else {
        return Ok(Rotation::Invalid);
    };
    if used_at.is_some() || revoked_at.is_some() {
        tx.execute(
            "UPDATE refresh_tokens SET revoked_at = ?1 WHERE family = ?2 AND revoked_at IS NULL",
            params![now, family],
        )?;
        tx.commit()?;
        return Ok(Rotation::Reused);
    }
    if expires_at <= now {
        return Ok(Rotation::Invalid);
    }
    let user = uuid(user)?;
    tx.execute(
        "UPDATE refresh_tokens SET used_at = ?1 WHERE hash = ?2",
        params![now, old],
    )?;
    tx.execute(
        "INSERT INTO refresh_tokens (hash, family, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![new, family, user.to_string(), now, new_expires_at],
    )?;
    tx.commit()?;
    Ok(Rotation::Rotated(user))
}

/// Revokes the family of the token hashed `hash`, if it belongs to `user`.
pub fn revoke_family(conn: &mut Connection, hash: &str, user: Uuid) -> DbResult<bool> {
    let n = conn.execute(
        "UPDATE refresh_tokens SET revoked_at = ?1 WHERE revoked_at IS NULL AND family = (SELECT family FROM refresh_tokens WHERE hash = ?2 AND user_id = ?3)",
        params![now_secs(), hash, user.to_string()],
    )?;
    Ok(n > 0)
}

/// Items.
pub fn insert_item(
    conn: &mut Connection,
    owner: Uuid,
    name: &str,
    description: Option<&str>,
) -> DbResult<Item> {
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let id = Uuid::new_v4();
    conn.execute(
        "INSERT INTO items (id, owner_id, name, description, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![id.to_string(), owner.to_string(), name, description, now],
    )?;
    get_item(conn, owner, id)?.ok_or_else(|| DbError::Corrupt("an inserted item is missing".into()))
}

pub fn get_item(conn: &mut Connection, owner: Uuid, id: Uuid) -> DbResult<Option<Item>> {
    let row = conn
        .query_row(
            &format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = ?1 AND owner_id = ?2"),
            params![id.to_string(), owner.to_string()],
            item_row,
        )
        .optional()?;
    row.map(to_item).transpose()
}

/// A page of `owner`'s items whose name contains `q` (case-insensitive), and how many match.
pub fn list_items(
    conn: &mut Connection,
    owner: Uuid,
    q: Option<&str>,
    limit: u32,
    offset: u32,
) -> DbResult<(Vec<Item>, i64)> {
    let pattern = q.map(|q| {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    let filter = "owner_id = ?1 AND (?2 IS NULL OR name LIKE ?2 ESCAPE '\\')";
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM items WHERE {filter}"),
        params![owner.to_string(), pattern],
        |r| r.get(0),
    )?;
    let mut statement = conn.prepare(&format!(
        "SELECT {ITEM_COLUMNS} FROM items WHERE {filter} ORDER BY created_at, id LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = statement
        .query_map(params![owner.to_string(), pattern, limit, offset], item_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let items = rows
        .into_iter()
        .map(to_item)
        .collect::<DbResult<Vec<_>>>()?;
    Ok((items, total))
}

pub fn update_item(
    conn: &mut Connection,
    owner: Uuid,
    id: Uuid,
    name: Option<&str>,
    description: Option<&str>,
) -> DbResult<Option<Item>> {
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let n = conn.execute(
        "UPDATE items SET name = COALESCE(?3, name), description = COALESCE(?4, description), updated_at = ?5 WHERE id = ?1 AND owner_id = ?2",
        params![id.to_string(), owner.to_string(), name, description, now],
    )?;
    if n == 0 {
        return Ok(None);
    }
    get_item(conn, owner, id)
}

pub fn delete_item(conn: &mut Connection, owner: Uuid, id: Uuid) -> DbResult<bool> {
    Ok(conn.execute(
        "DELETE FROM items WHERE id = ?1 AND owner_id = ?2",
        params![id.to_string(), owner.to_string()],
    )? > 0)
}

/// Uploads.
pub fn insert_upload(conn: &mut Connection, owner: Uuid, upload: &UploadRow) -> DbResult<()> {
    conn.execute(
        "INSERT INTO uploads (id, owner_id, key, file_name, content_type, size_bytes, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            upload.id.to_string(),
            owner.to_string(),
            upload.key,
            upload.file_name,
            upload.content_type,
            upload.size_bytes,
            Utc::now().to_rfc3339()
        ],
    )?;
    Ok(())
}

pub fn get_upload(conn: &mut Connection, owner: Uuid, id: Uuid) -> DbResult<Option<UploadRow>> {
    let row = conn
        .query_row(
            "SELECT id, key, file_name, content_type, size_bytes FROM uploads WHERE id = ?1 AND owner_id = ?2",
            params![id.to_string(), owner.to_string()],
            |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    row.map(|(id, key, file_name, content_type, size_bytes)| {
        Ok(UploadRow {
            id: uuid(id)?,
            key,
            file_name,
            content_type,
            size_bytes,
        })
    })
    .transpose()
}

/// API keys: stored as the SHA-256 of the secret, with a short prefix to tell them apart.
pub fn insert_api_key(
    conn: &mut Connection,
    owner: Uuid,
    name: &str,
    prefix: &str,
    hash: &str,
) -> DbResult<ApiKey> {
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let id = Uuid::new_v4();
    conn.execute(
        "INSERT INTO api_keys (id, owner_id, name, prefix, hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.to_string(), owner.to_string(), name, prefix, hash, now],
    )?;
    get_api_key(conn, owner, id)?
        .ok_or_else(|| DbError::Corrupt("an inserted API key is missing".into()))
}

type ApiKeyRow = (String, String, String, String);

fn api_key_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ApiKeyRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn to_api_key((id, name, prefix, created_at): ApiKeyRow) -> DbResult<ApiKey> {
    Ok(ApiKey {
        id: uuid(id)?,
        name,
        prefix,
        created_at: time(created_at)?,
    })
}

/// One of `owner`'s keys that is not revoked.
pub fn get_api_key(conn: &mut Connection, owner: Uuid, id: Uuid) -> DbResult<Option<ApiKey>> {
    conn.query_row(
        "SELECT id, name, prefix, created_at FROM api_keys WHERE id = ?1 AND owner_id = ?2 AND revoked_at IS NULL",
        params![id.to_string(), owner.to_string()],
        api_key_row,
    )
    .optional()?
    .map(to_api_key)
    .transpose()
}

/// `owner`'s keys that are not revoked, newest first.
pub fn list_api_keys(conn: &mut Connection, owner: Uuid) -> DbResult<Vec<ApiKey>> {
    let mut statement = conn.prepare(
        "SELECT id, name, prefix, created_at FROM api_keys WHERE owner_id = ?1 AND revoked_at IS NULL ORDER BY created_at DESC, id",
    )?;
    let rows = statement
        .query_map(params![owner.to_string()], api_key_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(to_api_key).collect()
}

/// Revokes one of `owner`'s keys; false when there is no such key (or it is revoked).
pub fn revoke_api_key(conn: &mut Connection, owner: Uuid, id: Uuid) -> DbResult<bool> {
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let n = conn.execute(
        "UPDATE api_keys SET revoked_at = ?3 WHERE id = ?1 AND owner_id = ?2 AND revoked_at IS NULL",
        params![id.to_string(), owner.to_string(), now],
    )?;
    Ok(n > 0)
}

/// The owner of the key whose hash is `hash`, when it exists and is not revoked.
pub fn api_key_owner(conn: &mut Connection, hash: &str) -> DbResult<Option<Uuid>> {
    conn.query_row(
        "SELECT owner_id FROM api_keys WHERE hash = ?1 AND revoked_at IS NULL",
        params![hash],
        |r| r.get::<_, String>(0),
    )
    .optional()?
    .map(uuid)
    .transpose()
}
