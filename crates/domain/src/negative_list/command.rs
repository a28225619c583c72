//! Commands of a negative-list application.

use serde::{Deserialize, Serialize};

use crate::actor::DepartmentRef;

/// The kind of instrument a 不予共享 basis cites. 第十五条 accepts only laws and administrative regulations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BasisKind {
    /// 法律.
    Law,
    /// 行政法规.
    AdministrativeRegulation,
    /// 地方性法规: not sufficient.
    LocalRegulation,
    /// 规章 or a normative document: not sufficient.
    RuleOrNormativeDocument,
}

/// The legal basis of a 不予共享 application (第十五条(三)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalBasis {
    /// Kind of instrument.
    pub kind: BasisKind,
    /// Title, e.g. 中华人民共和国统计法.
    pub instrument: String,
    /// The article relied on, e.g. 第三十九条.
    pub article: String,
}

/// The catalog entry concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedEntry {
    /// Catalog entry aggregate id.
    pub entry_id: String,
    /// 资源代码.
    pub code: String,
    /// 资源名称.
    pub name: String,
}

/// 申请列入负面清单 (第十五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyForNegativeListing {
    /// The entry.
    pub entry: ListedEntry,
    /// The basis in law or administrative regulation.
    pub legal_basis: LegalBasis,
    /// Why the data cannot be shared.
    pub reason: String,
}

/// 申请移出负面清单 (第十五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyForDelisting {
    /// Why the data can now be shared.
    pub reason: String,
}

/// 主管部门审核 (第十五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewNegativeListing {
    /// Whether the authority endorses the application for the government's approval.
    pub endorse: bool,
    /// The authority's opinion (reasons when it does not endorse).
    pub opinion: String,
}

/// 本级人民政府批准 (第十五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecideNegativeListing {
    /// Whether the government approves.
    pub approve: bool,
    /// The government's opinion.
    pub opinion: String,
}

/// The upper-level authority a negative list is filed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpperAuthority {
    /// The registered data authority one level up (for city and county lists).
    Registered(DepartmentRef),
    /// The national authority (for the provincial list), outside the registry.
    National {
        /// Its name.
        name: String,
    },
}

/// 报上一级政务数据主管部门备案 (第十五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileNegativeListing {
    /// Where it is filed.
    pub upper_authority: UpperAuthority,
}

/// Every command of a negative-list application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NegativeListCommand {
    /// See [`ApplyForNegativeListing`].
    ApplyForNegativeListing(ApplyForNegativeListing),
    /// See [`ReviewNegativeListing`].
    ReviewNegativeListing(ReviewNegativeListing),
    /// See [`DecideNegativeListing`].
    DecideNegativeListing(DecideNegativeListing),
    /// See [`FileNegativeListing`].
    FileNegativeListing(FileNegativeListing),
    /// See [`ApplyForDelisting`].
    ApplyForDelisting(ApplyForDelisting),
}
