//! The demo province, built from the embedded data files (copies of the project's shared demo data): the
//! regions with their official division codes, the departments with their Chinese names, and the catalog
//! entries with providers, categories (第十二条) and share attributes (第十五条).

use std::collections::BTreeMap;

use govshare_domain::catalog::UpdateFrequency;
use govshare_domain::{
    CategoryAssignment, CategoryAssignments, CategoryClass, DepartmentCode, DepartmentKind, Level,
    Role,
};
use serde::Deserialize;

use crate::error::DemoError;

const ORGS_JSON: &str = include_str!("../data/hebei-demo-orgs.json");
const CATALOG_JSON: &str = include_str!("../data/hebei-demo-catalog.json");

/// The regions the demo registers: the province, two cities and two counties of Shijiazhuang.
const DEMO_REGIONS: [&str; 5] = ["130000", "130100", "130600", "130102", "130123"];

/// Entries that city and county departments also compile for their own region (第十条: each level
/// compiles its catalog): (region, provincial entry, the local provider's registry suffix).
const LOCAL_COPIES: [(&str, &str, &str); 5] = [
    ("130100", "户籍人口基本信息", "public-security"),
    ("130100", "市场主体登记基本信息", "market-regulation"),
    ("130600", "就业失业登记信息", "human-resources"),
    ("130102", "最低生活保障对象信息", "civil-affairs"),
    ("130123", "食品经营许可信息", "market-regulation"),
];

#[derive(Debug, Deserialize)]
struct OrgsFile {
    regions: Vec<RegionRow>,
    provincial_departments: Vec<DepartmentRow>,
    city_and_county_departments_pattern: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RegionRow {
    code: String,
    name: String,
    level: Level,
    #[serde(default)]
    parent: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DepartmentRow {
    name: String,
    kind: DepartmentKind,
    #[serde(default)]
    base_data: Vec<String>,
    #[serde(default)]
    themes: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct CatalogFile {
    entries: Vec<EntryRow>,
}

#[derive(Debug, Clone, Deserialize)]
struct EntryRow {
    name: String,
    provider: String,
    category: String,
    class: String,
    share: String,
    items: Vec<String>,
    update: String,
    #[serde(default)]
    conditions: Option<String>,
    #[serde(default)]
    not_shared_basis: Option<String>,
}

/// A region of the demo.
#[derive(Debug, Clone)]
pub(crate) struct Region {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent: Option<String>,
}

/// A department of the demo, with the registry code the demo gives it (`{division}-{suffix}`).
#[derive(Debug, Clone)]
pub(crate) struct Dept {
    pub code: String,
    pub name: String,
    pub kind: DepartmentKind,
    pub region: String,
    /// Two-letter abbreviation used in resource codes (资源代码), e.g. `GA` 公安.
    pub abbr: &'static str,
    /// Position in registration order (names its staff).
    pub index: usize,
}

/// A catalog entry's share attribute as the data states it (第十五条).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Share {
    Unconditional,
    Conditional(String),
    /// 不予共享, with the reason the data gives; listed through the negative list before publication.
    NotShared(String),
}

/// A catalog entry the demo publishes.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Aggregate id, e.g. `catalog-130000-public-security-0001`.
    pub id: String,
    /// 资源代码, e.g. `130000-GA-00001`.
    pub code: String,
    pub name: String,
    pub provider: String,
    pub category: String,
    pub base: bool,
    pub share: Share,
    pub items: Vec<String>,
    pub update: UpdateFrequency,
    pub region: String,
}

/// The whole demo province.
#[derive(Debug, Clone)]
pub(crate) struct World {
    pub regions: Vec<Region>,
    pub depts: Vec<Dept>,
    pub entries: Vec<Entry>,
    /// 第十二条: category → departments that compile it (from the data's base_data / themes).
    pub categories: BTreeMap<String, (bool, Vec<String>)>,
}

/// Registry suffix, resource-code abbreviation and, for city and county bodies, kind, by a keyword of the
/// department's name.
const SUFFIXES: [(&str, &str, &str, DepartmentKind); 16] = [
    ("人民政府", "government", "ZF", DepartmentKind::Government),
    (
        "政务服务管理办公室",
        "data-authority",
        "ZW",
        DepartmentKind::DataAuthority,
    ),
    (
        "网络安全和信息化",
        "cyberspace",
        "WX",
        DepartmentKind::CyberspaceAdministration,
    ),
    (
        "公安",
        "public-security",
        "GA",
        DepartmentKind::PublicSecurity,
    ),
    ("保密", "secrecy", "BM", DepartmentKind::SecrecyBureau),
    (
        "市场监督管理",
        "market-regulation",
        "SC",
        DepartmentKind::Department,
    ),
    (
        "自然资源",
        "natural-resources",
        "ZR",
        DepartmentKind::Department,
    ),
    ("统计", "statistics", "TJ", DepartmentKind::Department),
    (
        "发展和改革",
        "development-reform",
        "FG",
        DepartmentKind::Department,
    ),
    (
        "人力资源和社会保障",
        "human-resources",
        "RS",
        DepartmentKind::Department,
    ),
    (
        "生态环境",
        "ecology-environment",
        "ST",
        DepartmentKind::Department,
    ),
    ("卫生健康", "health", "WJ", DepartmentKind::Department),
    (
        "应急管理",
        "emergency-management",
        "YJ",
        DepartmentKind::Department,
    ),
    (
        "住房和城乡建设",
        "housing-construction",
        "ZJ",
        DepartmentKind::Department,
    ),
    ("民政", "civil-affairs", "MZ", DepartmentKind::Department),
    (
        "药品监督",
        "drug-administration",
        "YP",
        DepartmentKind::Department,
    ),
];

fn suffix_of(name: &str) -> Result<(&'static str, &'static str, DepartmentKind), DemoError> {
    SUFFIXES
        .iter()
        .find(|(keyword, ..)| name.contains(keyword))
        .map(|&(_, suffix, abbr, kind)| (suffix, abbr, kind))
        .ok_or_else(|| DemoError::Data(format!("{name}: 无法确定部门代码")))
}

fn frequency(update: &str) -> Result<UpdateFrequency, DemoError> {
    Ok(match update {
        // 小时级 data is delivered continuously: the closest frequency of the compilation guide is 实时.
        "real_time" | "hourly" => UpdateFrequency::RealTime,
        "daily" => UpdateFrequency::Daily,
        "weekly" => UpdateFrequency::Weekly,
        "monthly" => UpdateFrequency::Monthly,
        "quarterly" => UpdateFrequency::Quarterly,
        "half_yearly" => UpdateFrequency::HalfYearly,
        "yearly" => UpdateFrequency::Yearly,
        "irregular" => UpdateFrequency::Irregular,
        other => return Err(DemoError::Data(format!("更新频率 {other} 未知"))),
    })
}

fn share(row: &EntryRow) -> Result<Share, DemoError> {
    match (row.share.as_str(), &row.conditions, &row.not_shared_basis) {
        ("unconditional", ..) => Ok(Share::Unconditional),
        ("conditional", Some(c), _) => Ok(Share::Conditional(c.clone())),
        ("not_shared", _, Some(b)) => Ok(Share::NotShared(b.clone())),
        (other, ..) => Err(DemoError::Data(format!(
            "{}: 共享属性 {other} 不完整",
            row.name
        ))),
    }
}

impl World {
    /// Parses the embedded data and builds the demo province.
    pub(crate) fn load() -> Result<World, DemoError> {
        let orgs: OrgsFile = serde_json::from_str(ORGS_JSON)
            .map_err(|e| DemoError::Data(format!("hebei-demo-orgs.json: {e}")))?;
        let catalog: CatalogFile = serde_json::from_str(CATALOG_JSON)
            .map_err(|e| DemoError::Data(format!("hebei-demo-catalog.json: {e}")))?;

        // Parents come before children in the data; keep that order for registration.
        let regions: Vec<Region> = orgs
            .regions
            .iter()
            .filter(|r| DEMO_REGIONS.contains(&r.code.as_str()))
            .map(|r| Region {
                code: r.code.clone(),
                name: r.name.clone(),
                level: r.level,
                parent: r.parent.clone(),
            })
            .collect();
        let province = regions
            .iter()
            .find(|r| r.level == Level::Province)
            .ok_or_else(|| DemoError::Data("没有省级行政区".into()))?
            .clone();

        let mut depts = Vec::new();
        let mut categories: BTreeMap<String, (bool, Vec<String>)> = BTreeMap::new();
        for row in &orgs.provincial_departments {
            let (suffix, abbr, _) = suffix_of(&row.name)?;
            let code = format!("{}-{suffix}", province.code);
            for (list, base) in [(&row.base_data, true), (&row.themes, false)] {
                for category in list {
                    categories
                        .entry(category.clone())
                        .or_insert_with(|| (base, Vec::new()))
                        .1
                        .push(code.clone());
                }
            }
            depts.push(Dept {
                code,
                name: row.name.clone(),
                kind: row.kind,
                region: province.code.clone(),
                abbr,
                index: depts.len(),
            });
        }
        for region in regions.iter().filter(|r| r.level != Level::Province) {
            let mut names: Vec<String> = orgs
                .city_and_county_departments_pattern
                .iter()
                .map(|p| {
                    let name = p.replace("{region}", &region.name);
                    // The pattern annotates the authority in parentheses; the name ends before them.
                    name.split(" (").next().unwrap_or(&name).trim().to_owned()
                })
                .collect();
            // 第三十三、三十四条: every level has a cyberspace office to report incidents to.
            names.push(format!("中共{}委网络安全和信息化委员会办公室", region.name));
            for name in names {
                let (suffix, abbr, kind) = suffix_of(&name)?;
                depts.push(Dept {
                    code: format!("{}-{suffix}", region.code),
                    name,
                    kind,
                    region: region.code.clone(),
                    abbr,
                    index: depts.len(),
                });
            }
        }

        let mut world = World {
            regions,
            depts,
            entries: Vec::new(),
            categories,
        };
        let mut counters: BTreeMap<String, u32> = BTreeMap::new();
        for row in &catalog.entries {
            let provider = world
                .depts
                .iter()
                .find(|d| d.name == row.provider)
                .ok_or_else(|| {
                    DemoError::Data(format!("{}: 提供单位 {} 未登记", row.name, row.provider))
                })?
                .clone();
            world.push_entry(&mut counters, row, &provider, row.name.clone())?;
        }
        for (region, source, suffix) in LOCAL_COPIES {
            let row = catalog
                .entries
                .iter()
                .find(|e| e.name == source)
                .ok_or_else(|| DemoError::Data(format!("目录 {source} 不在演示数据中")))?
                .clone();
            let provider = world.dept(&format!("{region}-{suffix}"))?.clone();
            let region_name = world.region(region)?.name.clone();
            world.push_entry(
                &mut counters,
                &row,
                &provider,
                format!("{}（{region_name}）", row.name),
            )?;
        }
        Ok(world)
    }

    fn push_entry(
        &mut self,
        counters: &mut BTreeMap<String, u32>,
        row: &EntryRow,
        provider: &Dept,
        name: String,
    ) -> Result<(), DemoError> {
        let n = counters.entry(provider.code.clone()).or_insert(0);
        *n += 1;
        let base = match row.class.as_str() {
            "base" => true,
            "thematic" => false,
            other => return Err(DemoError::Data(format!("{}: 类别 {other} 未知", row.name))),
        };
        self.entries.push(Entry {
            id: format!("catalog-{}-{:04}", provider.code, n),
            code: format!("{}-{}-{:05}", provider.region, provider.abbr, n),
            name,
            provider: provider.code.clone(),
            category: row.category.clone(),
            base,
            share: share(row)?,
            items: row.items.clone(),
            update: frequency(&row.update)?,
            region: provider.region.clone(),
        });
        Ok(())
    }

    /// The province (the first region; `load` makes sure there is one).
    pub(crate) fn province(&self) -> &Region {
        &self.regions[0]
    }

    pub(crate) fn dept(&self, code: &str) -> Result<&Dept, DemoError> {
        self.depts
            .iter()
            .find(|d| d.code == code)
            .ok_or_else(|| DemoError::Data(format!("部门 {code} 不在演示数据中")))
    }

    pub(crate) fn region(&self, code: &str) -> Result<&Region, DemoError> {
        self.regions
            .iter()
            .find(|r| r.code == code)
            .ok_or_else(|| DemoError::Data(format!("行政区划 {code} 不在演示数据中")))
    }

    /// The entry of `provider` named `name`.
    pub(crate) fn entry(&self, provider: &str, name: &str) -> Result<&Entry, DemoError> {
        self.entries
            .iter()
            .find(|e| e.provider == provider && e.name.starts_with(name))
            .ok_or_else(|| DemoError::Data(format!("{provider} 没有目录 {name}")))
    }

    /// The data authority (政务数据主管部门) of a region.
    pub(crate) fn authority_of(&self, region: &str) -> String {
        format!("{region}-data-authority")
    }

    /// 第十二条 as configuration: each category of the data, its class, and the departments that compile it
    /// (the provincial ones the data names, and the city and county departments compiling local copies).
    pub(crate) fn category_assignments(&self) -> CategoryAssignments {
        let mut categories = BTreeMap::new();
        for (name, (base, departments)) in &self.categories {
            let mut departments: Vec<String> = departments.clone();
            for entry in self.entries.iter().filter(|e| &e.category == name) {
                if !departments.contains(&entry.provider) {
                    departments.push(entry.provider.clone());
                }
            }
            let departments = departments
                .iter()
                .filter_map(|d| DepartmentCode::parse(d).ok())
                .collect();
            let class = if *base {
                CategoryClass::Base
            } else {
                CategoryClass::Thematic
            };
            categories.insert(name.clone(), CategoryAssignment { class, departments });
        }
        CategoryAssignments { categories }
    }

    /// The staff member acting for `dept` in `role`: the same person every time, a plausible name.
    pub(crate) fn person(&self, dept: &str, role: Role) -> String {
        const SURNAMES: [&str; 24] = [
            "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱",
            "高", "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "韩",
        ];
        const GIVEN: [&str; 26] = [
            "伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
            "明", "超", "秀英", "霞", "平", "刚", "志强", "建华", "海燕", "晓东", "立新", "红梅",
        ];
        if role == Role::Scheduler {
            return "共享平台期限监测程序".to_owned();
        }
        let i = self.depts.iter().position(|d| d.code == dept).unwrap_or(0);
        let r = match role {
            Role::Clerk => 0,
            Role::Reviewer => 1,
            _ => 2,
        };
        let surname = SURNAMES[(i * 5 + r * 7) % SURNAMES.len()];
        let given = GIVEN[(i * 3 + r * 11) % GIVEN.len()];
        format!("{surname}{given}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_data_builds_the_province() {
        let world = World::load().unwrap();
        assert_eq!(world.regions.len(), 5);
        assert_eq!(world.regions[0].name, "河北省");
        assert!(
            world
                .depts
                .iter()
                .any(|d| d.code == "130000-public-security" && d.name == "河北省公安厅")
        );
        assert!(
            world
                .depts
                .iter()
                .any(|d| d.code == "130102-data-authority" && d.name == "长安区政务服务管理办公室")
        );
        assert!(world.depts.iter().any(|d| d.code == "130600-cyberspace"));
        // One data authority and one government per region (第五条).
        for region in &world.regions {
            for kind in [DepartmentKind::DataAuthority, DepartmentKind::Government] {
                let n = world
                    .depts
                    .iter()
                    .filter(|d| d.region == region.code && d.kind == kind)
                    .count();
                assert_eq!(n, 1, "{} {kind:?}", region.name);
            }
        }
        let codes: std::collections::BTreeSet<_> = world.depts.iter().map(|d| &d.code).collect();
        assert_eq!(
            codes.len(),
            world.depts.len(),
            "department codes are unique"
        );
        let ids: std::collections::BTreeSet<_> = world.entries.iter().map(|e| &e.id).collect();
        assert_eq!(ids.len(), world.entries.len(), "entry ids are unique");
        assert!(
            world
                .entries
                .iter()
                .any(|e| matches!(e.share, Share::NotShared(_)))
        );
        assert!(
            world
                .entries
                .iter()
                .any(|e| e.name == "户籍人口基本信息（石家庄市）"
                    && e.provider == "130100-public-security")
        );
    }

    #[test]
    fn category_assignments_cover_every_entry() {
        let world = World::load().unwrap();
        let assignments = world.category_assignments();
        assert_eq!(assignments.get("人口").unwrap().class, CategoryClass::Base);
        assert_eq!(
            assignments.get("社会保障").unwrap().class,
            CategoryClass::Thematic
        );
        for entry in &world.entries {
            let a = assignments.get(&entry.category).unwrap();
            assert!(
                a.departments.iter().any(|d| d.as_str() == entry.provider),
                "{}",
                entry.name
            );
        }
    }

    #[test]
    fn staff_names_are_stable() {
        let world = World::load().unwrap();
        let a = world.person("130000-health", Role::Clerk);
        assert_eq!(a, world.person("130000-health", Role::Clerk));
        assert_ne!(a, world.person("130000-health", Role::Leader));
    }
}
