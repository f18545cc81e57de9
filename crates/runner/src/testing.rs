//! Test databases on a real PostgreSQL, for every test in the workspace.
//!
//! `TestDatabase::create("apply_rename")` makes a database of its own (unique name) on:
//! 1. the server `DATABASE_URL` points at, when it is set;
//! 2. else the local server on 127.0.0.1:5432 (user `postgres`), when it answers;
//! 3. else a throwaway cluster started with the PostgreSQL binaries found on this machine
//!    (`initdb` / `pg_ctl`, run as the `postgres` user when the tests run as root), shared by the
//!    test process and stopped when its last database is dropped;
//! 4. else an error saying what is missing (never a silent pass).
//!
//! The database is dropped (`WITH (FORCE)`) when the value is dropped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Why no test database could be made.
#[derive(Debug, thiserror::Error)]
pub enum TestDatabaseError {
    #[error("DATABASE_URL is not a valid connection string ({url}): {source}")]
    BadUrl {
        url: String,
        source: postgres::Error,
    },
    #[error("cannot connect to the PostgreSQL server at {url}: {source}")]
    Connect {
        url: String,
        source: postgres::Error,
    },
    #[error("cannot create the test database {name}: {source}")]
    Create {
        name: String,
        source: postgres::Error,
    },
    #[error(
        "no PostgreSQL for the tests: DATABASE_URL is unset, nothing answers on 127.0.0.1:5432, and {0}. \
         Set DATABASE_URL=postgres://USER@HOST:PORT/DB, or install the PostgreSQL server binaries \
         (Debian: apt-get install postgresql)"
    )]
    NoServer(String),
    #[error("cannot start a throwaway PostgreSQL cluster: {0}")]
    Cluster(String),
}

/// A database of its own for one test; dropped when this value is dropped.
pub struct TestDatabase {
    name: String,
    url: String,
    server: Server,
}

#[derive(Clone)]
struct Server {
    /// Connection string of the maintenance database (`postgres`) on the server.
    admin_url: String,
    /// Keeps a throwaway cluster alive while a database on it exists.
    _cluster: Option<Arc<Cluster>>,
}

impl TestDatabase {
    /// Creates a database named `<prefix>_<pid>_<n>_<time>` (lower case, at most 63 bytes).
    pub fn create(prefix: &str) -> Result<TestDatabase, TestDatabaseError> {
        let server = server()?;
        let name = unique_name(prefix);
        let mut admin = connect_url(&server.admin_url)?;
        admin
            .batch_execute(&format!("CREATE DATABASE {}", quote(&name)))
            .map_err(|source| TestDatabaseError::Create {
                name: name.clone(),
                source,
            })?;
        let url = with_dbname(&server.admin_url, &name)?;
        Ok(TestDatabase { name, url, server })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A connection string (`postgres://...` or `host=... dbname=...`) for this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A connection string for the server's maintenance database (where roles can be dropped after
    /// this database is).
    pub fn server_url(&self) -> &str {
        &self.server.admin_url
    }

    /// A new connection to this database.
    pub fn connect(&self) -> Result<postgres::Client, TestDatabaseError> {
        connect_url(&self.url)
    }

    /// Runs SQL (several statements allowed) in this database.
    pub fn execute(&self, sql: &str) -> Result<(), postgres::Error> {
        let mut client = postgres::Client::connect(&self.url, postgres::NoTls)?;
        client.batch_execute(sql)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.server.admin_url, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote(&self.name)
            ));
        }
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000)
        .unwrap_or(0);
    let clean: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(30)
        .collect();
    format!("t_{clean}_{}_{n}_{nanos}", std::process::id())
}

fn connect_url(url: &str) -> Result<postgres::Client, TestDatabaseError> {
    postgres::Client::connect(url, postgres::NoTls).map_err(|source| TestDatabaseError::Connect {
        url: url.to_string(),
        source,
    })
}

/// The same connection string with another database name.
fn with_dbname(url: &str, dbname: &str) -> Result<String, TestDatabaseError> {
    let config: postgres::Config = url.parse().map_err(|source| TestDatabaseError::BadUrl {
        url: url.to_string(),
        source,
    })?;
    Ok(config_to_url(&config, dbname))
}

/// A key=value connection string for `config` with `dbname`.
fn config_to_url(config: &postgres::Config, dbname: &str) -> String {
    let mut parts = Vec::new();
    for host in config.get_hosts() {
        match host {
            postgres::config::Host::Tcp(h) => parts.push(format!("host={}", kv_quote(h))),
            postgres::config::Host::Unix(p) => {
                parts.push(format!("host={}", kv_quote(&p.display().to_string())))
            }
        }
    }
    if let Some(port) = config.get_ports().first() {
        parts.push(format!("port={port}"));
    }
    if let Some(user) = config.get_user() {
        parts.push(format!("user={}", kv_quote(user)));
    }
    if let Some(password) = config.get_password() {
        parts.push(format!(
            "password={}",
            kv_quote(&String::from_utf8_lossy(password))
        ));
    }
    parts.push(format!("dbname={}", kv_quote(dbname)));
    parts.join(" ")
}

fn kv_quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn server() -> Result<Server, TestDatabaseError> {
    if let Ok(url) = std::env::var("DATABASE_URL")
        && !url.trim().is_empty()
    {
        let config: postgres::Config = url.parse().map_err(|source| TestDatabaseError::BadUrl {
            url: url.clone(),
            source,
        })?;
        // Check it answers now, so the error names the server rather than a test database.
        connect_url(&url)?;
        let admin_url = config_to_url(&config, config.get_dbname().unwrap_or("postgres"));
        return Ok(Server {
            admin_url,
            _cluster: None,
        });
    }
    let local = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=2";
    if postgres::Client::connect(local, postgres::NoTls).is_ok() {
        return Ok(Server {
            admin_url: local.to_string(),
            _cluster: None,
        });
    }
    let cluster = Cluster::shared()?;
    Ok(Server {
        admin_url: cluster.admin_url.clone(),
        _cluster: Some(cluster),
    })
}

/// A throwaway cluster in a temporary directory, stopped and removed on drop.
struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres_user: bool,
    admin_url: String,
}

impl Cluster {
    fn shared() -> Result<Arc<Cluster>, TestDatabaseError> {
        static SHARED: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());
        let mut slot = SHARED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(cluster) = slot.upgrade() {
            return Ok(cluster);
        }
        let cluster = Arc::new(Cluster::start()?);
        *slot = Arc::downgrade(&cluster);
        Ok(cluster)
    }

    fn start() -> Result<Cluster, TestDatabaseError> {
        let bin = find_binaries().ok_or_else(|| {
            TestDatabaseError::NoServer(
                "no PostgreSQL server binaries (initdb, pg_ctl) were found in PATH, pg_config --bindir or \
                 /usr/lib/postgresql/*/bin"
                    .to_string(),
            )
        })?;
        let as_postgres_user = is_root();
        if as_postgres_user && Command::new("runuser").arg("--help").output().is_err() {
            return Err(TestDatabaseError::Cluster(
                "running as root, initdb must run as the `postgres` user, but `runuser` is missing"
                    .into(),
            ));
        }
        let dir = std::env::temp_dir().join(format!(
            "shiftplan-test-cluster-{}-{}",
            std::process::id(),
            unique_name("c")
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| TestDatabaseError::Cluster(format!("{}: {e}", dir.display())))?;
        let port = free_port()?;
        let cluster = Cluster {
            admin_url: format!("host=127.0.0.1 port={port} user=postgres dbname=postgres"),
            dir,
            bin,
            as_postgres_user,
        };
        if as_postgres_user {
            let status = Command::new("chown")
                .arg("-R")
                .arg("postgres")
                .arg(&cluster.dir)
                .status();
            if !matches!(status, Ok(s) if s.success()) {
                return Err(TestDatabaseError::Cluster(format!(
                    "cannot give {} to the postgres user (chown failed)",
                    cluster.dir.display()
                )));
            }
        }
        let data = cluster.dir.join("data");
        cluster.run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c full_page_writes=off",
            cluster.dir.display()
        );
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                &data.display().to_string(),
                "-o",
                &options,
                "-l",
                &cluster.dir.join("log").display().to_string(),
                "-w",
                "start",
            ],
        )?;
        Ok(cluster)
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), TestDatabaseError> {
        let path = self.bin.join(program);
        let output = if self.as_postgres_user {
            Command::new("runuser")
                .arg("-u")
                .arg("postgres")
                .arg("--")
                .arg(&path)
                .args(args)
                .output()
        } else {
            Command::new(&path).args(args).output()
        }
        .map_err(|e| TestDatabaseError::Cluster(format!("{}: {e}", path.display())))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(TestDatabaseError::Cluster(format!(
                "{} {} failed: {}{}",
                path.display(),
                args.join(" "),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )))
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> Result<u16, TestDatabaseError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| TestDatabaseError::Cluster(format!("no free TCP port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| TestDatabaseError::Cluster(format!("no free TCP port: {e}")))
}

/// The directory holding `initdb` and `pg_ctl`.
fn find_binaries() -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        candidates.push(PathBuf::from(
            String::from_utf8_lossy(&output.stdout).trim(),
        ));
    }
    if let Ok(mut versions) = std::fs::read_dir("/usr/lib/postgresql").map(|d| {
        d.filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .collect::<Vec<_>>()
    }) {
        versions.sort();
        versions.reverse();
        candidates.extend(versions);
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    candidates.into_iter().find(|dir| has_both(dir)).map(|dir| {
        // /usr/local/bin/initdb may be a link to the real directory; pg_ctl finds postgres next to itself.
        std::fs::canonicalize(dir.join("pg_ctl"))
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or(dir)
    })
}

/// Waits until `condition` holds or `timeout` passes; returns whether it held. For tests.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < timeout {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_database_is_created_usable_and_dropped() {
        let db = TestDatabase::create("testing_self").unwrap_or_else(|e| panic!("{e}"));
        let name = db.name().to_string();
        let mut client = db.connect().unwrap_or_else(|e| panic!("{e}"));
        let row = client.query_one("SELECT current_database()", &[]).unwrap();
        assert_eq!(row.get::<_, String>(0), name);
        drop(client);
        let admin_url = db.server.admin_url.clone();
        drop(db);
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap();
        let left = admin
            .query_one(
                "SELECT count(*) FROM pg_database WHERE datname = $1",
                &[&name],
            )
            .unwrap();
        assert_eq!(left.get::<_, i64>(0), 0);
    }

    #[test]
    fn a_throwaway_cluster_starts_and_stops() {
        // Exercises the fallback path directly, whatever server the other tests use. Without the
        // binaries, the fallback must say what is missing.
        if find_binaries().is_none() {
            let error = Cluster::start()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                error.contains("initdb") && error.contains("DATABASE_URL"),
                "{error}"
            );
            return;
        }
        let cluster = Cluster::start().unwrap_or_else(|e| panic!("{e}"));
        let mut client = postgres::Client::connect(&cluster.admin_url, postgres::NoTls).unwrap();
        assert_eq!(
            client.query_one("SELECT 1", &[]).unwrap().get::<_, i32>(0),
            1
        );
        drop(client);
        let dir = cluster.dir.clone();
        drop(cluster);
        assert!(!dir.exists());
    }
}
