//! The read models.

pub mod audit;
