//! The one error type of every aggregate's decisions.

use chrono::{DateTime, NaiveDate, Utc};
use govshare_workdays::CalendarError;
use thiserror::Error;

use crate::authorization::Forbidden;
use crate::deadline::DeadlineId;

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

    /// Refuses a blank text field (empty or only whitespace) with a [`DomainError::Validation`]: reasons,
    /// findings and legal bases are facts of the record and must say something.
    pub fn require_text(
        field: &'static str,
        value: &str,
        reason: impl Into<String>,
    ) -> Result<(), Self> {
        if value.trim().is_empty() {
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
}
