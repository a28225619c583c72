//! Seeding the demo province: the registry (第四、五、六条), the catalog (第九至十二条) with its aggregation
//! (第十六至十八条), the negative list (第十五条), collection lists (第十三条) and the first published
//! catalogs (第十条).

use chrono::Duration;
use govshare_domain::catalog::{
    AggregationMethod, AggregationMode, ApproveCatalogEntry, CatalogCommand, CatalogMetadata,
    DataItem, DraftCatalogEntry, OpenAttribute, RecordNegativeListing, RegisterAggregation,
    SecurityLevel, ShareAttribute, ShareMode, SubmitCatalogEntry, UpdateFrequency, UsageScope,
};
use govshare_domain::collection_list::{
    CollectionItem, CollectionListCommand, DeriveCollectionList, DuplicationJustification,
};
use govshare_domain::negative_list::{
    ApplyForNegativeListing, BasisKind, DecideNegativeListing, FileNegativeListing, LegalBasis,
    ListedEntry, NegativeListCommand, ReviewNegativeListing, UpperAuthority,
};
use govshare_domain::organization::{
    DesignateResponsibleOffice, OrganizationCommand, RegisterDepartment, RegisterRegion,
    ResponsibleOffice,
};
use govshare_domain::published_catalog::{
    PublishCatalogVersion, PublishedCatalogCommand, PublishedEntryRef,
};
use govshare_domain::{DepartmentCode, DepartmentKind, Level, PersonId, RegionCode, Role};
use govshare_engine::{Command, named_department};

use crate::data::{Entry, Share};
use crate::error::DemoError;
use crate::runner::Runner;
use crate::time::at_time;

/// The national body a provincial negative list is filed with (第十五条: 报上一级政务数据主管部门备案).
const NATIONAL_AUTHORITY: &str = "国务院办公厅电子政务办公室";

pub(crate) fn region_code(code: &str) -> Result<RegionCode, DemoError> {
    RegionCode::parse(code).map_err(|e| DemoError::Data(format!("行政区划代码 {code}: {e}")))
}

pub(crate) fn dept_code(code: &str) -> Result<DepartmentCode, DemoError> {
    DepartmentCode::parse(code).map_err(|e| DemoError::Data(format!("部门代码 {code}: {e}")))
}

/// A field the engine resolves from the registry: only the code matters.
pub(crate) fn named(code: &str) -> Result<govshare_domain::DepartmentRef, DemoError> {
    Ok(named_department(dept_code(code)?))
}

fn data_type(item: &str) -> &'static str {
    const NUMERIC: [&str; 9] = [
        "面积",
        "总值",
        "增速",
        "企业数",
        "营业收入",
        "PM2.5",
        "PM10",
        "AQI",
        "数量",
    ];
    if item.contains("日期") || item.contains("有效期至") {
        "日期型D"
    } else if NUMERIC.iter().any(|n| item.contains(n)) {
        "数值型N"
    } else {
        "字符型C"
    }
}

fn frequency_label(f: UpdateFrequency) -> &'static str {
    match f {
        UpdateFrequency::RealTime => "实时",
        UpdateFrequency::Daily => "每日",
        UpdateFrequency::Weekly => "每周",
        UpdateFrequency::Monthly => "每月",
        UpdateFrequency::Quarterly => "每季度",
        UpdateFrequency::HalfYearly => "每半年",
        UpdateFrequency::Yearly => "每年",
        UpdateFrequency::Irregular => "不定期",
    }
}

impl Runner<'_> {
    /// The category to record on an entry (第十二条): the data's category when the engine's configuration
    /// assigns it to the provider; none when the deployment has no such assignment (the classification still
    /// says base or thematic).
    fn category_for(&self, entry: &Entry) -> Option<String> {
        let assignment = self.engine.services().categories.get(&entry.category)?;
        assignment
            .departments
            .iter()
            .any(|d| d.as_str() == entry.provider)
            .then(|| entry.category.clone())
    }

    pub(crate) fn metadata(
        &self,
        entry: &Entry,
        share: ShareAttribute,
    ) -> Result<CatalogMetadata, DemoError> {
        let provider = self.world.dept(&entry.provider)?;
        let restricted = !matches!(share, ShareAttribute::Unconditional);
        Ok(CatalogMetadata {
            name: entry.name.clone(),
            code: entry.code.clone(),
            classification: format!(
                "{}/{}",
                if entry.base {
                    "基础信息资源"
                } else {
                    "主题信息资源"
                },
                entry.category
            ),
            category: self.category_for(entry),
            summary: format!(
                "{}依法履职采集、产生的{}，{}更新",
                provider.name,
                entry.name,
                frequency_label(entry.update)
            ),
            format: "数据库".into(),
            items: entry
                .items
                .iter()
                .map(|name| DataItem {
                    name: name.clone(),
                    data_type: data_type(name).into(),
                })
                .collect(),
            share_mode: if restricted || entry.update == UpdateFrequency::RealTime {
                ShareMode::Interface
            } else {
                ShareMode::DatabaseTable
            },
            share_attribute: share,
            open_attribute: if restricted {
                OpenAttribute::NotOpen
            } else {
                OpenAttribute::ConditionallyOpen
            },
            update_frequency: entry.update,
            security_level: if restricted {
                SecurityLevel::Important
            } else {
                SecurityLevel::General
            },
            usage_scope: UsageScope::AllDepartments,
            // 第十八条: base data is aggregated physically; thematic data here through an interface.
            aggregation_mode: if entry.base {
                AggregationMode::Physical
            } else {
                AggregationMode::Logical
            },
            related_resources: Vec::new(),
            involves_state_secret: false,
        })
    }

    /// Seeds the whole province, from the clock's start over about two weeks of working days.
    pub(crate) async fn seed(&mut self) -> Result<(), DemoError> {
        self.register_organizations().await?;
        self.next_day(9, 0)?;
        self.designate_offices().await?;
        self.next_day(9, 0)?;
        self.compile_catalog().await?;
        self.next_day(9, 30)?;
        self.approve_catalog().await?;
        self.next_day(9, 0)?;
        self.negative_list().await?;
        self.next_day(10, 0)?;
        self.register_aggregation().await?;
        self.next_day(9, 30)?;
        self.collection_lists().await?;
        self.next_day(10, 0)?;
        self.publish_catalogs(1).await?;
        Ok(())
    }

    /// Moves the clock to `hour:minute` of the next working day.
    pub(crate) fn next_day(&mut self, hour: u32, minute: u32) -> Result<(), DemoError> {
        let date = self.workdays().after(self.today(), 1)?;
        self.move_to(at_time(date, hour, minute)?);
        Ok(())
    }

    async fn register_organizations(&mut self) -> Result<(), DemoError> {
        let province = self.world.province().clone();
        let authority = self.world.authority_of(&province.code);
        let authority_dept = self.world.dept(&authority)?.clone();
        self.engine
            .bootstrap(
                self.engine.ids().next_id(),
                PersonId(self.world.person(&authority, Role::Leader)),
                RegisterRegion {
                    code: region_code(&province.code)?,
                    name: province.name.clone(),
                    level: Level::Province,
                    parent: None,
                },
                RegisterDepartment {
                    code: dept_code(&authority)?,
                    name: authority_dept.name.clone(),
                    region: region_code(&province.code)?,
                    kind: DepartmentKind::DataAuthority,
                    principal: None,
                },
            )
            .await
            .map_err(|source| DemoError::Engine {
                step: format!("初始化 {} 与 {}", province.name, authority_dept.name),
                source,
            })?;
        self.commands += 2;

        // Each data authority registers what lies in its jurisdiction (第五条): the province its departments
        // and the cities, each city its departments and counties, each county its departments.
        let regions = self.world.regions.clone();
        for region in &regions {
            let registrar = match &region.parent {
                None => authority.clone(),
                Some(parent) => self.world.authority_of(parent),
            };
            if region.parent.is_some() {
                self.pass(2);
                let command = OrganizationCommand::RegisterRegion(RegisterRegion {
                    code: region_code(&region.code)?,
                    name: region.name.clone(),
                    level: region.level,
                    parent: region.parent.as_deref().map(region_code).transpose()?,
                });
                self.exec(
                    &registrar,
                    Role::Leader,
                    Command::Organization { command },
                    || format!("登记行政区划 {}", region.name),
                )
                .await?;
                // The region's own authority first: it registers the rest of its region.
                let own = self.world.authority_of(&region.code);
                self.register_department(&registrar, &own).await?;
            }
            let registrar = self.world.authority_of(&region.code);
            let members: Vec<String> = self
                .world
                .depts
                .iter()
                .filter(|d| d.region == region.code && d.kind != DepartmentKind::DataAuthority)
                .map(|d| d.code.clone())
                .collect();
            for code in members {
                self.register_department(&registrar, &code).await?;
            }
        }
        Ok(())
    }

    async fn register_department(&mut self, registrar: &str, code: &str) -> Result<(), DemoError> {
        let dept = self.world.dept(code)?.clone();
        self.pass(1);
        let command = OrganizationCommand::RegisterDepartment(RegisterDepartment {
            code: dept_code(&dept.code)?,
            name: dept.name.clone(),
            region: region_code(&dept.region)?,
            kind: dept.kind,
            principal: None,
        });
        self.exec(
            registrar,
            Role::Leader,
            Command::Organization { command },
            || format!("登记 {}", dept.name),
        )
        .await?;
        Ok(())
    }

    /// 第六条: every department names the office responsible for its data work.
    async fn designate_offices(&mut self) -> Result<(), DemoError> {
        let depts = self.world.depts.clone();
        for dept in depts
            .iter()
            .filter(|d| d.kind != DepartmentKind::Government)
        {
            let provincial = dept.region.ends_with("0000");
            let office = match (dept.kind, provincial) {
                (DepartmentKind::DataAuthority, true) => "数据资源管理处",
                (DepartmentKind::DataAuthority, false) => "数据资源管理科",
                (DepartmentKind::CyberspaceAdministration, true) => "网络安全协调处",
                (DepartmentKind::CyberspaceAdministration, false) => "网络安全协调科",
                (DepartmentKind::PublicSecurity, true) => "科技信息化总队",
                (DepartmentKind::PublicSecurity, false) => "科技信息化大队",
                (DepartmentKind::SecrecyBureau, _) => "保密技术处",
                (_, true) => "科技信息化处",
                (_, false) => "信息化科",
            };
            let area = if dept.region.starts_with("1306") {
                "0312"
            } else {
                "0311"
            };
            let number = 66_000_000 + dept.index * 1_373;
            self.pass(3);
            let command =
                OrganizationCommand::DesignateResponsibleOffice(DesignateResponsibleOffice {
                    department: dept_code(&dept.code)?,
                    office: ResponsibleOffice {
                        name: office.into(),
                        head: self.world.person(&dept.code, Role::Reviewer),
                        contact: format!("{area}-{number}"),
                    },
                });
            self.exec(
                &dept.code,
                Role::Leader,
                Command::Organization { command },
                || format!("{} 明确专门机构", dept.name),
            )
            .await?;
        }
        Ok(())
    }

    /// 第九、十一条: each provider drafts its entries and submits them to its same-level authority.
    async fn compile_catalog(&mut self) -> Result<(), DemoError> {
        let entries = self.world.entries.clone();
        for entry in &entries {
            let share = match &entry.share {
                Share::Unconditional => ShareAttribute::Unconditional,
                Share::Conditional(c) => ShareAttribute::Conditional {
                    conditions: c.clone(),
                },
                Share::NotShared(_) => {
                    // 第十五条: 不予共享 only once listed; the system refuses it before.
                    let metadata = self.metadata(entry, ShareAttribute::NotShared)?;
                    self.pass(2);
                    self.expect_refusal(
                        &entry.provider,
                        Role::Clerk,
                        Command::Catalog {
                            id: entry.id.clone(),
                            command: CatalogCommand::DraftCatalogEntry(DraftCatalogEntry {
                                metadata,
                            }),
                        },
                        "未列入负面清单即编制为不予共享 (第十五条)",
                    )
                    .await?;
                    ShareAttribute::Conditional {
                        conditions: "已申请列入负面清单，审批期间暂不受理共享申请".into(),
                    }
                }
            };
            let metadata = self.metadata(entry, share)?;
            self.pass(4);
            self.exec(
                &entry.provider,
                Role::Clerk,
                Command::Catalog {
                    id: entry.id.clone(),
                    command: CatalogCommand::DraftCatalogEntry(DraftCatalogEntry { metadata }),
                },
                || format!("编制目录 {}", entry.name),
            )
            .await?;
            if matches!(entry.share, Share::NotShared(_)) {
                // Submitted once the listing is recorded (see `negative_list`).
                continue;
            }
            self.pass(1);
            self.submit_entry(entry).await?;
        }
        Ok(())
    }

    async fn submit_entry(&mut self, entry: &Entry) -> Result<(), DemoError> {
        let authority = self.world.authority_of(&entry.region);
        self.exec(
            &entry.provider,
            Role::Clerk,
            Command::Catalog {
                id: entry.id.clone(),
                command: CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
                    authority: named(&authority)?,
                }),
            },
            || format!("报送审核 {}", entry.name),
        )
        .await?;
        Ok(())
    }

    async fn approve_entry(&mut self, entry: &Entry) -> Result<(), DemoError> {
        let authority = self.world.authority_of(&entry.region);
        self.exec(
            &authority,
            Role::Reviewer,
            Command::Catalog {
                id: entry.id.clone(),
                command: CatalogCommand::ApproveCatalogEntry(ApproveCatalogEntry::default()),
            },
            || format!("审核通过 {}", entry.name),
        )
        .await?;
        Ok(())
    }

    /// 第十一条: the authorities review what was submitted and publish it.
    async fn approve_catalog(&mut self) -> Result<(), DemoError> {
        let entries = self.world.entries.clone();
        for entry in entries
            .iter()
            .filter(|e| !matches!(e.share, Share::NotShared(_)))
        {
            self.pass(3);
            self.approve_entry(entry).await?;
        }
        Ok(())
    }

    /// 第十五条: apply → the authority reviews → the people's government approves → listed → recorded on the
    /// entry → filed with the upper level.
    async fn negative_list(&mut self) -> Result<(), DemoError> {
        let Some(entry) = self
            .world
            .entries
            .iter()
            .find(|e| matches!(e.share, Share::NotShared(_)))
            .cloned()
        else {
            return Ok(());
        };
        let Share::NotShared(reason) = &entry.share else {
            return Ok(());
        };
        let listing = "NL-2026-0001".to_owned();
        let authority = self.world.authority_of(&entry.region);
        let government = format!("{}-government", entry.region);
        let list = |command| Command::NegativeList {
            id: listing.clone(),
            command,
        };
        let basis = LegalBasis {
            kind: BasisKind::Law,
            instrument: "《中华人民共和国个人信息保护法》".into(),
            article: "第二十八条".into(),
        };
        self.exec(
            &entry.provider,
            Role::Clerk,
            list(NegativeListCommand::ApplyForNegativeListing(
                ApplyForNegativeListing {
                    entry: ListedEntry {
                        entry_id: entry.id.clone(),
                        code: entry.code.clone(),
                        name: entry.name.clone(),
                    },
                    legal_basis: basis.clone(),
                    reason: reason.clone(),
                },
            )),
            || format!("申请列入负面清单 {}", entry.name),
        )
        .await?;
        self.next_day(10, 0)?;
        self.exec(
            &authority,
            Role::Reviewer,
            list(NegativeListCommand::ReviewNegativeListing(
                ReviewNegativeListing {
                    endorse: true,
                    opinion: "个人健康档案属于敏感个人信息，依据充分，同意报请省政府批准".into(),
                },
            )),
            || "审核负面清单申请".into(),
        )
        .await?;
        self.next_day(15, 0)?;
        self.exec(
            &government,
            Role::Leader,
            list(NegativeListCommand::DecideNegativeListing(
                DecideNegativeListing {
                    approve: true,
                    opinion: "同意列入政务数据共享负面清单".into(),
                },
            )),
            || "省政府批准负面清单".into(),
        )
        .await?;
        let listed_at = self.now();
        self.pass(30);
        self.exec(
            &authority,
            Role::Reviewer,
            Command::Catalog {
                id: entry.id.clone(),
                command: CatalogCommand::RecordNegativeListing(RecordNegativeListing {
                    listing_id: listing.clone(),
                    legal_basis: format!("{}{}", basis.instrument, basis.article),
                    approved_by_government: dept_code(&government)?,
                    listed_at,
                }),
            },
            || format!("目录记载列入负面清单 {}", entry.name),
        )
        .await?;
        self.pass(20);
        self.submit_entry(&entry).await?;
        self.pass(40);
        self.approve_entry(&entry).await?;
        self.next_day(9, 30)?;
        self.exec(
            &authority,
            Role::Reviewer,
            list(NegativeListCommand::FileNegativeListing(
                FileNegativeListing {
                    upper_authority: UpperAuthority::National {
                        name: NATIONAL_AUTHORITY.into(),
                    },
                },
            )),
            || "负面清单报上级备案".into(),
        )
        .await?;
        Ok(())
    }

    /// 第十六至十八条: shareable entries are aggregated to the provincial system.
    async fn register_aggregation(&mut self) -> Result<(), DemoError> {
        let entries = self.world.entries.clone();
        for entry in entries
            .iter()
            .filter(|e| !matches!(e.share, Share::NotShared(_)))
        {
            let method = if entry.base {
                AggregationMethod::Physical {
                    full: true,
                    real_time: true,
                }
            } else {
                AggregationMethod::Logical {
                    endpoint: format!("http://10.13.0.21/gxjh/api/{}", entry.code),
                }
            };
            self.pass(2);
            self.exec(
                &entry.provider,
                Role::Clerk,
                Command::Catalog {
                    id: entry.id.clone(),
                    command: CatalogCommand::RegisterAggregation(RegisterAggregation { method }),
                },
                || format!("登记归集方式 {}", entry.name),
            )
            .await?;
        }
        Ok(())
    }

    /// Data items of `provider`'s list that another department already provides in a published entry
    /// (第十三条), with the reason the provider still collects them first-hand.
    fn justifications(
        &self,
        provider: &str,
        items: &[CollectionItem],
    ) -> Vec<DuplicationJustification> {
        items
            .iter()
            .filter(|item| {
                self.world.entries.iter().any(|e| {
                    e.provider != provider
                        && !matches!(e.share, Share::NotShared(_))
                        && e.items.contains(&item.data_item)
                })
            })
            .map(|item| DuplicationJustification {
                data_item: item.data_item.clone(),
                justification: format!(
                    "本部门是“{}”的法定源头采集部门，依职责在业务办理中直接采集，其他部门共享的为本部门提供的数据或其副本",
                    item.data_item
                ),
            })
            .collect()
    }

    pub(crate) fn list_items(&self, provider: &str, skip: &[&str]) -> Vec<CollectionItem> {
        let mut items: Vec<CollectionItem> = Vec::new();
        for entry in self.world.entries.iter().filter(|e| e.provider == provider) {
            for item in &entry.items {
                if skip.contains(&item.as_str()) || items.iter().any(|i| &i.data_item == item) {
                    continue;
                }
                items.push(CollectionItem {
                    data_item: item.clone(),
                    entry_id: entry.id.clone(),
                    entry_version: 1,
                });
            }
        }
        items
    }

    /// 第十三条: the authorities derive the collection responsibility lists from the catalog.
    async fn collection_lists(&mut self) -> Result<(), DemoError> {
        // 民政厅's list leaves out 登记类型: it is added later through a 第十四条 change.
        let lists: [(&str, &[&str]); 6] = [
            ("130000-public-security", &[]),
            ("130000-market-regulation", &[]),
            ("130000-human-resources", &[]),
            ("130000-health", &[]),
            ("130000-civil-affairs", &["登记类型"]),
            ("130100-public-security", &[]),
        ];
        for (department, skip) in lists {
            let dept = self.world.dept(department)?.clone();
            let items = self.list_items(department, skip);
            let justifications = self.justifications(department, &items);
            self.pass(5);
            self.exec(
                &self.world.authority_of(&dept.region),
                Role::Reviewer,
                Command::CollectionList {
                    id: format!("CL-{department}"),
                    command: CollectionListCommand::DeriveCollectionList(DeriveCollectionList {
                        department: named(department)?,
                        items,
                        overlaps: Vec::new(),
                        justifications,
                    }),
                },
                || format!("形成采集责任清单 {}", dept.name),
            )
            .await?;
        }
        Ok(())
    }

    /// 第十条: the provincial and the Shijiazhuang authorities publish their catalogs.
    pub(crate) async fn publish_catalogs(&mut self, number: u32) -> Result<(), DemoError> {
        for region in ["130000", "130100"] {
            let entries: Vec<PublishedEntryRef> = self
                .world
                .entries
                .iter()
                .filter(|e| e.region == region)
                .map(|e| -> Result<PublishedEntryRef, DemoError> {
                    Ok(PublishedEntryRef {
                        entry_id: e.id.clone(),
                        code: e.code.clone(),
                        name: e.name.clone(),
                        provider: dept_code(&e.provider)?,
                        version: self.entry_versions.get(&e.id).copied().unwrap_or(1),
                    })
                })
                .collect::<Result<_, _>>()?;
            if entries.is_empty() {
                continue;
            }
            let authority = self.world.authority_of(region);
            self.pass(15);
            self.exec(
                &authority,
                Role::Leader,
                Command::PublishedCatalog {
                    id: format!("catalog-{region}"),
                    command: PublishedCatalogCommand::PublishCatalogVersion(
                        PublishCatalogVersion { number, entries },
                    ),
                },
                || format!("发布政务数据目录 {region} 第{number}版"),
            )
            .await?;
        }
        self.pass(Duration::hours(1).num_minutes());
        Ok(())
    }
}
