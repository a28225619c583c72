//! Instants and their Beijing dates, checked.
//!
//! A command may carry any `DateTime<Utc>`, and `govshare_workdays::beijing_date` panics for an instant
//! whose Beijing local time is not representable (within eight hours of the largest one). The domain
//! converts through [`beijing_date`] instead, which refuses such an instant with a typed error, and also
//! refuses dates outside the years the working-day calendar counts (`govshare_workdays::SUPPORTED_YEARS`):
//! no deadline of the regulation can be counted from them (digest, "Counting working days").

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use govshare_workdays::{SUPPORTED_YEARS, beijing_offset};

use crate::error::DomainError;

/// The Beijing date of `at` (UTC+08:00), or [`DomainError::InstantOutOfRange`] naming `field`.
pub fn beijing_date(field: &'static str, at: DateTime<Utc>) -> Result<NaiveDate, DomainError> {
    match at.naive_utc().checked_add_offset(beijing_offset()) {
        Some(local) if SUPPORTED_YEARS.contains(&local.date().year()) => Ok(local.date()),
        _ => Err(DomainError::InstantOutOfRange { field, at }),
    }
}

/// Refuses an instant [`beijing_date`] refuses.
pub fn check_instant(field: &'static str, at: DateTime<Utc>) -> Result<(), DomainError> {
    beijing_date(field, at).map(|_| ())
}

/// `date`, or [`DomainError::DateOutOfRange`] when it lies outside the years the calendar counts.
pub fn check_date(field: &'static str, date: NaiveDate) -> Result<NaiveDate, DomainError> {
    if SUPPORTED_YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(DomainError::DateOutOfRange { field, date })
    }
}
