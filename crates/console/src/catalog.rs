//! 目录 catalog browse: the catalog entries by id (every signed-in department sees the catalog, as on the API),
//! optionally one provider's or only the published ones, a page at a time.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use govshare_domain::catalog::{EntryStatus, ShareAttribute};
use govshare_projections::models::catalog;
use govshare_projections::{Cursor, PageRequest};
use maud::html;

use crate::desk::name;
use crate::i18n::Lang;
use crate::layout::page;
use crate::{Console, PageError, Viewer};

const ROWS: u32 = 50;

fn status(lang: Lang, status: EntryStatus) -> &'static str {
    match status {
        EntryStatus::New => lang.pick("新建", "new"),
        EntryStatus::Draft => lang.pick("草稿", "draft"),
        EntryStatus::Submitted => lang.pick("待审核", "submitted"),
        EntryStatus::Returned => lang.pick("已退回", "returned"),
        EntryStatus::Approved => lang.pick("已审核", "approved"),
    }
}

fn attribute(lang: Lang, json: Option<&str>) -> String {
    match json.map(serde_json::from_str::<ShareAttribute>) {
        Some(Ok(ShareAttribute::Unconditional)) => {
            lang.pick("无条件共享", "unconditional").to_owned()
        }
        Some(Ok(ShareAttribute::Conditional { conditions })) => {
            format!("{}：{conditions}", lang.pick("有条件共享", "conditional"))
        }
        Some(Ok(ShareAttribute::NotShared)) => lang.pick("不予共享", "not shared").to_owned(),
        Some(Err(_)) => json.unwrap_or_default().to_owned(),
        None => "—".to_owned(),
    }
}

/// `GET /console/catalog?provider=&published=1&cursor=`.
pub(crate) async fn browse(
    State(console): State<Console>,
    viewer: Viewer,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let lang = viewer.lang;
    let provider = params
        .get("provider")
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty());
    let published = params.get("published").is_some_and(|p| p == "1");
    let request = match params.get("cursor").filter(|c| !c.is_empty()) {
        Some(c) => PageRequest::after(Cursor::from_string(c.clone()), ROWS),
        None => PageRequest::first(ROWS),
    };
    let entries = catalog::entries(
        console.app.read_db(),
        provider.as_deref(),
        published,
        &request,
    )
    .await
    .map_err(viewer.failed())?;
    let registry = console
        .app
        .engine()
        .registry()
        .await
        .map_err(viewer.failed())?;
    let mut providers: Vec<(String, String)> = registry
        .departments()
        .map(|d| (d.code.as_str().to_owned(), d.name.clone()))
        .collect();
    providers.sort();
    let next = entries.next.as_ref().map(|c| {
        let mut query = vec![format!("cursor={}", c.as_str())];
        if let Some(p) = &provider {
            query.push(format!("provider={p}"));
        }
        if published {
            query.push("published=1".to_owned());
        }
        format!("/console/catalog?{}", query.join("&"))
    });
    let me = viewer.caller.actor.department.as_str();
    let title = lang.pick("政务数据资源目录", "Catalog");
    let body = html! {
        h1 { (title) }
        form.filter.noprint method="get" action="/console/catalog" aria-label=(lang.pick("筛选", "Filter")) {
            div {
                label for="provider" { (lang.pick("提供部门", "Provider")) }
                select #provider name="provider" {
                    option value="" { (lang.pick("全部", "all")) }
                    @for (code, label) in &providers {
                        option value=(code) selected[provider.as_deref() == Some(code.as_str())] { (label) " (" (code) ")" }
                    }
                }
            }
            label { input type="checkbox" name="published" value="1" checked[published]; " " (lang.pick("仅已发布", "published only")) }
            button.primary type="submit" { (lang.pick("筛选", "Filter")) }
        }
        section aria-labelledby="entries-h" {
            h2 #entries-h { (lang.pick("目录条目", "Entries")) }
            @if entries.items.is_empty() {
                p.muted { (lang.pick("没有符合条件的目录。", "No entries.")) }
            } @else {
                table #entries {
                    thead { tr {
                        th scope="col" { (lang.pick("资源代码", "Code")) }
                        th scope="col" { (lang.pick("资源名称", "Name")) }
                        th scope="col" { (lang.pick("提供部门", "Provider")) }
                        th scope="col" { (lang.pick("共享属性", "Share attribute")) }
                        th scope="col" { (lang.pick("状态", "Status")) }
                        th scope="col" { (lang.pick("发布", "Published")) }
                    } }
                    tbody {
                        @for e in &entries.items {
                            tr {
                                td {
                                    (e.code.as_deref().unwrap_or("—")) br; span.muted { (e.entry_id) }
                                    @if e.published_version.is_some() && e.provider != me {
                                        br; a.noprint href=(format!("/console/apply?entry={}", e.entry_id)) { (lang.pick("申请共享", "Apply")) }
                                    }
                                }
                                td { (e.name.as_deref().unwrap_or("—")) }
                                td { (name(&registry, &e.provider)) }
                                td {
                                    (attribute(lang, e.share_attribute.as_deref()))
                                    @if let Some(listing) = &e.listing { br; span.bad { (lang.pick("已列入负面清单 ", "on the negative list ")) (listing) } }
                                }
                                td { (status(lang, e.status)) }
                                td {
                                    @if let Some(v) = e.published_version { "v" (v) }
                                    @if let Some(on) = e.published_on { " · " (on) }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = next { p { a href=(next) { (lang.pick("下一页 →", "Next page →")) } } }
        }
    };
    Ok(page(lang, title, Some(&viewer), body).into_response())
}
