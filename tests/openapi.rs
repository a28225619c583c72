//! The OpenAPI document and the API page against a real server on a SQLite file: the document is served
//! without a token and holds to the OpenAPI 3.1 rules that can be checked offline (every `$ref` resolves,
//! every path parameter is declared, every operation answers, operation ids are unique); the router's route
//! table and the document name the same operations, and the running server answers each of them and refuses
//! every other method on their paths; `/api` is a self-contained HTML page listing every path.
//!
//! The document is also validated against the official OpenAPI 3.1 schema (`tests/fixtures/`, vendored: no
//! network at test time) with the `jsonschema` crate, and broken copies of it are shown to be refused.

use std::collections::{BTreeMap, BTreeSet};

use govshare_app::{App, AppConfig};
use govshare_domain::catalog::CatalogCommand;
use govshare_domain::share_application::ShareCommand;
use govshare_server::{AppHandle, ROUTES, ServerConfig, TokenStore};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
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

/// The official OpenAPI 3.1 schema (JSON Schema 2020-12), vendored byte for byte.
const OAS_31_SCHEMA: &str = include_str!("fixtures/openapi-3.1-schema.json");

/// A validator of OpenAPI 3.1 documents: the vendored meta-schema, formats asserted. The 2020-12 dialect
/// metaschema it names is bundled in `jsonschema`; nothing is fetched.
fn oas_31_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(OAS_31_SCHEMA).unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

/// The meta-schema's complaints about `doc` (empty when valid).
fn oas_31_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// A change that makes a valid document invalid.
type Breakage = Box<dyn Fn(&mut Value)>;

/// Validates `doc` against the OpenAPI 3.1 schema, and checks that broken copies of it are refused (so the
/// validation is not vacuous).
fn check_against_meta_schema(doc: &Value) {
    let validator = oas_31_validator();
    let errors = oas_31_errors(&validator, doc);
    assert!(
        errors.is_empty(),
        "the document is not a valid OpenAPI 3.1 document:\n{}",
        errors.join("\n")
    );

    let breakages: Vec<(&str, Breakage)> = vec![
        // OpenAPI 3.1 no longer requires `responses`, but when present it names at least one.
        (
            "an operation with empty responses",
            Box::new(|d: &mut Value| {
                d["paths"]["/v1/commands/{aggregate}/{id}"]["post"]["responses"] = json!({});
            }),
        ),
        (
            "a response keyed 600",
            Box::new(|d: &mut Value| {
                let ok = d["paths"]["/healthz"]["get"]["responses"]["200"].clone();
                d["paths"]["/healthz"]["get"]["responses"]["600"] = ok;
            }),
        ),
        (
            "openapi: 3.0.3",
            Box::new(|d: &mut Value| d["openapi"] = Value::from("3.0.3")),
        ),
        (
            "no info.title",
            Box::new(|d: &mut Value| {
                d["info"].as_object_mut().unwrap().remove("title");
            }),
        ),
        (
            "an unknown top-level field",
            Box::new(|d: &mut Value| d["swagger"] = Value::from("2.0")),
        ),
        (
            "a parameter in: body",
            Box::new(|d: &mut Value| {
                d["paths"]["/v1/commands/{aggregate}/{id}"]["post"]["parameters"][0]["in"] =
                    Value::from("body");
            }),
        ),
        (
            "a response without a description",
            Box::new(|d: &mut Value| {
                d["paths"]["/healthz"]["get"]["responses"]["200"]
                    .as_object_mut()
                    .unwrap()
                    .remove("description");
            }),
        ),
        (
            "a schema that is a number",
            Box::new(|d: &mut Value| d["components"]["schemas"]["Problem"] = Value::from(7)),
        ),
    ];
    for (what, breaking) in breakages {
        let mut broken = doc.clone();
        breaking(&mut broken);
        assert_ne!(&broken, doc, "{what}: the copy was not changed");
        assert!(
            !validator.is_valid(&broken),
            "{what}: the OpenAPI 3.1 schema accepted a broken document"
        );
    }
}

/// The command bodies of the share application and the catalog entry, and the read-model rows, are described
/// field by field (from the types, under the domain's and the projections' `openapi` feature).
fn check_detailed_schemas(doc: &Value) {
    let schemas = &doc["components"]["schemas"];
    for (name, variants) in [("ShareCommand", 14), ("CatalogCommand", 16)] {
        let one_of = schemas[name]["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is not a oneOf: {}", schemas[name]));
        assert_eq!(one_of.len(), variants, "{name}: {one_of:?}");
    }
    let application = &schemas["ApplicationView"]["properties"];
    assert!(
        application["due_at"].to_string().contains("date-time"),
        "{application}"
    );
    assert!(
        application["status"].to_string().contains("ShareStatus"),
        "{application}"
    );
    let deadline = &schemas["DeadlineItem"]["properties"];
    assert_eq!(deadline["due_date"]["format"], "date", "{deadline}");
    assert_eq!(deadline["due_at"]["format"], "date-time", "{deadline}");
    assert!(schemas["EntryView"]["properties"]["entry_id"].is_object());
    assert_eq!(
        schemas["DepartmentCode"]["type"], "string",
        "{}",
        schemas["DepartmentCode"]
    );
    assert_eq!(
        schemas["ApplicationScenario"]["properties"]["use_from"]["format"],
        "date"
    );
    // serde's internally tagged enum: the tag is a property of each variant.
    assert!(
        schemas["DataHolder"].to_string().contains("\"kind\""),
        "{}",
        schemas["DataHolder"]
    );
    assert!(
        schemas.get("u64").is_none(),
        "a log position is an integer, not a schema"
    );

    // The oracle is serde: every example below is parsed by the domain's own types first, and the document's
    // schema must accept it; what serde refuses, the schema must refuse too.
    let share = |body: Value| {
        serde_json::from_value::<ShareCommand>(body.clone())
            .unwrap_or_else(|e| panic!("serde refuses {body}: {e}"));
        ("ShareCommand", body)
    };
    let catalog = |body: Value| {
        serde_json::from_value::<CatalogCommand>(body.clone())
            .unwrap_or_else(|e| panic!("serde refuses {body}: {e}"));
        ("CatalogCommand", body)
    };
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let draft = readme
        .split("-d '")
        .nth(1)
        .and_then(|rest| rest.split("}}}'").next())
        .map(|body| body.to_owned() + "}}}")
        .expect("README's command example");
    let draft: Value = serde_json::from_str(&draft).unwrap();
    let metadata = draft["DraftCatalogEntry"]["metadata"].clone();
    let authority = json!({"code": "130000-data", "name": "河北省数据和政务服务局", "kind": "data_authority",
        "region": "130000", "level": "province"});
    let provider = json!({"code": "130000-health", "name": "河北省卫生健康委员会", "kind": "department",
        "region": "130000", "level": "province", "principal": "130000-gov"});
    let scenario = json!({"purpose": "居民健康档案核验", "purpose_code": "SC-01", "legal_basis": "《基本医疗卫生与健康促进法》",
        "business_system": "健康档案系统", "data_items": ["姓名"], "use_from": "2026-03-02",
        "use_until": "2026-12-31", "expected_frequency": "每日约2000次"});
    let accepted = [
        catalog(draft.clone()),
        catalog(json!({"ReviseCatalogEntry": {"metadata": metadata}})),
        catalog(
            json!({"RecordCatalogChange": {"cause": "law_or_regulation", "description": "《条例》修订", "changed_on": "2026-03-02"}}),
        ),
        catalog(json!({"SubmitCatalogEntry": {"authority": authority}})),
        catalog(json!({"ApproveCatalogEntry": {}})),
        catalog(json!({"ReturnCatalogEntry": {"reasons": "信息项不全"}})),
        catalog(json!({"RequestUpdateExtension": {"reason": "系统改造"}})),
        catalog(json!({"ConsentToExtension": {}})),
        catalog(json!({"RefuseExtension": {"reasons": "理由不充分"}})),
        catalog(
            json!({"RecordNegativeListing": {"listing_id": "NL-1", "legal_basis": "《保守国家秘密法》",
            "approved_by_government": "130000-gov", "listed_at": "2026-03-02T08:00:00Z"}}),
        ),
        catalog(
            json!({"RecordDelisting": {"listing_id": "NL-1", "delisted_at": "2026-03-02T08:00:00+08:00"}}),
        ),
        catalog(
            json!({"RegisterAggregation": {"method": {"physical": {"full": true, "real_time": true}}}}),
        ),
        catalog(
            json!({"RegisterAggregation": {"method": {"logical": {"endpoint": "https://gateway.example/api"}}}}),
        ),
        catalog(json!({"RecordSync": {"synced_at": "2026-03-02T08:00:00Z"}})),
        catalog(json!({"MarkOverdue": {"deadline": "catalog_update#1"}})),
        catalog(json!({"RecomputeDeadlines": {}})),
        catalog(json!({"RemindDeadline": {"deadline": "catalog_review#1"}})),
        share(
            json!({"SubmitShareApplication": {"application_id": "SA-1", "entries": [{"entry_id": "catalog-1",
            "code": "130000-WJ-001", "name": "居民健康档案", "version": 1, "share_attribute": "unconditional",
            "holder": {"kind": "department", "provider": provider}, "items": ["姓名"], "negative_listing": null}],
            "scenario": scenario, "materials": ["申请函"], "route": [authority]}}),
        ),
        share(
            json!({"SubmitShareApplication": {"application_id": "SA-2", "entries": [{"entry_id": "catalog-2",
            "code": "100000-GWY-1", "name": "全国人口信息", "version": 3, "share_attribute": {"conditional": {"conditions": "核验"}},
            "holder": {"kind": "state_council", "department": "公安部"}, "items": [], "negative_listing": "NL-1"}],
            "scenario": scenario, "materials": [], "route": [authority]}}),
        ),
        share(json!({"ForwardToUpperAuthority": {}})),
        share(json!({"ReturnForSupplement": {"missing": ["purpose"]}})),
        share(json!({"ResubmitShareApplication": {"scenario": scenario, "materials": ["申请函"]}})),
        share(json!({"WithdrawShareApplication": {"reason": "不再需要"}})),
        share(json!({"ForwardToProvider": {"review_opinion": "同意转提供部门"}})),
        share(json!({"AgreeToShare": {"conditions": "仅限身份核验"}})),
        share(json!({"AgreeToShare": {"conditions": null}})),
        share(
            json!({"RefuseToShare": {"reasons": "涉及国家秘密", "basis": {"kind": "law", "instrument": "《保守国家秘密法》", "provision": "第三条"}}}),
        ),
        share(json!({"RaiseObjection": {"reasons": "拒绝理由不成立"}})),
        share(json!({"ConcludeObjection": {"outcome": "upheld", "conclusion": "应予提供"}})),
        share(json!({"ProvideShare": {"grant_id": "GR-1"}})),
        share(json!({"MarkOverdue": {"deadline": "share_provider_reply#1"}})),
        share(json!({"RecomputeDeadlines": {}})),
        share(json!({"RemindDeadline": {"deadline": "share_provider_reply#1"}})),
    ];
    for (name, body) in &accepted {
        for schema in [*name, "CommandBody"] {
            let errors = schema_errors(doc, schema, body);
            assert!(
                errors.is_empty(),
                "{schema} refuses what serde accepts: {body}\n{}",
                errors.join("\n")
            );
        }
    }
    let refused = [
        ("ShareCommand", json!({"AgreeToShare": {"conditions": 42}})),
        (
            "ShareCommand",
            json!({"ConcludeObjection": {"outcome": "maybe", "conclusion": "?"}}),
        ),
        ("ShareCommand", json!({"ProvideShare": {}})),
        ("ShareCommand", json!({"Provide": {"grant_id": "GR-1"}})),
        ("ShareCommand", json!("AgreeToShare")),
        (
            "CatalogCommand",
            json!({"RecordCatalogChange": {"cause": "weather", "description": "", "changed_on": "2026-03-02"}}),
        ),
        (
            "CatalogCommand",
            json!({"RecordCatalogChange": {"cause": "duties", "description": "", "changed_on": "2026-03-02T08:00:00Z"}}),
        ),
        (
            "CatalogCommand",
            json!({"RecordSync": {"synced_at": "2026-03-02"}}),
        ),
        (
            "CatalogCommand",
            json!({"RegisterAggregation": {"method": "physical"}}),
        ),
    ];
    for (name, body) in &refused {
        let parsed = if *name == "ShareCommand" {
            serde_json::from_value::<ShareCommand>(body.clone()).is_ok()
        } else {
            serde_json::from_value::<CatalogCommand>(body.clone()).is_ok()
        };
        assert!(!parsed, "serde accepts {body}");
        assert!(
            !schema_errors(doc, name, body).is_empty(),
            "{name} accepts what serde refuses: {body}"
        );
    }
}

/// The complaints of the document's schema `name` about `instance` (JSON Schema 2020-12, formats asserted).
fn schema_errors(doc: &Value, name: &str, instance: &Value) -> Vec<String> {
    let root =
        json!({"$ref": format!("#/components/schemas/{name}"), "components": doc["components"]});
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap();
    validator
        .iter_errors(instance)
        .map(|e| format!("{} ({}): {e}", e.instance_path(), e.schema_path()))
        .collect()
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
    check_against_meta_schema(&doc);
    check_detailed_schemas(&doc);

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
