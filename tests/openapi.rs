//! The OpenAPI document and the API page against a real server on a SQLite file: the document is served
//! without a token and holds to the OpenAPI 3.1 rules that can be checked offline (every `$ref` resolves,
//! every path parameter is declared, every operation answers, operation ids are unique); the router's route
//! table and the document name the same operations, and the running server answers each of them and refuses
//! every other method on their paths; `/api` is a self-contained HTML page listing every path.

use std::collections::{BTreeMap, BTreeSet};

use govshare_app::{App, AppConfig};
use govshare_server::{AppHandle, ROUTES, ServerConfig, TokenStore};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::sync::oneshot;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

struct Server {
    base: String,
    client: reqwest::Client,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
    app: App,
    _dir: tempfile::TempDir,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("govshare.db").display().to_string();
    let app = App::open(AppConfig::new(&db)).await.unwrap();
    let tokens = TokenStore::open(&db).await.unwrap();
    // Many requests without a token from one address: the rate limit is tested in ops.rs.
    let config = ServerConfig {
        rate_limit: None,
        ..ServerConfig::default()
    };
    let handle = AppHandle::new(&app, tokens, config);
    let govshare_e2e::Running { base, stop, task } = govshare_e2e::serve(handle).await;
    Server {
        base,
        client: reqwest::Client::new(),
        stop,
        task,
        app,
        _dir: dir,
    }
}

impl Server {
    async fn shutdown(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap();
        self.app.shutdown().await.unwrap();
    }
}

/// The value a local JSON pointer (`#/a/b`) names.
fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

/// Every `$ref` in `value`, with where it was found.
fn refs(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref" {
                    if let Some(r) = v.as_str() {
                        out.push((at.to_owned(), r.to_owned()));
                    }
                } else {
                    refs(v, &format!("{at}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (n, v) in items.iter().enumerate() {
                refs(v, &format!("{at}/{n}"), out);
            }
        }
        _ => {}
    }
}

/// The `{name}`s of a path template.
fn template_params(path: &str) -> BTreeSet<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

/// The operations of the document: (METHOD, path) → operation.
fn operations(doc: &Value) -> BTreeMap<(String, String), Value> {
    let mut ops = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.insert((method.to_uppercase(), path.clone()), op.clone());
            }
        }
    }
    ops
}

/// The OpenAPI 3.1 rules this test can check without the network; panics naming the first breach.
fn check_openapi_31(doc: &Value) {
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "openapi is {}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        doc["info"]["version"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http");
    assert_eq!(bearer["scheme"], "bearer");
    let schemes: BTreeSet<&str> = doc["components"]["securitySchemes"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let declared_tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();

    // Every $ref is local and resolves.
    let mut found = Vec::new();
    refs(doc, "", &mut found);
    assert!(!found.is_empty(), "the document has no $ref at all");
    for (at, reference) in &found {
        assert!(
            resolve(doc, reference).is_some(),
            "{at}: $ref {reference} does not resolve inside the document"
        );
    }

    let paths = doc["paths"].as_object().unwrap();
    assert!(!paths.is_empty());
    let mut ids = BTreeSet::new();
    for ((method, path), op) in operations(doc) {
        let here = format!("{method} {path}");
        assert!(path.starts_with('/'), "{here}: a path starts with /");
        // Path parameters: each {name} declared in: path, required: true, and no other.
        let mut declared = BTreeSet::new();
        let item_params = paths[&path]["parameters"].as_array().cloned();
        let op_params = op["parameters"].as_array().cloned();
        let mut seen = BTreeSet::new();
        for p in item_params.into_iter().chain(op_params).flatten() {
            let name = p["name"].as_str().unwrap().to_owned();
            let location = p["in"].as_str().unwrap().to_owned();
            assert!(
                ["path", "query", "header", "cookie"].contains(&location.as_str()),
                "{here}: parameter {name} in {location}"
            );
            assert!(
                seen.insert((name.clone(), location.clone())),
                "{here}: parameter {name} in {location} declared twice"
            );
            assert!(
                p.get("schema").is_some() || p.get("content").is_some(),
                "{here}: parameter {name} has neither schema nor content"
            );
            if location == "path" {
                assert_eq!(
                    p["required"], true,
                    "{here}: path parameter {name} must be required"
                );
                declared.insert(name);
            }
        }
        assert_eq!(
            declared,
            template_params(&path),
            "{here}: the path parameters declared are not the template's"
        );
        // Responses: at least one, each with a description.
        let responses = op["responses"].as_object().expect("responses");
        assert!(!responses.is_empty(), "{here}: no responses");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{here}: no success response"
        );
        for (status, response) in responses {
            let valid_status = status == "default"
                || (status.len() == 3
                    && status
                        .chars()
                        .next()
                        .is_some_and(|c| ('1'..='5').contains(&c))
                    && status[1..].chars().all(|c| c.is_ascii_digit() || c == 'X'));
            assert!(valid_status, "{here}: response key {status}");
            let response = match response.get("$ref") {
                Some(r) => resolve(doc, r.as_str().unwrap()).unwrap(),
                None => response,
            };
            assert!(
                response["description"].is_string(),
                "{here} {status}: a response needs a description"
            );
            if status.starts_with('4') || status.starts_with('5') {
                assert!(
                    response["content"]["application/problem+json"].is_object(),
                    "{here} {status}: errors are problem+json"
                );
            }
        }
        let id = op["operationId"].as_str().expect("operationId").to_owned();
        assert!(ids.insert(id.clone()), "operationId {id} is not unique");
        // Tags are declared; security names declared schemes; /v1 needs the bearer token.
        for tag in op["tags"].as_array().into_iter().flatten() {
            assert!(
                declared_tags.contains(tag.as_str().unwrap()),
                "{here}: tag {tag} not declared"
            );
        }
        let security: Vec<&str> = op["security"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|req| req.as_object().unwrap().keys().map(String::as_str))
            .collect();
        for scheme in &security {
            assert!(schemes.contains(scheme), "{here}: unknown scheme {scheme}");
        }
        assert_eq!(
            path.starts_with("/v1/"),
            security.contains(&"bearer"),
            "{here}: /v1 routes, and only they, need the bearer token"
        );
        if path.starts_with("/v1/") {
            assert!(responses.contains_key("401"), "{here}: no 401");
        }
    }
}

/// The route with its parameters filled in so that the handler itself answers (a known aggregate).
fn concrete(path: &str) -> String {
    path.replace("{aggregate}", "share_application")
        .replace("{id}", "SA-0001")
        .replace("{code}", "130000-health")
}

async fn problem_code(response: reqwest::Response) -> (StatusCode, Option<String>, String) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let code = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned));
    (status, code, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_and_api_page() {
    let server = start().await;

    // The document is public, JSON, the one the code generates, and valid as far as checked offline.
    let response = server
        .client
        .get(format!("{}/openapi.json", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc: Value = response.json().await.unwrap();
    assert_eq!(
        doc,
        serde_json::to_value(govshare_server::openapi::document()).unwrap()
    );
    check_openapi_31(&doc);

    // The route table and the document name the same operations, both ways.
    let routed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(routed.len(), ROUTES.len(), "a route is listed twice");
    let documented: BTreeSet<(String, String)> = operations(&doc).into_keys().collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented operations the router lacks: {unrouted:?}"
    );

    // The running server answers every documented operation (not its 404/405 fallbacks) …
    for (method, path) in &documented {
        let url = format!("{}{}", server.base, concrete(path));
        let response = server
            .client
            .request(Method::from_bytes(method.as_bytes()).unwrap(), &url)
            .send()
            .await
            .unwrap();
        let (status, code, text) = problem_code(response).await;
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {text}"
        );
        assert!(
            !text.contains("no such route"),
            "{method} {path} fell through to the fallback: {text}"
        );
        if path.starts_with("/v1/") {
            // Without a token every /v1 handler refuses with 401 (so the route reached a handler).
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {text}");
            assert_eq!(code.as_deref(), Some("missing-token"));
        } else {
            assert!(status.is_success(), "{method} {path}: {status} {text}");
        }
    }
    // … and no other method on those paths (HEAD is GET's, per HTTP).
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for path in paths {
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            if documented.contains(&(method.to_owned(), path.clone())) {
                continue;
            }
            let url = format!("{}{}", server.base, concrete(path));
            let response = server
                .client
                .request(Method::from_bytes(method.as_bytes()).unwrap(), &url)
                .send()
                .await
                .unwrap();
            let (status, code, text) = problem_code(response).await;
            assert_eq!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is answered but not documented: {text}"
            );
            assert_eq!(code.as_deref(), Some("method-not-allowed"));
        }
    }
    // A path outside the table is the fallback's 404.
    let response = server
        .client
        .get(format!("{}/v1/nothing-here", server.base))
        .send()
        .await
        .unwrap();
    let (status, code, _) = problem_code(response).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code.as_deref(), Some("not-found"));

    // The API page: public, HTML, self-contained, listing every path and schema.
    let response = server
        .client
        .get(format!("{}/api", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("接口说明 API reference"));
    for needle in [
        "<script", "<link", " src=", "http://", "https://", "@import",
    ] {
        assert!(
            !html.contains(needle),
            "the page refers to something outside it: {needle}"
        );
    }
    for (method, path) in &documented {
        assert!(
            html.contains(&format!("<code>{path}</code>")),
            "{method} {path} missing from /api"
        );
    }
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(
            html.contains(&format!("id=\"schema-{name}\"")),
            "schema {name} missing from /api"
        );
    }

    server.shutdown().await;
}
