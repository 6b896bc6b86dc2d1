//! The database: SQLite (a file under the data directory) or PostgreSQL
//! (a `postgres://` URL), through sqlx's `Any` driver so that one set of
//! queries serves both. Migrations are embedded and applied at start.

use std::path::Path;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor as _};

/// The migrations of one backend, embedded: each file
/// `migrations/BACKEND/VERSION_DESCRIPTION.sql` becomes the migration that
/// `sqlx::migrate!` would make of it (the same version, description and
/// checksum, so databases made before keep working), without building
/// sqlx's compile-time macros and a second copy of its drivers for them.
macro_rules! migrations {
    ($backend:literal: $($version:literal => $file:literal),+ $(,)?) => {
        || Migrator::with_migrations(vec![$(Migration::new(
            $version,
            $file
                .split_once('_')
                .map_or($file, |(_, name)| name)
                .replace('_', " ")
                .into(),
            MigrationType::Simple,
            sqlx::SqlStr::from_static(include_str!(concat!(
                "../migrations/", $backend, "/", $file, ".sql"
            ))),
            false,
        )),+])
    };
}

/// A test compares these lists with the folders.
const SQLITE: fn() -> Migrator = migrations!("sqlite":
    1 => "0001_registry", 2 => "0002_listing_index", 3 => "0003_search_folds");
const POSTGRES: fn() -> Migrator = migrations!("postgres":
    1 => "0001_registry", 2 => "0002_listing_index", 3 => "0003_search_folds");

/// Which database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A connection pool and its backend.
#[derive(Debug, Clone)]
pub struct Db {
    /// The pool.
    pub pool: AnyPool,
    /// The backend.
    pub backend: Backend,
}

/// Something the database said, with what was being done.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct DbError {
    what: String,
    #[source]
    source: sqlx::Error,
}

/// Attach what was being done to a database error.
pub fn ctx(what: impl Into<String>) -> impl FnOnce(sqlx::Error) -> DbError {
    let what = what.into();
    move |source| DbError { what, source }
}

/// The URL of the default database: `registry.db` in `data`.
pub fn sqlite_url(data: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data.join("registry.db").display())
}

/// A URL with its password hidden, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let auth = &url[s + 3..at];
            match auth.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &auth[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Db {
    /// Connect and apply the embedded migrations.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(DbError {
                what: format!("database URL {}", redact(url)),
                source: sqlx::Error::Configuration(
                    "give a postgres:// URL, or an sqlite: URL (the default is a file in --data)"
                        .into(),
                ),
            });
        };
        let options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Durable commits: WAL, synced on every commit.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            });
        let pool = options
            .connect(url)
            .await
            .map_err(ctx(format!("connecting to {}", redact(url))))?;
        let migrator = match backend {
            Backend::Sqlite => SQLITE(),
            Backend::Postgres => POSTGRES(),
        };
        migrator.run(&pool).await.map_err(|e| DbError {
            what: "applying the database migrations".into(),
            source: e.into(),
        })?;
        let db = Db { pool, backend };
        db.fold_unfolded().await?;
        Ok(db)
    }

    /// Store the search folds of certificates logged before they existed.
    async fn fold_unfolded(&self) -> Result<(), DbError> {
        use sqlx::Row as _;
        let rows = sqlx::query(
            "SELECT number, holder, model_name FROM certificates WHERE holder_fold IS NULL OR model_fold IS NULL",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(ctx("reading certificates to fold"))?;
        for r in rows {
            let get = |c: &str| {
                r.try_get::<String, _>(c)
                    .map_err(ctx(format!("certificates.{c}")))
            };
            let (number, holder, model) = (get("number")?, get("holder")?, get("model_name")?);
            sqlx::query(
                "UPDATE certificates SET holder_fold = $1, model_fold = $2 WHERE number = $3",
            )
            .bind(fold(&holder))
            .bind(fold(&model))
            .bind(number)
            .execute(&self.pool)
            .await
            .map_err(ctx("folding a certificate's names"))?;
        }
        Ok(())
    }
}

/// Text as search compares it: Unicode lower case, the same on every
/// database.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// A `LIKE ? ESCAPE '\'` pattern that matches `text` literally anywhere
/// (`%`, `_` and `\` in it are escaped), folded.
pub fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in fold(text).chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_migrations_are_the_files_of_each_folder() {
        for (backend, migrator) in [("sqlite", super::SQLITE()), ("postgres", super::POSTGRES())] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(backend);
            let mut files: Vec<(i64, String, String)> = std::fs::read_dir(&dir)
                .expect("the migrations folder")
                .map(|e| {
                    let name = e
                        .expect("an entry")
                        .file_name()
                        .into_string()
                        .expect("UTF-8");
                    let (version, rest) = name.split_once('_').expect("VERSION_NAME.sql");
                    let sql = std::fs::read_to_string(dir.join(&name)).expect("the file");
                    (
                        version.parse().expect("a number"),
                        rest.trim_end_matches(".sql").replace('_', " "),
                        sql,
                    )
                })
                .collect();
            files.sort();
            let embedded: Vec<(i64, String, String)> = migrator
                .iter()
                .map(|m| {
                    (
                        m.version,
                        m.description.to_string(),
                        m.sql.as_str().to_owned(),
                    )
                })
                .collect();
            assert_eq!(embedded, files, "{backend}");
        }
    }

    #[test]
    fn a_pattern_matches_the_literal_text() {
        assert_eq!(
            super::contains_pattern("Under_Score 100%"),
            "%under\\_score 100\\%%"
        );
        assert_eq!(super::contains_pattern("a\\b"), "%a\\\\b%");
        assert_eq!(super::contains_pattern("TÜV"), "%tüv%");
    }
}
