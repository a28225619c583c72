//! Rule sets: a jurisdiction's deadline lengths and options as data, with an id and a version.
//!
//! Two rule sets are built in: `hebei-2022` (the default: the numbers and Decisions of the regulation digest)
//! and `national-2016` (the 2016 national interim measures, 国发〔2016〕51号: a provider answers a conditional
//! request within 10 working days). A second jurisdiction is a file, not code: [`RuleSet::from_json`] reads
//! any file of the same shape (the caller reads the file; the domain does no I/O).
//!
//! **Defaults for missing fields.** A field absent from a file takes the `hebei-2022` value listed on the
//! field, so a file written before a field existed keeps loading and means what the default means; a
//! jurisdiction that differs states its value. `national-2016` states only the conditional reply and
//! inherits every other value from these defaults.
//!
//! **Optional sections.** `assessment` (第三十八条 weights) and `reminders` (deadline reminders, 催办提醒:
//! [`Reminders`]) are left out of the serialized form while they hold their defaults. The regulation
//! prescribes no reminder, so the shipped rule sets configure none; a deployment that wants them states
//! `"reminders": {"working_days_before": 2}` (and, by rule key, `"deadlines": {"share_provider_reply": 1}`) in
//! its own rule-set file, under its own id or version.

use std::collections::BTreeMap;

use govshare_workdays::Coverage;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

const HEBEI_2022_JSON: &str = include_str!("../rulesets/hebei-2022.json");
const NATIONAL_2016_JSON: &str = include_str!("../rulesets/national-2016.json");

/// Which rule set (and which version of it) a decision used; recorded in every deadline fact.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RuleSetRef {
    /// e.g. `hebei-2022`.
    pub id: String,
    /// Incremented whenever a value of the rule set changes.
    pub version: u32,
}

/// A named deadline length of a rule set. The `snake_case` name is the key in the rule-set file and in
/// recorded deadline facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineRule {
    /// 第十一条: the department updates its catalog within N working days of the change (10).
    CatalogUpdate,
    /// 第十一条: with the authority's consent the update deadline may be extended by N working days (20).
    CatalogUpdateExtension,
    /// 第十一条: the authority reviews an updated entry within N working days of receiving it (10).
    CatalogReview,
    /// 第十九条: the authority provides unconditional data within N working days (3).
    ShareUnconditionalProvide,
    /// 第十九条: the authority reviews and forwards a conditional request within N working days (3).
    ShareConditionalReview,
    /// 第十九条: the provider replies to a forwarded conditional request within N working days (5).
    ShareProviderReply,
    /// 第十九条: the authority provides within N working days of the provider's agreement (3).
    ShareProvideAfterReply,
    /// 第十九条 Decision: the authority coordinates an objection within N working days (10).
    ObjectionCoordination,
    /// 第十九条 Decision: after an upheld objection the authority provides within N working days (3).
    ObjectionProvide,
    /// 第二十条: the authority forwards a verification request within N working days (3).
    VerificationForward,
    /// 第二十条: the provider answers a verification request within N working days (10).
    VerificationAnswer,
    /// 第二十条: a verification answer may be extended by at most N working days (10).
    VerificationExtensionMax,
    /// 第二十一条 Decision: each authority on a cross-level route forwards the application to the next within
    /// N working days of receiving it (3).
    ShareRouteForward,
    /// 第三十四条: the department informs each affected provider department of a security incident. Counted
    /// in clock hours by severity ([`RuleOptions::incident_report_hours`]), not working days.
    IncidentInformProvider,
    /// 第三十四条: the department reports a security incident to 网信, 公安 and the data authority. Counted in
    /// clock hours by severity ([`RuleOptions::incident_report_hours`]), not working days.
    IncidentReport,
    /// 第三十九条 Decision: the supervised department rectifies within N working days of the order (20), unless
    /// the order sets its own length.
    Rectification,
}

impl DeadlineRule {
    /// The article that sets this deadline (as named on each variant).
    pub fn article(self) -> Option<&'static str> {
        crate::deadline_id::article_of_key(self.key())
    }

    /// Every rule, in declaration order.
    pub const ALL: [DeadlineRule; 16] = [
        DeadlineRule::CatalogUpdate,
        DeadlineRule::CatalogUpdateExtension,
        DeadlineRule::CatalogReview,
        DeadlineRule::ShareUnconditionalProvide,
        DeadlineRule::ShareConditionalReview,
        DeadlineRule::ShareProviderReply,
        DeadlineRule::ShareProvideAfterReply,
        DeadlineRule::ObjectionCoordination,
        DeadlineRule::ObjectionProvide,
        DeadlineRule::VerificationForward,
        DeadlineRule::VerificationAnswer,
        DeadlineRule::VerificationExtensionMax,
        DeadlineRule::ShareRouteForward,
        DeadlineRule::IncidentInformProvider,
        DeadlineRule::IncidentReport,
        DeadlineRule::Rectification,
    ];

    /// The rule of a key as written in files and facts ([`DeadlineRule::key`]).
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|rule| rule.key() == key)
    }

    /// Whether deadlines of this rule are counted in working days. The clock-hour windows of 第三十四条 are
    /// not, and the two extension lengths (第十一、二十条) are not deadlines of their own.
    pub fn counts_working_days(self) -> bool {
        !matches!(
            self,
            DeadlineRule::IncidentInformProvider
                | DeadlineRule::IncidentReport
                | DeadlineRule::CatalogUpdateExtension
                | DeadlineRule::VerificationExtensionMax
        )
    }

    /// The key as written in files and facts.
    pub fn key(self) -> &'static str {
        match self {
            DeadlineRule::CatalogUpdate => "catalog_update",
            DeadlineRule::CatalogUpdateExtension => "catalog_update_extension",
            DeadlineRule::CatalogReview => "catalog_review",
            DeadlineRule::ShareUnconditionalProvide => "share_unconditional_provide",
            DeadlineRule::ShareConditionalReview => "share_conditional_review",
            DeadlineRule::ShareProviderReply => "share_provider_reply",
            DeadlineRule::ShareProvideAfterReply => "share_provide_after_reply",
            DeadlineRule::ObjectionCoordination => "objection_coordination",
            DeadlineRule::ObjectionProvide => "objection_provide",
            DeadlineRule::VerificationForward => "verification_forward",
            DeadlineRule::VerificationAnswer => "verification_answer",
            DeadlineRule::VerificationExtensionMax => "verification_extension_max",
            DeadlineRule::ShareRouteForward => "share_route_forward",
            DeadlineRule::IncidentInformProvider => "incident_inform_provider",
            DeadlineRule::IncidentReport => "incident_report",
            DeadlineRule::Rectification => "rectification",
        }
    }
}

/// Deadline lengths in working days. Each field's default is the `hebei-2022` value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeadlineLengths {
    /// 第十一条 (default 10).
    pub catalog_update: u32,
    /// 第十一条 (default 20).
    pub catalog_update_extension: u32,
    /// 第十一条: how many extensions one catalog change allows (default 1).
    pub catalog_update_max_extensions: u32,
    /// 第十一条 (default 10).
    pub catalog_review: u32,
    /// 第十九条 (default 3).
    pub share_unconditional_provide: u32,
    /// 第十九条 (default 3).
    pub share_conditional_review: u32,
    /// 第十九条 (default 5; `national-2016`: 10).
    pub share_provider_reply: u32,
    /// 第十九条 (default 3).
    pub share_provide_after_reply: u32,
    /// 第十九条 Decision (default 10).
    pub objection_coordination: u32,
    /// 第十九条 Decision (default 3).
    pub objection_provide: u32,
    /// 第二十条 (default 3).
    pub verification_forward: u32,
    /// 第二十条 (default 10).
    pub verification_answer: u32,
    /// 第二十条 (default 10).
    pub verification_extension_max: u32,
    /// 第二十一条 Decision: per hop of a cross-level route (default 3).
    pub share_route_forward: u32,
    /// 第三十九条 Decision: working days to rectify after an order that sets no length of its own (default 20).
    pub rectification: u32,
}

impl Default for DeadlineLengths {
    fn default() -> Self {
        DeadlineLengths {
            catalog_update: 10,
            catalog_update_extension: 20,
            catalog_update_max_extensions: 1,
            catalog_review: 10,
            share_unconditional_provide: 3,
            share_conditional_review: 3,
            share_provider_reply: 5,
            share_provide_after_reply: 3,
            objection_coordination: 10,
            objection_provide: 3,
            verification_forward: 3,
            verification_answer: 10,
            verification_extension_max: 10,
            share_route_forward: 3,
            rectification: 20,
        }
    }
}

/// Options where the regulation is silent (the digest's Decisions). Each field's default is `hebei-2022`'s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleOptions {
    /// 第十一条 Decision: returning an updated entry restarts the department's update clock (default true).
    pub return_restarts_update_clock: bool,
    /// Whether the authority's review deadline (第十一条) also applies to a new entry's first submission;
    /// the text sets it only for updated entries (default false).
    pub review_deadline_for_new_entries: bool,
    /// 第十九条 Decision: a return for supplement restarts the authority's clock on resubmission (default true).
    pub supplement_restarts_authority_clock: bool,
    /// 第十八条: base data is aggregated physically only (default true).
    pub base_data_physical_only: bool,
    /// 第十九条: a provider's refusal reason must have at least this many visible characters (white space and
    /// invisible format characters do not count; default 10).
    pub refusal_reason_min_chars: u32,
    /// 第十九条: stock phrases that are not reasons, compared ignoring white space and invisible characters
    /// anywhere and trailing punctuation, case-insensitively (default: 不同意, 不予共享, 无, 其他, "no",
    /// "refused" …).
    pub refusal_stock_phrases: Vec<String>,
    /// 第三十四条 Decision: clock hours, by severity, within which a security incident is told to each affected
    /// provider and reported to 网信, 公安 and the data authority (default 1 hour for 较大 and above, 24 hours
    /// for 一般).
    pub incident_report_hours: IncidentReportHours,
}

/// 第三十四条 Decision: reporting windows of a security incident in clock hours, by severity (the text says
/// 立即 / 及时 without a number). Each field's default is the `hebei-2022` value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IncidentReportHours {
    /// 一般 (default 24).
    pub general: u32,
    /// 较大 (default 1).
    pub larger: u32,
    /// 重大 (default 1).
    pub major: u32,
    /// 特别重大 (default 1).
    pub especially_major: u32,
}

impl Default for IncidentReportHours {
    fn default() -> Self {
        IncidentReportHours {
            general: 24,
            larger: 1,
            major: 1,
            especially_major: 1,
        }
    }
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            return_restarts_update_clock: true,
            review_deadline_for_new_entries: false,
            supplement_restarts_authority_clock: true,
            base_data_physical_only: true,
            refusal_reason_min_chars: 10,
            refusal_stock_phrases: [
                "不同意",
                "不同意共享",
                "不予共享",
                "暂不共享",
                "暂不提供",
                "拒绝",
                "无",
                "其他",
                "其它",
                "no",
                "refused",
                "n/a",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            incident_report_hours: IncidentReportHours::default(),
        }
    }
}

/// A jurisdiction's rules: deadline lengths and options, identified by id and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSet {
    /// Stable id, e.g. `hebei-2022`.
    pub id: String,
    /// Version of this rule set's values.
    pub version: u32,
    /// Human-readable title (the instrument).
    #[serde(default)]
    pub title: String,
    /// Where the values come from.
    #[serde(default)]
    pub source: String,
    /// What to do with deadlines reaching into a year with no published holiday arrangement
    /// (default `provisional`: weekends only, flagged).
    #[serde(default)]
    pub coverage: Coverage,
    /// Deadline lengths.
    #[serde(default)]
    pub deadlines: DeadlineLengths,
    /// Options.
    #[serde(default)]
    pub options: RuleOptions,
    /// Where each value comes from, by key (documentation carried in the file and kept on load).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
    /// 第三十八条: the weight of each indicator of the assessment report. Absent from older files and
    /// logs (the defaults are the `hebei-2022` weights) and left out of the serialized form while it
    /// equals them, so a rule set written before weights existed serializes as it always did.
    #[serde(default, skip_serializing_if = "AssessmentWeights::is_default")]
    pub assessment: AssessmentWeights,
    /// Deadline reminders (催办提醒) before the due day: an operational measure the regulation does not
    /// prescribe, so the shipped rule sets configure none. Absent means no reminders, and a rule set
    /// without reminders serializes without the section, as it did before reminders existed.
    #[serde(default, skip_serializing_if = "Reminders::is_none")]
    pub reminders: Reminders,
}

/// Deadline reminders (催办提醒): how many working days before a working-day deadline's due day the owing
/// party is reminded, once, by the scheduler's `RemindDeadline` (recorded as `DeadlineReminded`). Not a duty of
/// the regulation: the articles set the deadlines (第十一、十九、二十、二十一、三十九条) and the consequence of
/// missing them (第四十一条), not reminders. The clock-hour windows of 第三十四条 take no reminder.
///
/// ```
/// use govshare_domain::{DeadlineRule, RuleSet};
///
/// let rules = RuleSet::from_json(
///     r#"{"id": "x", "version": 1,
///         "reminders": {"working_days_before": 1, "deadlines": {"catalog_update": 3, "rectification": 0}}}"#,
/// ).unwrap();
/// assert_eq!(rules.reminder_lead(DeadlineRule::ShareProviderReply), Some(1));
/// assert_eq!(rules.reminder_lead(DeadlineRule::CatalogUpdate), Some(3));
/// assert_eq!(rules.reminder_lead(DeadlineRule::Rectification), None);
/// assert_eq!(RuleSet::hebei_2022().reminder_lead(DeadlineRule::CatalogUpdate), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Reminders {
    /// The lead in working days for every working-day deadline (absent: only the deadlines named in
    /// `deadlines` are reminded of). At least 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_days_before: Option<u32>,
    /// The lead by deadline rule key (e.g. `share_provider_reply`), overriding `working_days_before`; 0 turns
    /// reminders off for that deadline.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub deadlines: BTreeMap<DeadlineRule, u32>,
}

impl Reminders {
    /// Whether the section is empty (the shipped rule sets): no reminder is configured.
    pub fn is_none(&self) -> bool {
        self.working_days_before.is_none() && self.deadlines.is_empty()
    }

    /// The configured lead for deadlines of `rule`, if reminders are configured for it.
    pub fn lead(&self, rule: DeadlineRule) -> Option<u32> {
        if !rule.counts_working_days() {
            return None;
        }
        self.deadlines
            .get(&rule)
            .copied()
            .or(self.working_days_before)
            .filter(|&lead| lead > 0)
    }
}

/// 第三十八条: weights of the assessment indicators, by indicator key (the keys of the report's indicators,
/// `docs/assessment.md`). A weight is a whole number of points; the score of a department is the
/// weighted mean of its rates. Count indicators carry no weight. Each field's default is `hebei-2022`'s;
/// they add up to 100.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AssessmentWeights {
    /// 第十一条: catalog changes updated on time (default 10).
    pub catalog_update_on_time: u32,
    /// 第十六条: shareable entries aggregated (default 10).
    pub aggregation_rate: u32,
    /// 第十九条: provider replies on time (default 15).
    pub provider_reply_on_time: u32,
    /// 第十九条: refusals among replies, lower is better (default 5).
    pub refusal_rate: u32,
    /// 第十九条: refusals overturned by an upheld objection, lower is better (default 10).
    pub refusals_overturned: u32,
    /// 第十一、十九、二十一条: the authority's reviews and forwards on time (default 10).
    pub authority_review_on_time: u32,
    /// 第十九条: the authority's provisions on time (default 10).
    pub authority_provision_on_time: u32,
    /// 第二十条: verification steps on time (default 10).
    pub verification_on_time: u32,
    /// 第二十条: verification answers extended, lower is better (default 5).
    pub verification_extension_rate: u32,
    /// 第三十四条: incident reports and notices on time (default 5).
    pub incident_report_on_time: u32,
    /// 第二十二条: grant uses outside the grant, lower is better (default 5).
    pub usage_violation_rate: u32,
    /// 第三十九条: rectifications overdue, lower is better (default 3).
    pub rectification_overdue_rate: u32,
    /// 第三十九条: rectification reports rejected, lower is better (default 2).
    pub rectification_rejected_rate: u32,
}

impl Default for AssessmentWeights {
    fn default() -> Self {
        AssessmentWeights {
            catalog_update_on_time: 10,
            aggregation_rate: 10,
            provider_reply_on_time: 15,
            refusal_rate: 5,
            refusals_overturned: 10,
            authority_review_on_time: 10,
            authority_provision_on_time: 10,
            verification_on_time: 10,
            verification_extension_rate: 5,
            incident_report_on_time: 5,
            usage_violation_rate: 5,
            rectification_overdue_rate: 3,
            rectification_rejected_rate: 2,
        }
    }
}

impl AssessmentWeights {
    /// Whether these are the default (`hebei-2022`) weights.
    pub fn is_default(&self) -> bool {
        *self == AssessmentWeights::default()
    }

    /// Every weighted indicator key with its weight, in the report's order.
    pub fn entries(&self) -> [(&'static str, u32); 13] {
        [
            ("catalog_update_on_time", self.catalog_update_on_time),
            ("aggregation_rate", self.aggregation_rate),
            ("provider_reply_on_time", self.provider_reply_on_time),
            ("refusal_rate", self.refusal_rate),
            ("refusals_overturned", self.refusals_overturned),
            ("authority_review_on_time", self.authority_review_on_time),
            (
                "authority_provision_on_time",
                self.authority_provision_on_time,
            ),
            ("verification_on_time", self.verification_on_time),
            (
                "verification_extension_rate",
                self.verification_extension_rate,
            ),
            ("incident_report_on_time", self.incident_report_on_time),
            ("usage_violation_rate", self.usage_violation_rate),
            (
                "rectification_overdue_rate",
                self.rectification_overdue_rate,
            ),
            (
                "rectification_rejected_rate",
                self.rectification_rejected_rate,
            ),
        ]
    }

    /// The weight of an indicator by key; 0 for a key without a weight (the count indicators).
    pub fn weight(&self, key: &str) -> u32 {
        self.entries()
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0, |(_, w)| *w)
    }
}

impl RuleSet {
    /// Parses and validates a rule-set file's text.
    pub fn from_json(text: &str) -> Result<Self, DomainError> {
        let rules: RuleSet = serde_json::from_str(text)
            .map_err(|e| DomainError::validation("rule_set", e.to_string()))?;
        rules.validate()?;
        Ok(rules)
    }

    /// `hebei-2022`, the default.
    pub fn hebei_2022() -> Self {
        Self::builtin(HEBEI_2022_JSON)
    }

    /// `national-2016`.
    pub fn national_2016() -> Self {
        Self::builtin(NATIONAL_2016_JSON)
    }

    /// A built-in rule set by id.
    pub fn builtin_by_id(id: &str) -> Option<Self> {
        match id {
            "hebei-2022" => Some(Self::hebei_2022()),
            "national-2016" => Some(Self::national_2016()),
            _ => None,
        }
    }

    fn builtin(text: &str) -> Self {
        // The embedded files are checked by this crate's tests; a parse failure is a build defect, and the
        // defaults are the hebei-2022 values in any case.
        Self::from_json(text).unwrap_or_else(|_| RuleSet {
            id: "hebei-2022".to_owned(),
            version: 1,
            title: String::new(),
            source: String::new(),
            coverage: Coverage::Provisional,
            deadlines: DeadlineLengths::default(),
            options: RuleOptions::default(),
            sources: BTreeMap::new(),
            assessment: AssessmentWeights::default(),
            reminders: Reminders::default(),
        })
    }

    fn validate(&self) -> Result<(), DomainError> {
        DomainError::require_text("rule_set.id", &self.id, "must not be empty")?;
        if self.version == 0 {
            return Err(DomainError::validation(
                "rule_set.version",
                "versions start at 1",
            ));
        }
        let d = &self.deadlines;
        let lengths = [
            ("catalog_update", d.catalog_update),
            ("catalog_review", d.catalog_review),
            ("share_unconditional_provide", d.share_unconditional_provide),
            ("share_conditional_review", d.share_conditional_review),
            ("share_provider_reply", d.share_provider_reply),
            ("share_provide_after_reply", d.share_provide_after_reply),
            ("objection_coordination", d.objection_coordination),
            ("objection_provide", d.objection_provide),
            ("verification_forward", d.verification_forward),
            ("verification_answer", d.verification_answer),
            ("share_route_forward", d.share_route_forward),
            ("rectification", d.rectification),
        ];
        // A zero-day deadline would be due at the end of the day it starts; no article allows that.
        if let Some((key, _)) = lengths.iter().find(|(_, n)| *n == 0) {
            return Err(DomainError::validation(
                "rule_set.deadlines",
                format!("{key} must be at least 1"),
            ));
        }
        let h = &self.options.incident_report_hours;
        // An incident reporting window of zero hours could never be met (第三十四条).
        if [h.general, h.larger, h.major, h.especially_major].contains(&0) {
            return Err(DomainError::validation(
                "rule_set.options.incident_report_hours",
                "every window must be at least 1 hour",
            ));
        }
        let r = &self.reminders;
        // A lead of zero would remind at the due instant itself; omit the value for no reminders.
        if r.working_days_before == Some(0) {
            return Err(DomainError::validation(
                "rule_set.reminders.working_days_before",
                "must be at least 1 (omit it for no reminders)",
            ));
        }
        if let Some(rule) = r.deadlines.keys().find(|rule| !rule.counts_working_days()) {
            return Err(DomainError::validation(
                "rule_set.reminders.deadlines",
                format!(
                    "{} is not a working-day deadline and takes no reminder",
                    rule.key()
                ),
            ));
        }
        Ok(())
    }

    /// The lead in working days of the reminder before a deadline of `rule` falls due, if this rule set
    /// configures one ([`Reminders`]; none in the shipped rule sets).
    pub fn reminder_lead(&self, rule: DeadlineRule) -> Option<u32> {
        self.reminders.lead(rule)
    }

    /// The reference recorded in facts.
    pub fn reference(&self) -> RuleSetRef {
        RuleSetRef {
            id: self.id.clone(),
            version: self.version,
        }
    }

    /// The length of a named deadline, in working days. The hour-based incident rules
    /// ([`DeadlineRule::IncidentInformProvider`], [`DeadlineRule::IncidentReport`]) have no working-day length
    /// (0); their windows are [`RuleOptions::incident_report_hours`].
    pub fn days(&self, rule: DeadlineRule) -> u32 {
        let d = &self.deadlines;
        match rule {
            DeadlineRule::CatalogUpdate => d.catalog_update,
            DeadlineRule::CatalogUpdateExtension => d.catalog_update_extension,
            DeadlineRule::CatalogReview => d.catalog_review,
            DeadlineRule::ShareUnconditionalProvide => d.share_unconditional_provide,
            DeadlineRule::ShareConditionalReview => d.share_conditional_review,
            DeadlineRule::ShareProviderReply => d.share_provider_reply,
            DeadlineRule::ShareProvideAfterReply => d.share_provide_after_reply,
            DeadlineRule::ObjectionCoordination => d.objection_coordination,
            DeadlineRule::ObjectionProvide => d.objection_provide,
            DeadlineRule::VerificationForward => d.verification_forward,
            DeadlineRule::VerificationAnswer => d.verification_answer,
            DeadlineRule::VerificationExtensionMax => d.verification_extension_max,
            DeadlineRule::ShareRouteForward => d.share_route_forward,
            DeadlineRule::IncidentInformProvider | DeadlineRule::IncidentReport => 0,
            DeadlineRule::Rectification => d.rectification,
        }
    }
}

impl Default for RuleSet {
    fn default() -> Self {
        Self::hebei_2022()
    }
}
