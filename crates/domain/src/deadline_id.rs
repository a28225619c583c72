//! The identifier of a deadline within its aggregate.
//!
//! A leaf module: refusals name deadlines ([`crate::DomainError::NotYetDue`] …) without depending on the
//! ledger that computes them ([`crate::deadline`]), which itself returns those refusals.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Identifies a deadline within its aggregate: the rule key and a sequence number, e.g. `catalog_update#2`
/// (`DeadlineId::new`), or for the clock-hour windows of 第三十四条 the rule key and the party, e.g.
/// `incident_report:cyberspace`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadlineId(pub String);

impl DeadlineId {
    /// The rule-set key the id starts with: `catalog_update` for `catalog_update#2`.
    pub fn rule_key(&self) -> &str {
        self.0.split(['#', ':']).next().unwrap_or_default()
    }

    /// The article that sets this deadline (第十一条 for a catalog update), if its key is a known rule.
    pub fn article(&self) -> Option<&'static str> {
        article_of_key(self.rule_key())
    }
}

impl fmt::Display for DeadlineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The article that sets the deadline of a rule-set key (see `rules::DeadlineRule`, whose documentation
/// names the same articles; a test keeps the two in step).
pub(crate) fn article_of_key(key: &str) -> Option<&'static str> {
    Some(match key {
        "catalog_update" | "catalog_update_extension" | "catalog_review" => "第十一条",
        "share_unconditional_provide"
        | "share_conditional_review"
        | "share_provider_reply"
        | "share_provide_after_reply"
        | "objection_coordination"
        | "objection_provide" => "第十九条",
        "verification_forward" | "verification_answer" | "verification_extension_max" => "第二十条",
        "share_route_forward" => "第二十一条",
        "incident_inform_provider" | "incident_report" => "第三十四条",
        "rectification" => "第三十九条",
        _ => return None,
    })
}
