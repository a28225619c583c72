//! The metadata of a catalog entry (第九条): the core metadata of the national compilation guide
//! (政务信息资源目录编制指南) plus Hebei's security level, usage scope and aggregation mode.

use serde::{Deserialize, Serialize};

use crate::actor::DepartmentCode;
use crate::error::DomainError;
use crate::text::is_blank;

/// 信息项: one data item of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataItem {
    /// 信息项名称, e.g. 公民身份号码.
    pub name: String,
    /// 数据类型, e.g. 字符型C, 日期型D.
    pub data_type: String,
}

/// 共享属性 (第十五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ShareAttribute {
    /// 无条件共享: available to every department.
    Unconditional,
    /// 有条件共享: available under the stated conditions.
    Conditional {
        /// 共享条件.
        conditions: String,
    },
    /// 不予共享: only once the entry is on the negative list (第十五条).
    NotShared,
}

/// 共享方式.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ShareMode {
    /// 接口.
    Interface,
    /// 库表.
    DatabaseTable,
    /// 文件.
    File,
}

/// 开放属性.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OpenAttribute {
    /// 无条件开放.
    Open,
    /// 有条件开放.
    ConditionallyOpen,
    /// 不予开放.
    NotOpen,
}

/// 更新频率 / 更新周期.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UpdateFrequency {
    /// 实时.
    RealTime,
    /// 每日.
    Daily,
    /// 每周.
    Weekly,
    /// 每月.
    Monthly,
    /// 每季度.
    Quarterly,
    /// 每半年.
    HalfYearly,
    /// 每年.
    Yearly,
    /// 不定期.
    Irregular,
}

/// 安全等级 (第九、三十四条: 分类分级), in the grades of the Data Security Law. State secrets are not a grade
/// of this catalog: they are refused (第二条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SecurityLevel {
    /// 一般数据.
    General,
    /// 重要数据.
    Important,
    /// 核心数据.
    Core,
}

/// 使用范围 (第九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UsageScope {
    /// 全省政务部门.
    AllDepartments,
    /// 本行政区域内政务部门.
    WithinRegion,
    /// Only the named departments.
    Departments {
        /// The departments.
        departments: Vec<DepartmentCode>,
    },
}

/// 归集方式 declared for an entry (第十七条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AggregationMode {
    /// 物理汇聚.
    Physical,
    /// 逻辑接入.
    Logical,
}

/// How an entry is actually aggregated to the provincial system, as registered (第十六、十七条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AggregationMethod {
    /// 物理汇聚: a full, real-time copy.
    Physical {
        /// 全量: the whole dataset is copied.
        full: bool,
        /// 实时: changes are copied as they happen.
        real_time: bool,
    },
    /// 逻辑接入: a service interface.
    Logical {
        /// The interface endpoint.
        endpoint: String,
    },
}

impl AggregationMethod {
    /// The mode of this method.
    pub fn mode(&self) -> AggregationMode {
        match self {
            AggregationMethod::Physical { .. } => AggregationMode::Physical,
            AggregationMethod::Logical { .. } => AggregationMode::Logical,
        }
    }
}

/// The metadata of a catalog entry (第九条). The provider and its code are the entry's provider department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogMetadata {
    /// 资源名称.
    pub name: String,
    /// 资源代码.
    pub code: String,
    /// 资源分类, e.g. 基础信息资源/人口信息.
    pub classification: String,
    /// The base or thematic category of 第十二条 (e.g. 人口, 社会保障), if any; must be configured.
    pub category: Option<String>,
    /// 资源摘要 (数据内容).
    pub summary: String,
    /// 资源格式, e.g. 数据库/Oracle.
    pub format: String,
    /// 信息项.
    pub items: Vec<DataItem>,
    /// 共享属性.
    pub share_attribute: ShareAttribute,
    /// 共享方式.
    pub share_mode: ShareMode,
    /// 开放属性.
    pub open_attribute: OpenAttribute,
    /// 更新频率.
    pub update_frequency: UpdateFrequency,
    /// 安全等级.
    pub security_level: SecurityLevel,
    /// 使用范围.
    pub usage_scope: UsageScope,
    /// 归集方式 as declared.
    pub aggregation_mode: AggregationMode,
    /// 关联资源代码.
    #[serde(default)]
    pub related_resources: Vec<String>,
    /// Whether the data involves state secrets; such data is refused (第二条).
    #[serde(default)]
    pub involves_state_secret: bool,
}

impl CatalogMetadata {
    /// Checks what the metadata alone can show: no state secrets (第二条), the required fields of 第九条, unique
    /// data items, stated conditions for conditional sharing.
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.involves_state_secret {
            return Err(DomainError::StateSecret);
        }
        for (field, value) in [
            ("name", &self.name),
            ("code", &self.code),
            ("classification", &self.classification),
            ("summary", &self.summary),
            ("format", &self.format),
        ] {
            if is_blank(value) {
                return Err(DomainError::validation(field, "required by 第九条"));
            }
        }
        if self.items.is_empty() {
            return Err(DomainError::validation(
                "items",
                "an entry lists its data items (第九条)",
            ));
        }
        let mut names: Vec<&str> = Vec::with_capacity(self.items.len());
        for item in &self.items {
            if is_blank(&item.name) || is_blank(&item.data_type) {
                return Err(DomainError::validation(
                    "items",
                    "every data item has a name and a type",
                ));
            }
            if names.contains(&item.name.as_str()) {
                return Err(DomainError::validation(
                    "items",
                    format!("data item {} is listed twice", item.name),
                ));
            }
            names.push(&item.name);
        }
        if let ShareAttribute::Conditional { conditions } = &self.share_attribute
            && is_blank(conditions)
        {
            return Err(DomainError::validation(
                "share_attribute",
                "conditional sharing states its conditions",
            ));
        }
        if let UsageScope::Departments { departments } = &self.usage_scope
            && departments.is_empty()
        {
            return Err(DomainError::validation(
                "usage_scope",
                "names at least one department",
            ));
        }
        Ok(())
    }
}
