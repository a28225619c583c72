//! 目录 catalog browse: the catalog entries by id (every signed-in department sees the catalog, as on the API),
//! optionally one provider's or only the published ones, a page at a time.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use govshare_domain::catalog::{EntryStatus, ShareAttribute};
use govshare_domain::negative_list::{ListingPhase, ListingStatus};
use govshare_projections::models::{catalog, negative_list};
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

/// The share-attribute filter's keys: 无条件共享, 有条件共享, 不予共享.
const SHARES: [&str; 3] = ["unconditional", "conditional", "not_shared"];

fn share_key(json: Option<&str>) -> Option<&'static str> {
    match json.map(serde_json::from_str::<ShareAttribute>) {
        Some(Ok(ShareAttribute::Unconditional)) => Some(SHARES[0]),
        Some(Ok(ShareAttribute::Conditional { .. })) => Some(SHARES[1]),
        Some(Ok(ShareAttribute::NotShared)) => Some(SHARES[2]),
        _ => None,
    }
}

fn share_label(lang: Lang, key: &str) -> &'static str {
    match key {
        "unconditional" => lang.pick("无条件共享", "unconditional"),
        "conditional" => lang.pick("有条件共享", "conditional"),
        _ => lang.pick("不予共享", "not shared"),
    }
}

/// `GET /console/catalog?provider=&share=&published=1&cursor=`. The share attribute is not a filter of the
/// read model's query: it narrows each page read (so a filtered page may hold fewer than 50 rows).
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
    let share = params
        .get("share")
        .and_then(|s| SHARES.iter().find(|k| **k == s.as_str()).copied());
    let request = match params.get("cursor").filter(|c| !c.is_empty()) {
        Some(c) => PageRequest::after(Cursor::from_string(c.clone()), ROWS),
        None => PageRequest::first(ROWS),
    };
    let mut entries = catalog::entries(
        console.app.read_db(),
        provider.as_deref(),
        published,
        &request,
    )
    .await
    .map_err(viewer.failed())?;
    if let Some(share) = share {
        entries
            .items
            .retain(|e| share_key(e.share_attribute.as_deref()) == Some(share));
    }
    let versions = catalog::versions(console.app.read_db(), None, &PageRequest::first(50))
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
        if let Some(s) = share {
            query.push(format!("share={s}"));
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
        p.noprint { a href="/console/catalog/negative-list" { (lang.pick("负面清单（第十五条）→", "The negative list (art. 15) →")) } }
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
            div {
                label for="share" { (lang.pick("共享属性", "Share attribute")) }
                select #share name="share" {
                    option value="" { (lang.pick("全部", "all")) }
                    @for key in SHARES {
                        option value=(key) selected[share == Some(key)] { (share_label(lang, key)) }
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
        section aria-labelledby="versions-h" {
            h2 #versions-h { (lang.pick("已发布的目录版本", "Published catalog versions")) }
            @if versions.items.is_empty() {
                p.muted #versions-empty { (lang.pick("尚未发布目录版本。", "No catalog version published yet.")) }
            } @else {
                table #versions {
                    thead { tr {
                        th scope="col" { (lang.pick("发布部门", "Authority")) }
                        th scope="col" { (lang.pick("版本", "Version")) }
                        th scope="col" { (lang.pick("发布日期", "Published on")) }
                        th scope="col" { (lang.pick("条目数", "Entries")) }
                    } }
                    tbody {
                        @for v in &versions.items {
                            tr {
                                td { (name(&registry, &v.authority)) }
                                td { "v" (v.number) }
                                td { (v.published_on) }
                                td { (v.entries) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(lang, title, Some(&viewer), body).into_response())
}

fn listing_status(lang: Lang, status: &ListingStatus) -> &'static str {
    match status {
        ListingStatus::New => lang.pick("新建", "new"),
        ListingStatus::Applied(ListingPhase::Listing) => lang.pick("已申请列入", "listing applied"),
        ListingStatus::Applied(ListingPhase::Delisting) => {
            lang.pick("已申请移出", "delisting applied")
        }
        ListingStatus::Endorsed(ListingPhase::Listing) => {
            lang.pick("主管部门同意列入，待政府审定", "listing endorsed")
        }
        ListingStatus::Endorsed(ListingPhase::Delisting) => {
            lang.pick("主管部门同意移出，待政府审定", "delisting endorsed")
        }
        ListingStatus::Refused => lang.pick("未予列入", "refused"),
        ListingStatus::Listed => lang.pick("已列入", "listed"),
        ListingStatus::Delisted => lang.pick("已移出", "delisted"),
    }
}

/// `GET /console/catalog/negative-list?cursor=`: 负面清单, every listing application (第十五条) by id — the
/// listed entries, those applied for or endorsed, refused and delisted — 50 a page, visible to every
/// signed-in department, as the catalog is.
pub(crate) async fn negative_list(
    State(console): State<Console>,
    viewer: Viewer,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let lang = viewer.lang;
    let request = match params.get("cursor").filter(|c| !c.is_empty()) {
        Some(c) => PageRequest::after(Cursor::from_string(c.clone()), ROWS),
        None => PageRequest::first(ROWS),
    };
    let listings = negative_list::list(
        console.app.read_db(),
        &negative_list::ListingFilter::default(),
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
    let title = lang.pick("负面清单", "Negative list");
    let body = html! {
        h1 { (title) }
        p.muted { (lang.pick("列入负面清单的目录不予共享（第十五条）；列入、移出均经主管部门审核、本级政府审定并报上级备案。", "Entries on the negative list are not shared (art. 15); listing and delisting are reviewed by the authority, decided by the government and filed upward.")) }
        p.noprint { a href="/console/catalog" { (lang.pick("← 目录", "← Catalog")) } }
        @if listings.items.is_empty() {
            p.muted #listings-empty { (lang.pick("负面清单为空，也没有列入或移出的申请。", "The negative list is empty, and nothing is applied for.")) }
        } @else {
            table #listings {
                thead { tr {
                    th scope="col" { (lang.pick("资源代码", "Code")) }
                    th scope="col" { (lang.pick("资源名称", "Name")) }
                    th scope="col" { (lang.pick("申请部门", "Applicant")) }
                    th scope="col" { (lang.pick("清单", "List")) }
                    th scope="col" { (lang.pick("状态", "Status")) }
                    th scope="col" { (lang.pick("理由", "Reason")) }
                    th scope="col" { (lang.pick("备案", "Filed")) }
                } }
                tbody {
                    @for l in &listings.items {
                        tr {
                            td { (l.entry_code) br; span.muted { (l.entry_id) " · " (l.listing_id) } }
                            td { (l.entry_name) }
                            td { (name(&registry, &l.applicant)) }
                            td { (l.region) " (" (l.level) ")" }
                            td { (listing_status(lang, &l.status)) }
                            td { (l.reason) }
                            td { @if l.filed { (lang.pick("已备案", "filed")) } @else { "—" } }
                        }
                    }
                }
            }
        }
        @if let Some(next) = &listings.next {
            p { a href=(format!("/console/catalog/negative-list?cursor={}", next.as_str())) { (lang.pick("下一页 →", "Next page →")) } }
        }
    };
    Ok(page(lang, title, Some(&viewer), body).into_response())
}
