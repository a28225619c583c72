//! The two languages of the console (Chinese first) and the labels of the recorded facts' names.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use govshare_domain::Role;
use govshare_domain::share_application::ShareStatus;

use crate::session::{LANG_COOKIE, cookie};

/// The language of a page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文 (the default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The text in this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// `zh` or `en`, as in `?lang=`.
    pub fn code(self) -> &'static str {
        self.pick("zh", "en")
    }

    /// The `lang` attribute of the page.
    pub fn html(self) -> &'static str {
        self.pick("zh-CN", "en")
    }

    /// `?lang=` first, then the cookie, then Chinese.
    pub(crate) fn of(parts: &Parts) -> Lang {
        Lang::of_headers(&parts.headers, parts.uri.query())
    }

    /// The same, from the headers and the query string.
    pub(crate) fn of_headers(headers: &axum::http::HeaderMap, query: Option<&str>) -> Lang {
        query
            .and_then(lang_in_query)
            .or_else(|| cookie(headers, LANG_COOKIE).and_then(|v| parse(&v)))
            .unwrap_or_default()
    }
}

fn parse(text: &str) -> Option<Lang> {
    match text {
        "zh" | "zh-CN" | "zh-cn" => Some(Lang::Zh),
        "en" => Some(Lang::En),
        _ => None,
    }
}

/// The language a query string asks for (`lang=en` or `lang=zh`).
pub(crate) fn lang_in_query(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| parse(v))
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Lang::of(parts))
    }
}

/// An instant in Beijing time, `2026-09-30 17:00`.
pub(crate) fn beijing(at: DateTime<Utc>) -> String {
    at.with_timezone(&govshare_workdays::beijing_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A role's name.
pub(crate) fn role(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Clerk => lang.pick("经办人", "clerk"),
        Role::Reviewer => lang.pick("审核人", "reviewer"),
        Role::Leader => lang.pick("负责人", "leader"),
        Role::Scheduler => lang.pick("时限调度", "scheduler"),
    }
}

/// A role as the audit trail records it (`clerk` …).
pub(crate) fn role_named(lang: Lang, name: &str) -> String {
    serde_json::from_value::<Role>(serde_json::Value::String(name.to_owned()))
        .map_or_else(|_| name.to_owned(), |r| role(lang, r).to_owned())
}

/// The step a share application is at.
pub(crate) fn status(lang: Lang, status: ShareStatus) -> &'static str {
    match status {
        ShareStatus::New => lang.pick("未提交", "new"),
        ShareStatus::InTransit => lang.pick("逐级转报中", "in transit"),
        ShareStatus::AwaitingProvision => lang.pick("待提供", "awaiting provision"),
        ShareStatus::UnderReview => lang.pick("主管部门审核中", "under review"),
        ShareStatus::ReturnedForSupplement => lang.pick("退回补正", "returned for supplement"),
        ShareStatus::AwaitingProviderReply => {
            lang.pick("待提供部门答复", "awaiting the provider's reply")
        }
        ShareStatus::Agreed => lang.pick("已同意，待提供", "agreed, awaiting provision"),
        ShareStatus::Refused => lang.pick("不同意共享", "refused"),
        ShareStatus::ObjectionPending => lang.pick("异议处理中", "objection pending"),
        ShareStatus::ObjectionUpheld => lang.pick("异议成立，待提供", "objection upheld"),
        ShareStatus::ObjectionDismissed => lang.pick("异议不成立", "objection dismissed"),
        ShareStatus::Provided => lang.pick("已提供", "provided"),
        ShareStatus::NotAccepted => lang.pick("不予受理（负面清单）", "not accepted"),
        ShareStatus::Withdrawn => lang.pick("已撤回", "withdrawn"),
    }
}

/// The act a deadline or the inbox names (a rule-set key such as `share_provider_reply`).
pub(crate) fn act(lang: Lang, key: &str) -> String {
    let text = match key {
        "share_unconditional_provide" => lang.pick("直接提供数据", "provide the data"),
        "share_conditional_review" => lang.pick("审核并转提供部门", "review and forward"),
        "share_provider_reply" => lang.pick("答复是否同意共享", "reply to the request"),
        "share_provide_after_reply" => lang.pick("答复后提供数据", "provide after the reply"),
        "objection_coordination" => lang.pick("协调处理异议", "conclude the objection"),
        "objection_provide" => lang.pick("异议成立后提供", "provide after the objection"),
        "share_route_forward" => lang.pick("逐级转报", "forward to the upper authority"),
        "resubmit" => lang.pick("补正后重新提交", "supplement and resubmit"),
        "catalog_update" => lang.pick("更新目录", "update the catalog"),
        "catalog_review" => lang.pick("审核目录", "review the catalog"),
        "verification_forward" => lang.pick("转交校核申请", "forward the verification"),
        "verification_answer" => lang.pick("反馈校核结果", "answer the verification"),
        "incident_inform_provider" => lang.pick("告知提供部门", "inform the provider"),
        "incident_report" => lang.pick("报告安全事件", "report the incident"),
        "rectification" => lang.pick("整改", "rectify"),
        other => return other.to_owned(),
    };
    text.to_owned()
}

/// The name of a recorded event and the article it is recorded under, where the event names one.
pub(crate) fn event(lang: Lang, event_type: &str) -> (String, Option<&'static str>) {
    let (text, article) = match event_type {
        "ShareApplicationSubmitted" => (
            lang.pick("提出共享申请", "application submitted"),
            Some("第十九条"),
        ),
        "ShareApplicationNotAccepted" => (
            lang.pick("不予受理（负面清单）", "not accepted (negative list)"),
            Some("第十五条"),
        ),
        "ForwardedToUpperAuthority" => (
            lang.pick("逐级转报", "forwarded upwards"),
            Some("第二十一条"),
        ),
        "ReturnedForSupplement" => (
            lang.pick("退回补正", "returned for supplement"),
            Some("第十九条"),
        ),
        "ShareApplicationResubmitted" => {
            (lang.pick("补正后重新提交", "resubmitted"), Some("第十九条"))
        }
        "ShareApplicationWithdrawn" => (lang.pick("撤回申请", "withdrawn"), Some("第十九条")),
        "ForwardedToProvider" => (
            lang.pick("审核后转提供部门", "forwarded to the provider"),
            Some("第十九条"),
        ),
        "ProviderAgreed" => (
            lang.pick("提供部门同意共享", "provider agreed"),
            Some("第十九条"),
        ),
        "ProviderRefused" => (
            lang.pick("提供部门不同意共享", "provider refused"),
            Some("第十九条"),
        ),
        "ObjectionRaised" => (lang.pick("提出异议", "objection raised"), Some("第十九条")),
        "ObjectionConcluded" => (
            lang.pick("异议处理结论", "objection concluded"),
            Some("第十九条"),
        ),
        "ShareProvided" => (lang.pick("提供数据", "data provided"), Some("第十九条")),
        "DeadlineSet" => (lang.pick("设定办理时限", "deadline set"), None),
        "DeadlineMet" => (lang.pick("按时限办结", "deadline met"), None),
        "DeadlineExtended" => (lang.pick("延长时限", "deadline extended"), None),
        "DeadlineMissed" => (lang.pick("逾期未办", "deadline missed"), Some("第四十一条")),
        "DeadlineRecomputed" => (lang.pick("重新计算时限", "deadline recomputed"), None),
        "DeadlineReminded" => (lang.pick("催办提醒", "reminder sent"), None),
        other => return (other.to_owned(), None),
    };
    (text.to_owned(), article)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_names_the_language() {
        assert_eq!(lang_in_query("lang=en"), Some(Lang::En));
        assert_eq!(lang_in_query("a=1&lang=zh"), Some(Lang::Zh));
        assert_eq!(lang_in_query("lang=fr"), None);
        assert_eq!(Lang::default(), Lang::Zh);
    }

    #[test]
    fn instants_are_shown_in_beijing_time() {
        let at = DateTime::parse_from_rfc3339("2026-02-13T17:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(beijing(at), "2026-02-14 01:00");
    }
}
