//! `GET /api`: the OpenAPI document rendered as one HTML page by the server itself — the operations grouped
//! by tag (method, path, summary, parameters, request body, responses) and every schema pretty-printed. No
//! script, no stylesheet or font from elsewhere: the machines it serves often have no internet.

use std::fmt::Write as _;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::openapi::{self, TAGS};

/// `GET /api`: the API page (public).
#[utoipa::path(
    get,
    path = "/api",
    tag = "service",
    operation_id = "api_page",
    summary = "接口说明页 the API page: this document as HTML, rendered by the server",
    description = "The operations grouped by tag, with their parameters, bodies and answers, and every schema; no script and no external asset. Public (no token needed).",
    responses(
        (status = 200, description = "The API page", body = String, content_type = "text/html; charset=utf-8"),
    ),
)]
pub async fn api_page() -> Response {
    let body = match serde_json::to_value(openapi::document()) {
        Ok(doc) => render(&doc),
        Err(e) => return crate::Problem::internal("rendering the API page", &e).into_response(),
    };
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

const STYLE: &str = "body{font-family:sans-serif;margin:2em auto;max-width:72em;padding:0 1em;line-height:1.4}\
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}\
th{background:#f3f3f3}code,pre{font-family:monospace}pre{background:#f7f7f7;padding:.6em;overflow-x:auto}\
.op{border:1px solid #bbb;border-radius:4px;padding:.5em 1em;margin:1em 0}.method{font-weight:bold;text-transform:uppercase}\
.get{color:#1a5fb4}.post{color:#26a269}nav li{margin:.1em 0}";

/// The page of an OpenAPI document (as JSON).
pub fn render(doc: &Value) -> String {
    let title = text(&doc["info"]["title"]);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{} — 接口说明 API</title><style>{STYLE}</style></head><body>\n",
        esc(&title)
    );
    let _ = write!(
        out,
        "<h1>{} 接口说明 API reference</h1>\n<p>OpenAPI {} · version {} · <a href=\"/openapi.json\">/openapi.json</a></p>\n<p>{}</p>\n",
        esc(&title),
        esc(&text(&doc["openapi"])),
        esc(&text(&doc["info"]["version"])),
        esc(&text(&doc["info"]["description"]))
    );
    out.push_str("<h2>认证 Authentication</h2>\n<p>Every <code>/v1</code> operation needs <code>Authorization: Bearer &lt;token&gt;</code> (issued with <code>govshare token issue</code>); this page, <code>/openapi.json</code>, <code>/healthz</code> and <code>/readyz</code> are public. Errors are <code>application/problem+json</code> (schema <a href=\"#schema-Problem\">Problem</a>).</p>\n");

    let operations = operations(doc);
    let tag_order = tag_order(doc);
    out.push_str("<h2>目录 Contents</h2>\n<nav><ul>\n");
    for tag in &tag_order {
        let _ = writeln!(
            out,
            "<li><a href=\"#tag-{0}\">{1}</a> — {2}</li>",
            esc(tag),
            esc(&tag_label(tag)),
            esc(&tag_description(doc, tag))
        );
    }
    out.push_str("<li><a href=\"#schemas\">数据结构 Schemas</a></li>\n</ul></nav>\n");

    for tag in &tag_order {
        let _ = write!(
            out,
            "<h2 id=\"tag-{0}\">{1}</h2>\n<p>{2}</p>\n<table><tr><th>方法 Method</th><th>路径 Path</th><th>摘要 Summary</th></tr>\n",
            esc(tag),
            esc(&tag_label(tag)),
            esc(&tag_description(doc, tag))
        );
        let in_tag: Vec<&Op> = operations.iter().filter(|op| &op.tag == tag).collect();
        for op in &in_tag {
            let _ = writeln!(
                out,
                "<tr><td class=\"method {m}\">{M}</td><td><a href=\"#op-{id}\"><code>{p}</code></a></td><td>{s}</td></tr>",
                m = op.method,
                M = op.method.to_uppercase(),
                id = esc(&op.id),
                p = esc(op.path),
                s = esc(&text(&op.operation["summary"]))
            );
        }
        out.push_str("</table>\n");
        for op in in_tag {
            render_operation(&mut out, op);
        }
    }

    out.push_str("<h2 id=\"schemas\">数据结构 Schemas</h2>\n");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let _ = writeln!(out, "<h3 id=\"schema-{0}\">{0}</h3>", esc(name));
            if let Some(summary) = alternatives(schema) {
                let _ = writeln!(out, "<p>{summary}</p>");
            }
            let _ = writeln!(out, "<pre>{}</pre>", link_refs(&esc(&pretty(schema))));
        }
    }
    if let Some(schemes) = doc["components"]["securitySchemes"].as_object() {
        out.push_str("<h2>安全方案 Security schemes</h2>\n");
        for (name, scheme) in schemes {
            let _ = write!(
                out,
                "<h3>{}</h3>\n<pre>{}</pre>\n",
                esc(name),
                esc(&pretty(scheme))
            );
        }
    }
    out.push_str("</body></html>\n");
    out
}

struct Op<'a> {
    tag: String,
    method: &'static str,
    path: &'a str,
    id: String,
    operation: &'a Value,
}

fn operations(doc: &Value) -> Vec<Op<'_>> {
    let mut ops = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in METHODS {
                let operation = &item[method];
                if !operation.is_object() {
                    continue;
                }
                let tag = operation["tags"][0]
                    .as_str()
                    .unwrap_or("default")
                    .to_owned();
                let id = operation["operationId"]
                    .as_str()
                    .map_or_else(|| format!("{method}-{path}"), str::to_owned);
                ops.push(Op {
                    tag,
                    method,
                    path,
                    id,
                    operation,
                });
            }
        }
    }
    ops
}

/// The document's tags in [`TAGS`] order, then any other tag an operation carries.
fn tag_order(doc: &Value) -> Vec<String> {
    let mut order: Vec<String> = TAGS.iter().map(|t| (*t).to_owned()).collect();
    for op in operations(doc) {
        if !order.contains(&op.tag) {
            order.push(op.tag);
        }
    }
    order
}

/// A tag's heading: Chinese, then English.
fn tag_label(tag: &str) -> String {
    let chinese = match tag {
        "commands" => "命令",
        "queries" => "查询",
        "reports" => "报告",
        "service" => "服务",
        _ => "",
    };
    format!("{chinese} {tag}").trim().to_owned()
}

fn tag_description(doc: &Value, tag: &str) -> String {
    doc["tags"]
        .as_array()
        .and_then(|tags| tags.iter().find(|t| t["name"] == tag))
        .map(|t| text(&t["description"]))
        .unwrap_or_default()
}

fn render_operation(out: &mut String, op: &Op<'_>) {
    let operation = op.operation;
    let _ = write!(
        out,
        "<div class=\"op\" id=\"op-{id}\"><h3><span class=\"method {m}\">{M}</span> <code>{p}</code></h3>\n<p><b>{s}</b></p>\n",
        id = esc(&op.id),
        m = op.method,
        M = op.method.to_uppercase(),
        p = esc(op.path),
        s = esc(&text(&operation["summary"]))
    );
    let description = text(&operation["description"]);
    if !description.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", esc(&description));
    }
    let secured = operation["security"]
        .as_array()
        .is_some_and(|s| !s.is_empty());
    let _ = writeln!(
        out,
        "<p>operationId <code>{}</code> · {}</p>",
        esc(&op.id),
        if secured {
            "需要令牌 bearer token required"
        } else {
            "公开 public"
        }
    );

    if let Some(params) = operation["parameters"].as_array().filter(|p| !p.is_empty()) {
        out.push_str("<h4>参数 Parameters</h4>\n<table><tr><th>名称 Name</th><th>位置 In</th><th>必填 Required</th><th>类型 Schema</th><th>说明 Description</th></tr>\n");
        for p in params {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&text(&p["name"])),
                esc(&text(&p["in"])),
                if p["required"] == true {
                    "是 yes"
                } else {
                    "否 no"
                },
                schema_cell(&p["schema"]),
                esc(&text(&p["description"]))
            );
        }
        out.push_str("</table>\n");
    }

    let body = &operation["requestBody"];
    if body.is_object() {
        let _ = writeln!(
            out,
            "<h4>请求体 Request body{}</h4>\n<p>{}</p>",
            if body["required"] == true {
                " (required)"
            } else {
                ""
            },
            esc(&text(&body["description"]))
        );
        content_table(out, &body["content"]);
    }

    if let Some(responses) = operation["responses"].as_object() {
        out.push_str("<h4>响应 Responses</h4>\n<table><tr><th>状态 Status</th><th>说明 Description</th><th>内容 Content</th></tr>\n");
        for (status, response) in responses {
            let mut content = String::new();
            if let Some(media) = response["content"].as_object() {
                for (media_type, m) in media {
                    let _ = write!(
                        content,
                        "<code>{}</code> {}<br>",
                        esc(media_type),
                        schema_cell(&m["schema"])
                    );
                }
            }
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(status),
                esc(&text(&response["description"])),
                content
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("</div>\n");
}

fn content_table(out: &mut String, content: &Value) {
    if let Some(media) = content.as_object() {
        for (media_type, m) in media {
            let _ = writeln!(
                out,
                "<p><code>{}</code> {}</p>",
                esc(media_type),
                schema_cell(&m["schema"])
            );
            if !m["example"].is_null() {
                let _ = writeln!(out, "<pre>{}</pre>", esc(&pretty(&m["example"])));
            }
        }
    }
}

/// A schema in a table cell: a link for a `$ref`, else the schema's JSON.
fn schema_cell(schema: &Value) -> String {
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if schema.is_null() {
        return String::new();
    }
    format!("<code>{}</code>", link_refs(&esc(&compact(schema))))
}

/// The escaped JSON of a schema with each `"#/components/schemas/Name"` made a link to that schema.
fn link_refs(escaped: &str) -> String {
    const START: &str = "&quot;#/components/schemas/";
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped;
    while let Some(at) = rest.find(START) {
        out.push_str(&rest[..at]);
        let after = &rest[at + START.len()..];
        match after.find("&quot;") {
            Some(end) => {
                let name = &after[..end];
                let _ = write!(out, "<a href=\"#schema-{name}\">{START}{name}&quot;</a>");
                rest = &after[end + "&quot;".len()..];
            }
            None => {
                out.push_str(START);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// For a `oneOf`/`anyOf` schema, a line naming its alternatives (the referenced schemas as links, the
/// variants of an externally tagged enum by their key).
fn alternatives(schema: &Value) -> Option<String> {
    let (keyword, label) = if schema["oneOf"].is_array() {
        ("oneOf", "恰为其一 exactly one of")
    } else if schema["anyOf"].is_array() {
        ("anyOf", "任一 any of")
    } else {
        return None;
    };
    let names: Vec<String> = schema[keyword]
        .as_array()
        .into_iter()
        .flatten()
        .map(|alternative| {
            if let Some(name) = alternative["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
            }
            if let Some(title) = alternative["title"].as_str() {
                return esc(title);
            }
            let keys: Vec<&str> = alternative["properties"]
                .as_object()
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            if keys.len() == 1 {
                return format!("<code>{}</code>", esc(keys[0]));
            }
            if let Some(values) = alternative["enum"].as_array() {
                let values: Vec<String> = values.iter().map(|v| esc(&text(v))).collect();
                return format!("<code>{}</code>", values.join("</code> | <code>"));
            }
            format!("<code>{}</code>", esc(&compact(alternative)))
        })
        .collect();
    Some(format!("{label}: {}", names.join(", ")))
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// HTML-escapes text for element content and double-quoted attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn renders_every_operation_and_schema() {
        let doc = serde_json::to_value(openapi::document()).unwrap();
        let html = render(&doc);
        assert!(!html.contains("<script"));
        for (path, _) in doc["paths"].as_object().unwrap() {
            assert!(
                html.contains(&format!("<code>{}</code>", esc(path))),
                "{path}"
            );
        }
        for (name, _) in doc["components"]["schemas"].as_object().unwrap() {
            assert!(html.contains(&format!("id=\"schema-{name}\"")), "{name}");
        }
        // Nested references are links; the command enums list their variants.
        assert!(html.contains("<a href=\"#schema-ApplicationView\">&quot;#/components/schemas/ApplicationView&quot;</a>"));
        assert!(html.contains("<code>AgreeToShare</code>"));
    }

    #[test]
    fn links_references() {
        assert_eq!(
            link_refs(&esc(
                r##"{"$ref":"#/components/schemas/A","x":"#/components/schemas/B"}"##
            )),
            "{&quot;$ref&quot;:<a href=\"#schema-A\">&quot;#/components/schemas/A&quot;</a>,&quot;x&quot;:<a href=\"#schema-B\">&quot;#/components/schemas/B&quot;</a>}"
        );
        assert_eq!(
            link_refs("&quot;#/components/schemas/"),
            "&quot;#/components/schemas/"
        );
    }
}
