//! Resolving the facts the domain trusts.
//!
//! Aggregates never read one another (docs/ARCHITECTURE.md); what a decision needs from elsewhere comes in
//! the command and is recorded in the event. Here the engine fills those fields from the log, whatever the
//! caller put there: the registry's record of every department a command names, the same-level data
//! authority, the entries' facts at submission (第十五、十九条), the route of a cross-level application
//! (第二十一条), the bodies an incident is reported to (第三十四条), the responsible office (第六条), and the
//! application a grant follows (第二十二条).

use std::collections::BTreeSet;

use futures::StreamExt as _;
use govshare_domain::catalog::{CatalogEntry, ShareAttribute};
use govshare_domain::collection_list::{CollectionListCommand, SharedSource};
use govshare_codec::Kind as _;
use govshare_domain::grant::{GrantCommand, IssueGrant, ProvisionFacts};
use govshare_domain::incident::{IncidentCommand, ReportTargets};
use govshare_domain::negative_list::{NegativeListCommand, UpperAuthority};
use govshare_domain::organization::OrganizationRegistry;
use govshare_domain::share_application::DataHolder;
use govshare_domain::share_application::{
    RequestedEntry, ShareApplication, ShareCommand, ShareEvent, ShareStatus,
};
use govshare_domain::{Actor, DepartmentCode, DepartmentKind, DepartmentRef, Level, RegionCode};

use crate::command::Command;
use crate::engine::Engine;
use crate::error::EngineError;

type Result<T> = std::result::Result<T, EngineError>;

/// A department named only by its code, for a command field the engine resolves from the registry: the
/// other fields are placeholders the engine replaces with the registry's record.
///
/// ```
/// use govshare_domain::DepartmentCode;
/// use govshare_engine::named_department;
///
/// let provider = named_department(DepartmentCode::parse("130000-public-security").unwrap());
/// assert_eq!(provider.code.as_str(), "130000-public-security");
/// ```
pub fn named_department(code: DepartmentCode) -> DepartmentRef {
    // The region is a placeholder too: the code's division prefix where it has one.
    let prefix: String = code.as_str().chars().take(6).collect();
    #[allow(clippy::expect_used)]
    let region = RegionCode::parse(&prefix)
        .or_else(|_| RegionCode::parse("130000"))
        .expect("a literal division code parses");
    DepartmentRef {
        code,
        name: String::new(),
        kind: DepartmentKind::Department,
        region,
        level: Level::Province,
        principal: None,
    }
}

/// A catalog entry named only by its id, for a share application: the engine resolves its facts (code,
/// name, published version, share attribute, provider, items, negative listing) from the catalog at
/// submission (第十五、十九条).
///
/// ```
/// use govshare_engine::requested_entry;
///
/// assert_eq!(requested_entry("catalog-130000-public-security-0001").entry_id, "catalog-130000-public-security-0001");
/// ```
pub fn requested_entry(entry_id: &str) -> RequestedEntry {
    RequestedEntry {
        entry_id: entry_id.to_owned(),
        code: String::new(),
        name: String::new(),
        version: 0,
        share_attribute: ShareAttribute::Unconditional,
        holder: DataHolder::StateCouncil {
            department: String::new(),
        },
        items: Vec::new(),
        negative_listing: None,
    }
}

/// The command with every fact the domain trusts resolved from the log.
pub(crate) async fn resolve(
    engine: &Engine,
    registry: &OrganizationRegistry,
    actor: &Actor,
    command: Command,
) -> Result<Command> {
    let r = Resolver {
        engine,
        registry,
        actor,
    };
    Ok(match command {
        Command::Catalog { id, mut command } => {
            use govshare_domain::catalog::CatalogCommand;
            if let CatalogCommand::SubmitCatalogEntry(c) = &mut command {
                c.authority = r.own_authority()?;
            }
            Command::Catalog { id, command }
        }
        Command::NegativeList { id, mut command } => {
            if let NegativeListCommand::FileNegativeListing(c) = &mut command
                && let UpperAuthority::Registered(upper) = &mut c.upper_authority
            {
                *upper = r.department(upper)?;
            }
            Command::NegativeList { id, command }
        }
        Command::CollectionList { id, mut command } => {
            match &mut command {
                CollectionListCommand::DeriveCollectionList(c) => {
                    c.department = r.department(&c.department)?;
                    let items: Vec<String> = c.items.iter().map(|i| i.data_item.clone()).collect();
                    c.overlaps = r.shared_sources(&c.department, &items).await?;
                }
                CollectionListCommand::ApplyCollectionChange(c) => {
                    let items: Vec<String> = c.add.iter().map(|i| i.data_item.clone()).collect();
                    c.overlaps = r.shared_sources(&actor.department, &items).await?;
                }
                _ => {}
            }
            Command::CollectionList { id, command }
        }
        Command::ShareApplication { id, mut command } => {
            if let ShareCommand::SubmitShareApplication(c) = &mut command {
                let mut entries = Vec::with_capacity(c.entries.len());
                for entry in &c.entries {
                    entries.push(r.requested_entry(entry).await?);
                }
                let holders: Vec<DataHolder> = entries.iter().map(|e| e.holder.clone()).collect();
                c.route = r.route(&holders)?;
                c.entries = entries;
            }
            Command::ShareApplication { id, command }
        }
        Command::Grant { id, mut command } => {
            if let GrantCommand::IssueGrant(c) = &mut command {
                r.issue_grant(c).await?;
            }
            Command::Grant { id, command }
        }
        Command::Verification { id, mut command } => {
            use govshare_domain::verification::VerificationCommand;
            if let VerificationCommand::FileVerificationRequest(c) = &mut command {
                c.provider = r.department(&c.provider)?;
                c.authority = r.own_authority()?;
            }
            Command::Verification { id, command }
        }
        Command::Incident { id, mut command } => {
            if let IncidentCommand::ReportIncident(c) = &mut command {
                c.report_to = r.report_targets()?;
            }
            Command::Incident { id, command }
        }
        Command::ThirdParty { id, mut command } => {
            use govshare_domain::third_party::ThirdPartyCommand;
            if let ThirdPartyCommand::RecordPriorReview(c) = &mut command {
                c.contractor = r.department(&c.contractor)?;
                c.office = registry
                    .department(&actor.department.code)
                    .and_then(|d| d.office.clone())
                    .ok_or_else(|| EngineError::InvalidRequest {
                        field: "office",
                        reason: format!(
                            "{} has designated no responsible office (第六条)",
                            actor.department.code
                        ),
                    })?;
            }
            Command::ThirdParty { id, command }
        }
        Command::Supervision { id, mut command } => {
            use govshare_domain::supervision::SupervisionCommand;
            if let SupervisionCommand::RecordInspection(c) = &mut command {
                c.inspected = r.department(&c.inspected)?;
            }
            Command::Supervision { id, command }
        }
        Command::CityPlatform { id, mut command } => {
            use govshare_domain::city_platform::CityPlatformCommand;
            if let CityPlatformCommand::SubmitPlatformPlan(c) = &mut command {
                c.provincial_authority = r.provincial_authority()?;
            }
            Command::CityPlatform { id, command }
        }
        other => other,
    })
}

fn not_found(what: &'static str, id: &str) -> EngineError {
    EngineError::NotFound {
        what,
        id: id.to_owned(),
    }
}

struct Resolver<'a> {
    engine: &'a Engine,
    registry: &'a OrganizationRegistry,
    actor: &'a Actor,
}

impl Resolver<'_> {
    /// 第二十二条: a grant follows the provision of its application; its facts are the provision's as
    /// recorded (`ShareProvided`), whatever the caller sent.
    async fn issue_grant(&self, c: &mut IssueGrant) -> Result<()> {
        let application_id = c.provision.application_id.clone();
        let (application, _) = self
            .engine
            .load::<ShareApplication>(&application_id)
            .await?;
        if application.status() != ShareStatus::Provided {
            return Err(EngineError::InvalidRequest {
                field: "provision",
                reason: format!(
                    "application {application_id} has not been provided; a grant follows provision (第二十二条)"
                ),
            });
        }
        let history = self
            .engine
            .history(&ShareApplication::stream(&application_id))
            .await?;
        let upcasters = ShareApplication::upcasters();
        let mut provided = None;
        for record in history.iter().rev().filter(|e| e.event_type == "ShareProvided") {
            if let ShareEvent::ShareProvided(p) =
                govshare_codec::decode_event::<ShareApplication>(record, &upcasters)?
            {
                provided = Some(p);
                break;
            }
        }
        let provided = provided.ok_or_else(|| not_found("provision of application", &application_id))?;
        c.provision = ProvisionFacts::from(&provided);
        c.grantee = application
            .requester()
            .cloned()
            .ok_or_else(|| not_found("share application", &application_id))?;
        c.authority = application
            .route()
            .last()
            .cloned()
            .ok_or_else(|| not_found("share application", &application_id))?;
        Ok(())
    }

    /// The registry's record of the department a command names by its code.
    fn department(&self, named: &DepartmentRef) -> Result<DepartmentRef> {
        self.registry
            .department_ref(&named.code)
            .ok_or_else(|| not_found("department", named.code.as_str()))
    }

    /// The actor's same-level data authority (同级政务数据主管部门, 第五条).
    fn own_authority(&self) -> Result<DepartmentRef> {
        let region = &self.actor.department.region;
        self.registry
            .data_authority(region)
            .map(|d| d.to_ref())
            .ok_or_else(|| not_found("data authority of region", region.as_str()))
    }

    /// The provincial data authority above the actor's region (第三十一条).
    fn provincial_authority(&self) -> Result<DepartmentRef> {
        let mut region: RegionCode = self.actor.department.region.clone();
        loop {
            let r = self
                .registry
                .region(&region)
                .ok_or_else(|| not_found("region", region.as_str()))?;
            if r.level == Level::Province {
                return self
                    .registry
                    .data_authority(&r.code)
                    .map(|d| d.to_ref())
                    .ok_or_else(|| not_found("data authority of region", r.code.as_str()));
            }
            region = r
                .parent
                .clone()
                .ok_or_else(|| not_found("parent region of", r.code.as_str()))?;
        }
    }

    /// 网信、公安 and the data authority of the reporting department's region (第三十四条).
    fn report_targets(&self) -> Result<ReportTargets> {
        let region = &self.actor.department.region;
        let of_kind = |kind: DepartmentKind, what: &'static str| {
            self.registry
                .departments()
                .find(|d| &d.region == region && d.kind == kind)
                .map(|d| d.to_ref())
                .ok_or_else(|| not_found(what, region.as_str()))
        };
        Ok(ReportTargets {
            cyberspace: of_kind(DepartmentKind::CyberspaceAdministration, "网信部门 of region")?,
            public_security: of_kind(DepartmentKind::PublicSecurity, "公安机关 of region")?,
            data_authority: self.own_authority()?,
        })
    }

    /// The facts of a requested entry as the catalog holds them now (第十五、十九条). Entries held by a State
    /// Council department are not in this province's catalog: their holder is taken as given.
    async fn requested_entry(&self, asked: &RequestedEntry) -> Result<RequestedEntry> {
        if let DataHolder::StateCouncil { .. } = asked.holder {
            return Ok(asked.clone());
        }
        let (entry, version) = self.engine.load::<CatalogEntry>(&asked.entry_id).await?;
        if version == 0 {
            return Err(not_found("catalog entry", &asked.entry_id));
        }
        let published = entry.published().ok_or_else(|| EngineError::InvalidRequest {
            field: "entries",
            reason: format!("catalog entry {} is not published (第十条)", asked.entry_id),
        })?;
        let provider = entry
            .provider()
            .cloned()
            .ok_or_else(|| not_found("provider of catalog entry", &asked.entry_id))?;
        let metadata = &published.metadata;
        Ok(RequestedEntry {
            entry_id: asked.entry_id.clone(),
            code: metadata.code.clone(),
            name: metadata.name.clone(),
            version: published.version,
            share_attribute: metadata.share_attribute.clone(),
            holder: DataHolder::Department {
                provider: self.department(&provider)?,
            },
            items: metadata.items.iter().map(|i| i.name.clone()).collect(),
            negative_listing: entry.listing().map(str::to_owned),
        })
    }

    /// The chain of data authorities a cross-level application passes (第二十一条): the requester's own
    /// authority, then each upper-level authority until one holds every requested entry.
    fn route(&self, holders: &[DataHolder]) -> Result<Vec<DepartmentRef>> {
        govshare_domain::share_application::resolve_route(
            self.registry,
            &self.actor.department.code,
            holders,
        )
        .map_err(EngineError::from)
    }

    /// Data items among `items` that another department already provides for sharing in a published
    /// catalog entry (第十三条: 不得重复采集、多头采集).
    ///
    /// Reads the catalog from the log; the catalog read model will answer this without a scan.
    async fn shared_sources(
        &self,
        department: &DepartmentRef,
        items: &[String],
    ) -> Result<Vec<SharedSource>> {
        let wanted: BTreeSet<&str> = items.iter().map(String::as_str).collect();
        let mut entry_ids = BTreeSet::new();
        let store = self.engine.store();
        let mut log = govshare_store::log_stream(store.as_ref(), 1, 4096);
        while let Some(event) = log.next().await {
            let event = event?;
            if event.stream.aggregate_type == "CatalogEntry" {
                entry_ids.insert(event.stream.aggregate_id);
            }
        }
        let mut sources = Vec::new();
        for entry_id in entry_ids {
            let (entry, _) = self.engine.load::<CatalogEntry>(&entry_id).await?;
            let (Some(published), Some(provider)) = (entry.published(), entry.provider()) else {
                continue;
            };
            if provider.code == department.code
                || matches!(published.metadata.share_attribute, ShareAttribute::NotShared)
            {
                continue;
            }
            for item in &published.metadata.items {
                if wanted.contains(item.name.as_str()) {
                    sources.push(SharedSource {
                        data_item: item.name.clone(),
                        provider: provider.code.clone(),
                        entry_id: entry_id.clone(),
                    });
                }
            }
        }
        Ok(sources)
    }
}
