//! The real application on a random loopback port, and a small typed HTTP
//! client for black-box API tests.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::Value;
use tokio::sync::oneshot;
use tuoke_app::App;
use tuoke_store::Db;

use crate::db::TestDb;

/// The password of the `admin` user every test server starts with.
pub const ADMIN_PASSWORD: &str = "admin-secret-1";

/// The real clock moved by whatever a test adds: deadlines pass without waiting.
#[derive(Default)]
pub struct TestClock {
    offset: std::sync::Mutex<chrono::Duration>,
}

impl TestClock {
    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut offset) = self.offset.lock() {
            *offset += by;
        }
    }
}

impl tuoke_app::Clock for TestClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + self.offset.lock().map(|o| *o).unwrap_or_default()
    }
}

/// A running server over its own fresh database.
pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    /// The application the server runs, for what tests drive directly (the
    /// background deadline sweep).
    pub app: App,
    /// The server's clock: `clock.advance(..)` moves time for it.
    pub clock: Arc<TestClock>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    // Dropped last: the database outlives the server using it.
    _db: TestDb,
}

impl TestServer {
    /// Starts the app on `127.0.0.1:0` over the database and waits until
    /// `/healthz` answers (polling, never sleeping a fixed time).
    pub async fn start(db: TestDb) -> TestServer {
        let store = Db::connect(&db.url).await.expect("the test database opens");
        let clock = Arc::new(TestClock::default());
        let app = App::new(
            Arc::new(store),
            clock.clone(),
            Arc::new(tuoke_app::ports::UuidV7),
        );
        app.install_builtin_templates()
            .await
            .expect("the built-in templates install");
        app.bootstrap_admin(Some(ADMIN_PASSWORD.into()))
            .await
            .expect("the admin is created");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("a bound address"));
        let (tx, rx) = oneshot::channel::<()>();
        let served = app.clone();
        let handle = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            tuoke_web::serve(served, listener, shutdown)
                .await
                .expect("the server runs");
        });
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a client");
        let server = TestServer {
            base,
            http,
            app,
            clock,
            shutdown: Some(tx),
            handle: Some(handle),
            _db: db,
        };
        for _ in 0..500 {
            if let Ok(r) = server
                .http
                .get(format!("{}/healthz", server.base))
                .send()
                .await
                && r.status().is_success()
            {
                return server;
            }
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the server did not become healthy");
    }

    /// A client without a session.
    pub fn anonymous(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: self.http.clone(),
            token: None,
        }
    }

    /// Logs in and returns a client with the session.
    pub async fn login(&self, username: &str, password: &str) -> Client {
        let res = self
            .anonymous()
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "login as {username}: {}",
            res.body
        );
        let token = res.body["token"].as_str().expect("a token").to_owned();
        Client {
            token: Some(token),
            ..self.anonymous()
        }
    }

    pub async fn admin(&self) -> Client {
        self.login("admin", ADMIN_PASSWORD).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.abort();
        }
    }
}

/// What a request answered.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The JSON body, or `Value::String` of the text when it is not JSON.
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The field names of a problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// An HTTP client for the API, optionally logged in.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    http: reqwest::Client,
    pub token: Option<String>,
}

impl Client {
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let res = req.send().await.expect("the request is answered");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    /// A POST of raw bytes (a file upload) with its content type.
    pub async fn post_bytes(&self, path: &str, bytes: Vec<u8>, content_type: &str) -> Reply {
        let mut req = self
            .http
            .post(format!("{}{}", self.base, path))
            .header("Content-Type", content_type)
            .body(bytes);
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.expect("the request is answered");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A PATCH with `If-Match: "version"`.
    pub async fn patch(&self, path: &str, version: i64, body: &Value) -> Reply {
        let etag = format!("\"{version}\"");
        self.send(Method::PATCH, path, Some(body), &[("If-Match", &etag)])
            .await
    }

    /// A DELETE with `If-Match: "version"`.
    pub async fn delete(&self, path: &str, version: i64) -> Reply {
        let etag = format!("\"{version}\"");
        self.send(Method::DELETE, path, None, &[("If-Match", &etag)])
            .await
    }
}

/// Stamps out API test bodies `async fn name(server: TestServer)`, defined at
/// the root of the test file, once per backend: `sqlite::name` and
/// `postgres::name`, so a failure names the backend.
#[macro_export]
macro_rules! api_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = $crate::db::TestDb::fresh_sqlite().await;
                    super::$name($crate::server::TestServer::start(db).await).await;
                }
            )+
        }

        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = $crate::db::TestDb::fresh_postgres().await else {
                        return;
                    };
                    super::$name($crate::server::TestServer::start(db).await).await;
                }
            )+
        }
    };
}
