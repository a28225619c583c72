//! Commands of a collection responsibility list.

use serde::{Deserialize, Serialize};

use crate::actor::{DepartmentCode, DepartmentRef};

/// One data item a department is responsible for collecting, traced to its catalog entry (第十三条).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CollectionItem {
    /// 信息项名称.
    pub data_item: String,
    /// The catalog entry it belongs to.
    pub entry_id: String,
    /// The entry's approved version the item was taken from.
    pub entry_version: u32,
}

/// A finding that a data item is already provided for sharing by another department (the engine looks it up
/// in the published catalog and passes it in; the decision and its record rely on it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedSource {
    /// The data item.
    pub data_item: String,
    /// The department that already provides it.
    pub provider: DepartmentCode,
    /// Its catalog entry.
    pub entry_id: String,
}

/// Why a department must collect a data item it could obtain by sharing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicationJustification {
    /// The data item.
    pub data_item: String,
    /// The justification (e.g. the legal duty to collect it first-hand).
    pub justification: String,
}

/// 分解形成采集责任清单: the authority derives a department's list from the catalog (第十三条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeriveCollectionList {
    /// The department the list belongs to.
    pub department: DepartmentRef,
    /// Its collection items.
    pub items: Vec<CollectionItem>,
    /// Items among them already provided for sharing by others.
    pub overlaps: Vec<SharedSource>,
    /// Justifications for collecting those.
    pub justifications: Vec<DuplicationJustification>,
}

/// 申请变更采集内容或范围 (第十四条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyCollectionChange {
    /// Items to add.
    pub add: Vec<CollectionItem>,
    /// Names of data items to stop collecting.
    pub remove: Vec<String>,
    /// Why.
    pub reason: String,
    /// Added items already provided for sharing by others.
    pub overlaps: Vec<SharedSource>,
    /// Justifications for collecting those.
    pub justifications: Vec<DuplicationJustification>,
}

/// 主管部门决定 (第十四条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecideCollectionChange {
    /// Whether the change is approved.
    pub approve: bool,
    /// Opinion (reasons when refused).
    pub opinion: String,
}

/// Every command of a collection list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CollectionListCommand {
    /// See [`DeriveCollectionList`].
    DeriveCollectionList(DeriveCollectionList),
    /// See [`ApplyCollectionChange`].
    ApplyCollectionChange(ApplyCollectionChange),
    /// See [`DecideCollectionChange`].
    DecideCollectionChange(DecideCollectionChange),
}
