//! The one error type of every aggregate's decisions.

use chrono::{DateTime, NaiveDate, Utc};
use govshare_workdays::CalendarError;
use thiserror::Error;

use crate::deadline_id::DeadlineId;
use crate::forbidden::Forbidden;
use crate::text::is_blank;

/// Why a command was refused. Nothing is recorded when a command is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// The actor may not do this (see `docs/authorization.md`).
    #[error("{0}")]
    Forbidden(#[from] Forbidden),
    /// The command does not fit the aggregate's current state.
    #[error("cannot {action} while {state}")]
    InvalidState {
        /// What was attempted.
        action: &'static str,
        /// The state it was attempted in.
        state: String,
    },
    /// A field of the command is not acceptable.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The offending field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// State-secret data is outside this regulation (第二条): it follows the secrecy laws, not the catalog.
    #[error(
        "data involving state secrets is governed by the secrecy laws, not this catalog (第二条)"
    )]
    StateSecret,
    /// `MarkOverdue` before the deadline's last on-time instant.
    #[error("deadline {deadline} is not yet due (due at {due_at})")]
    NotYetDue {
        /// The deadline.
        deadline: DeadlineId,
        /// Its last on-time instant.
        due_at: DateTime<Utc>,
    },
    /// The aggregate has no deadline with this id.
    #[error("no deadline {0}")]
    UnknownDeadline(DeadlineId),
    /// An extension was asked for after the deadline it would extend (第十一条: asked before the deadline).
    #[error("extension of {deadline} asked after its due instant {due_at}")]
    ExtensionTooLate {
        /// The deadline.
        deadline: DeadlineId,
        /// Its last on-time instant.
        due_at: DateTime<Utc>,
    },
    /// `MarkOverdue` on a deadline whose extension was asked for in time and awaits the authority's decision
    /// (第十一、二十条): not now — the deadline stays open until the decision, after which the scheduler
    /// retries ([`DomainError::is_retryable`]).
    #[error("deadline {deadline} awaits the decision on an extension asked for in time")]
    ExtensionPending {
        /// The deadline.
        deadline: DeadlineId,
    },
    /// `RemindDeadline` for a deadline whose rule the rule set configures no reminder for (the shipped rule
    /// sets configure none: the regulation prescribes no reminder).
    #[error("the rule set configures no reminder for deadline {deadline}")]
    NoReminderConfigured {
        /// The deadline.
        deadline: DeadlineId,
    },
    /// `RemindDeadline` before the deadline's reminder point: not now, retried by the scheduler
    /// ([`DomainError::is_retryable`]).
    #[error("deadline {deadline} is not yet to be reminded of (from {remind_from})")]
    NotYetRemindable {
        /// The deadline.
        deadline: DeadlineId,
        /// The reminder point: the end of the working day after which the configured lead remains.
        remind_from: DateTime<Utc>,
    },
    /// `RemindDeadline` for a deadline already reminded of: one reminder per deadline.
    #[error("deadline {deadline} was already reminded of at {at}")]
    AlreadyReminded {
        /// The deadline.
        deadline: DeadlineId,
        /// When the reminder was recorded.
        at: DateTime<Utc>,
    },
    /// The rule set allows no further extension.
    #[error("deadline {deadline} was already extended the permitted {allowed} time(s)")]
    ExtensionLimitReached {
        /// The deadline.
        deadline: DeadlineId,
        /// How many extensions the rule set allows.
        allowed: u32,
    },
    /// Collecting data items that another department already provides for sharing, without a recorded
    /// justification (第十三条: 不得重复采集、多头采集).
    #[error("duplicate collection of {items:?} without a recorded justification (第十三条)")]
    DuplicateCollection {
        /// The unjustified data items.
        items: Vec<String>,
    },
    /// A use already recorded under this id (第二十二条): each use of shared data is one record.
    #[error("use {use_id} is already recorded (第二十二条)")]
    DuplicateUse {
        /// The use's id.
        use_id: String,
    },
    /// The working-day calendar could not compute a deadline (strict coverage or out of range).
    #[error("calendar: {0}")]
    Calendar(#[from] CalendarError),
    /// An instant whose Beijing date cannot be computed, or falls outside the years the working-day calendar
    /// counts (`govshare_workdays::SUPPORTED_YEARS`): no deadline of the regulation can be counted from it.
    #[error("{field}: the Beijing date of {at} is outside the years the calendar counts")]
    InstantOutOfRange {
        /// The command field (`at` for the envelope's instant).
        field: &'static str,
        /// The instant.
        at: DateTime<Utc>,
    },
    /// A date outside the years the working-day calendar counts.
    #[error("{field}: {date} is outside the years the calendar counts")]
    DateOutOfRange {
        /// The command field.
        field: &'static str,
        /// The date.
        date: NaiveDate,
    },
    /// The command is dated before the latest fact already recorded on the aggregate: a step cannot be
    /// recorded as happening before an earlier one (a provision dated before its submission would count as
    /// on time, 第十九、四十一条).
    #[error("dated {at}, before the latest recorded fact at {latest}")]
    Backdated {
        /// The command's instant.
        at: DateTime<Utc>,
        /// The instant of the latest recorded fact.
        latest: DateTime<Utc>,
    },
}

impl DomainError {
    /// A [`DomainError::Validation`].
    pub fn validation(field: &'static str, reason: impl Into<String>) -> Self {
        DomainError::Validation {
            field,
            reason: reason.into(),
        }
    }

    /// Refuses a blank text field with a [`DomainError::Validation`]: empty, or only white space and
    /// invisible format characters such as U+200B or U+FEFF ([`crate::text::is_blank`]). Reasons, opinions,
    /// purposes, findings and legal bases are facts of the record and must say something.
    pub fn require_text(
        field: &'static str,
        value: &str,
        reason: impl Into<String>,
    ) -> Result<(), Self> {
        if is_blank(value) {
            return Err(Self::validation(field, reason));
        }
        Ok(())
    }

    /// A [`DomainError::InvalidState`].
    pub fn invalid_state(action: &'static str, state: impl Into<String>) -> Self {
        DomainError::InvalidState {
            action,
            state: state.into(),
        }
    }

    /// Whether the same command may succeed later without anyone changing the record: "not now", as opposed
    /// to "never". A scheduler retries these ([`DomainError::NotYetDue`] before the due instant,
    /// [`DomainError::ExtensionPending`] until the extension is decided, [`DomainError::NotYetRemindable`]
    /// before the reminder point) and gives up on every other refusal.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            DomainError::NotYetDue { .. }
                | DomainError::ExtensionPending { .. }
                | DomainError::NotYetRemindable { .. }
        )
    }

    /// The article of the regulation the refusal rests on, where it is known: "第二条" for state secrets,
    /// the article setting the deadline for extension refusals (第十一条 for a catalog update, 第二十条 for a
    /// verification answer; the deadline's article for reminder refusals too), "第四十一条" for a miss marked
    /// too early, and for validation and state refusals
    /// the first article their reason cites. `None` for authorization refusals (see their `Rule`), calendar
    /// and instant refusals.
    pub fn article(&self) -> Option<&'static str> {
        match self {
            DomainError::StateSecret => Some("第二条"),
            DomainError::DuplicateCollection { .. } => Some("第十三条"),
            DomainError::DuplicateUse { .. } => Some("第二十二条"),
            DomainError::NotYetDue { .. } => Some("第四十一条"),
            DomainError::ExtensionTooLate { deadline, .. }
            | DomainError::ExtensionLimitReached { deadline, .. }
            | DomainError::ExtensionPending { deadline }
            | DomainError::NoReminderConfigured { deadline }
            | DomainError::NotYetRemindable { deadline, .. }
            | DomainError::AlreadyReminded { deadline, .. } => deadline.article(),
            DomainError::Validation { reason, .. } => first_article(reason),
            DomainError::InvalidState { state, .. } => first_article(state),
            DomainError::Forbidden(_)
            | DomainError::UnknownDeadline(_)
            | DomainError::Calendar(_)
            | DomainError::InstantOutOfRange { .. }
            | DomainError::DateOutOfRange { .. }
            | DomainError::Backdated { .. } => None,
        }
    }
}

/// The articles of the regulation (第一条 … 第五十条), so that a cited article is returned as a `'static` text.
const ARTICLES: [&str; 50] = [
    "第一条",
    "第二条",
    "第三条",
    "第四条",
    "第五条",
    "第六条",
    "第七条",
    "第八条",
    "第九条",
    "第十条",
    "第十一条",
    "第十二条",
    "第十三条",
    "第十四条",
    "第十五条",
    "第十六条",
    "第十七条",
    "第十八条",
    "第十九条",
    "第二十条",
    "第二十一条",
    "第二十二条",
    "第二十三条",
    "第二十四条",
    "第二十五条",
    "第二十六条",
    "第二十七条",
    "第二十八条",
    "第二十九条",
    "第三十条",
    "第三十一条",
    "第三十二条",
    "第三十三条",
    "第三十四条",
    "第三十五条",
    "第三十六条",
    "第三十七条",
    "第三十八条",
    "第三十九条",
    "第四十条",
    "第四十一条",
    "第四十二条",
    "第四十三条",
    "第四十四条",
    "第四十五条",
    "第四十六条",
    "第四十七条",
    "第四十八条",
    "第四十九条",
    "第五十条",
];

/// The first single article `text` cites ("第十九条"), skipping joint citations ("第十九、二十一条").
fn first_article(text: &str) -> Option<&'static str> {
    const NUMERALS: &str = "一二三四五六七八九十";
    let mut rest = text;
    while let Some(start) = rest.find('第') {
        let after = &rest[start + '第'.len_utf8()..];
        let digits = after
            .char_indices()
            .find(|(_, c)| !NUMERALS.contains(*c))
            .map_or(after.len(), |(i, _)| i);
        if digits > 0 && after[digits..].starts_with('条') {
            let cited = &rest[start..start + '第'.len_utf8() + digits + '条'.len_utf8()];
            if let Some(article) = ARTICLES.iter().find(|a| **a == cited) {
                return Some(article);
            }
        }
        rest = after;
    }
    None
}
