//! Fixtures copied from the domain crate's tests: the demo organisations, actors, services, and the
//! share-application commands.
#![allow(dead_code)]

pub mod common;
pub mod share;
