//! The policy "provision issues the grant" (第十九、二十二条).

use async_trait::async_trait;
use govshare_codec::Kind as _;
use govshare_domain::catalog::{CatalogEntry, ShareMode};
use govshare_domain::grant::{
    Grant, GrantCommand, GrantStatus, GrantedEntry, IssueGrant, ProvisionFacts,
};
use govshare_domain::share_application::{
    DataHolder, RequestedEntry, ShareApplication, ShareEvent, ShareProvided,
};
use govshare_engine::{Command, Engine};
use govshare_store::RecordedEvent;

use crate::error::PolicyError;
use crate::policy::{Intent, Policy};

/// The name of the policy: the namespace of its command ids and the name of its checkpoint.
pub const PROVISION_ISSUES_GRANT: &str = "provision_grant";

/// 第十九、二十二条: once data is provided on a share application (`ShareProvided`), the serving authority
/// issues the grant bound to the application's scenario. The policy issues `IssueGrant`
///
/// - for the grant id the provision named (`ShareProvided.grant_id`), so the grant is found from the
///   application and the id is the same on every retry;
/// - acting as the serving authority that provided, in the scheduler's role (AUTH-15);
/// - with the provision's facts (the engine resolves them again from the log), the requester as grantee,
///   each provided entry with its provider (for State Council data, the provincial authority that
///   obtained it) and the data items the scenario asked of it, the scenario's purpose and purpose code,
///   validity equal to the requested period of use, the provider's conditions, and the access mode
///   (共享方式) the catalog declares for the first entry provided.
///
/// Nothing is issued when a grant following this application already exists (issued by the authority's
/// people before the policy ran).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProvisionIssuesGrant;

#[async_trait]
impl Policy for ProvisionIssuesGrant {
    fn name(&self) -> &'static str {
        PROVISION_ISSUES_GRANT
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        event.event_type == "ShareProvided" && event.stream.aggregate_type == "ShareApplication"
    }

    async fn intent(
        &self,
        engine: &Engine,
        event: &RecordedEvent,
    ) -> Result<Option<Intent>, PolicyError> {
        let position = event.position;
        let provided = match govshare_codec::decode_event::<ShareApplication>(
            event,
            &ShareApplication::upcasters(),
        ) {
            Ok(ShareEvent::ShareProvided(p)) => p,
            Ok(_) => {
                return Err(PolicyError::Decode {
                    position,
                    reason: "not a ShareProvided".into(),
                });
            }
            Err(e) => {
                return Err(PolicyError::Decode {
                    position,
                    reason: e.to_string(),
                });
            }
        };
        let (grant, _) = engine.load::<Grant>(&provided.grant_id).await?;
        if grant.status() != GrantStatus::New
            && grant
                .issued()
                .is_some_and(|g| g.provision.application_id == provided.application_id)
        {
            tracing::debug!(
                application = %provided.application_id,
                grant = %provided.grant_id,
                "grant already issued"
            );
            return Ok(None);
        }
        let (application, _) = engine
            .load::<ShareApplication>(&provided.application_id)
            .await?;
        let missing = |what: String| PolicyError::MissingFact { position, what };
        let grantee = application
            .requester()
            .cloned()
            .ok_or_else(|| missing(format!("application {}", provided.application_id)))?;
        let entries = granted_entries(&provided, application.entries())
            .map_err(|entry| missing(format!("entry {entry} on the application")))?;
        let first = entries
            .first()
            .map(|e| e.entry_id.clone())
            .ok_or_else(|| missing("a provided entry with requested data items".into()))?;
        let access_mode = access_mode(engine, &first)
            .await?
            .ok_or_else(|| missing(format!("the catalog entry {first}")))?;
        let department = provided.by.department.code.clone();
        let command = IssueGrant {
            provision: ProvisionFacts::from(&provided),
            grantee,
            authority: provided.by.department.clone(),
            entries,
            purpose: provided.scenario.purpose.clone(),
            purpose_code: provided.scenario.purpose_code.clone(),
            valid_from: provided.scenario.use_from,
            valid_until: provided.scenario.use_until,
            access_mode,
            conditions: provided.conditions.clone(),
        };
        Ok(Some(Intent {
            department,
            command: Command::Grant {
                id: provided.grant_id.clone(),
                command: GrantCommand::IssueGrant(command),
            },
        }))
    }
}

/// Each provided entry with its provider and the scenario's data items it holds (every item for an
/// application of one entry); entries holding none of them are left out. `Err` names an entry the
/// application does not list.
fn granted_entries(
    provided: &ShareProvided,
    requested: &[RequestedEntry],
) -> Result<Vec<GrantedEntry>, String> {
    let mut out = Vec::with_capacity(provided.entries.len());
    for id in &provided.entries {
        let entry = requested
            .iter()
            .find(|e| &e.entry_id == id)
            .ok_or_else(|| id.clone())?;
        let provider = match &entry.holder {
            DataHolder::Department { provider } => provider.code.clone(),
            DataHolder::StateCouncil { .. } => provided.by.department.code.clone(),
        };
        let data_items: Vec<String> = if provided.entries.len() == 1 {
            provided.scenario.data_items.clone()
        } else {
            provided
                .scenario
                .data_items
                .iter()
                .filter(|item| entry.items.contains(item))
                .cloned()
                .collect()
        };
        if !data_items.is_empty() {
            out.push(GrantedEntry {
                entry_id: id.clone(),
                provider,
                data_items,
            });
        }
    }
    Ok(out)
}

/// 共享方式 as the catalog declares it for `entry_id` (the published version, else the working copy).
async fn access_mode(engine: &Engine, entry_id: &str) -> Result<Option<ShareMode>, PolicyError> {
    let (entry, _) = engine.load::<CatalogEntry>(entry_id).await?;
    Ok(entry
        .published()
        .map(|p| p.metadata.share_mode)
        .or_else(|| entry.working().map(|m| m.share_mode)))
}
