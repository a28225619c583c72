//! Commands of a published catalog.

use serde::{Deserialize, Serialize};

use crate::actor::DepartmentCode;

/// One entry of a published catalog version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedEntryRef {
    /// Catalog entry aggregate id.
    pub entry_id: String,
    /// 资源代码.
    pub code: String,
    /// 资源名称.
    pub name: String,
    /// 提供单位.
    pub provider: DepartmentCode,
    /// The entry's approved version included.
    pub version: u32,
}

/// 发布政务数据目录: publish the next numbered version of the level's catalog (第十条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishCatalogVersion {
    /// The version number, one more than the last (1 for the first).
    pub number: u32,
    /// The entries and their versions.
    pub entries: Vec<PublishedEntryRef>,
}

/// Every command of a published catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PublishedCatalogCommand {
    /// See [`PublishCatalogVersion`].
    PublishCatalogVersion(PublishCatalogVersion),
}
