//! What a caller asks of the engine, and what it gets back.

use govshare_domain::authorized_operation::AuthorizedOperationCommand;
use govshare_domain::catalog::CatalogCommand;
use govshare_domain::city_platform::CityPlatformCommand;
use govshare_domain::collection_list::CollectionListCommand;
use govshare_domain::grant::GrantCommand;
use govshare_domain::incident::IncidentCommand;
use govshare_domain::negative_list::NegativeListCommand;
use govshare_domain::organization::OrganizationCommand;
use govshare_domain::published_catalog::PublishedCatalogCommand;
use govshare_domain::share_application::ShareCommand;
use govshare_domain::supervision::SupervisionCommand;
use govshare_domain::third_party::ThirdPartyCommand;
use govshare_domain::verification::VerificationCommand;
use govshare_domain::{DepartmentCode, PersonId, Role};
use govshare_store::{Position, RecordedEvent, StreamId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The id of the one organization registry of a deployment.
pub const REGISTRY_ID: &str = "registry";

/// A typed command addressed to one aggregate.
///
/// Facts the domain trusts are resolved by the engine, whatever the caller put in those fields: every
/// [`govshare_domain::DepartmentRef`] a command names is replaced by the registry's record of that code,
/// and facts that follow from the log (an entry's share attribute, provider and negative listing at
/// submission; the route of a cross-level application; the same-level data authority; a grant's
/// application) are read from the aggregates that hold them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "aggregate")]
pub enum Command {
    /// The organization registry (第四、五、六条); one per deployment ([`REGISTRY_ID`]).
    Organization {
        /// The command.
        command: OrganizationCommand,
    },
    /// A catalog entry (第九至十二、十六至十八条).
    Catalog {
        /// The entry id.
        id: String,
        /// The command.
        command: CatalogCommand,
    },
    /// A negative-list application (第十五条).
    NegativeList {
        /// The listing id.
        id: String,
        /// The command.
        command: NegativeListCommand,
    },
    /// A published catalog (第十条).
    PublishedCatalog {
        /// The catalog id.
        id: String,
        /// The command.
        command: PublishedCatalogCommand,
    },
    /// A collection responsibility list (第十三、十四条).
    CollectionList {
        /// The list id.
        id: String,
        /// The command.
        command: CollectionListCommand,
    },
    /// A share application with its objections (第十九、二十一条).
    ShareApplication {
        /// The application id.
        id: String,
        /// The command.
        command: ShareCommand,
    },
    /// A grant and its uses (第二十二条).
    Grant {
        /// The grant id.
        id: String,
        /// The command.
        command: GrantCommand,
    },
    /// A quality verification request (第二十条).
    Verification {
        /// The request id.
        id: String,
        /// The command.
        command: VerificationCommand,
    },
    /// A security incident (第三十四条).
    Incident {
        /// The incident id.
        id: String,
        /// The command.
        command: IncidentCommand,
    },
    /// A third-party engagement (第三十七条).
    ThirdParty {
        /// The engagement id.
        id: String,
        /// The command.
        command: ThirdPartyCommand,
    },
    /// A supervision case (第三十九条).
    Supervision {
        /// The case id.
        id: String,
        /// The command.
        command: SupervisionCommand,
    },
    /// A city platform (第三十一条).
    CityPlatform {
        /// The platform id.
        id: String,
        /// The command.
        command: CityPlatformCommand,
    },
    /// An authorized operation (第二十八条).
    AuthorizedOperation {
        /// The operation id.
        id: String,
        /// The command.
        command: AuthorizedOperationCommand,
    },
}

/// One command as a caller submits it.
///
/// ```
/// use govshare_domain::{DepartmentCode, PersonId, Role};
/// use govshare_domain::share_application::{ShareCommand, WithdrawShareApplication};
/// use govshare_engine::{Command, CommandRequest};
/// use uuid::Uuid;
///
/// let request = CommandRequest::new(
///     Uuid::from_u128(1),
///     DepartmentCode::parse("130100-market").unwrap(),
///     PersonId("张三".into()),
///     Role::Clerk,
///     Command::ShareApplication {
///         id: "SA-1".into(),
///         command: ShareCommand::WithdrawShareApplication(WithdrawShareApplication {
///             reason: "业务调整，不再需要".into(),
///         }),
///     },
/// );
/// assert_eq!(request.correlation_id, None);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandRequest {
    /// The idempotency key: a retried command id records nothing new and gets the original answer.
    pub command_id: Uuid,
    /// The business transaction this command belongs to (defaults to the command id).
    pub correlation_id: Option<Uuid>,
    /// The event or message that caused it, if any.
    pub causation_id: Option<Uuid>,
    /// The acting department, resolved against the registry.
    pub department: DepartmentCode,
    /// The acting person.
    pub person: PersonId,
    /// The capacity in which the person acts.
    pub role: Role,
    /// The command.
    pub command: Command,
}

impl CommandRequest {
    /// A request with no correlation or causation.
    pub fn new(
        command_id: Uuid,
        department: DepartmentCode,
        person: PersonId,
        role: Role,
        command: Command,
    ) -> Self {
        CommandRequest {
            command_id,
            correlation_id: None,
            causation_id: None,
            department,
            person,
            role,
            command,
        }
    }
}

/// What the engine recorded for a command.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The command id.
    pub command_id: Uuid,
    /// The aggregate's stream.
    pub stream: StreamId,
    /// The events, with their positions and hashes (empty when the rules produced none, e.g. a deadline
    /// already marked overdue).
    pub events: Vec<RecordedEvent>,
    /// The stream's version after the command.
    pub stream_version: u64,
    /// True when the command id had been recorded before: nothing was written now.
    pub retry: bool,
}

impl Recorded {
    /// Position of the last event recorded (0 when none).
    pub fn last_position(&self) -> Position {
        self.events.last().map_or(0, |e| e.position)
    }
}

impl Command {
    /// The aggregate type the command addresses (the stream's type in the store).
    pub fn aggregate_type(&self) -> &'static str {
        match self {
            Command::Organization { .. } => "OrganizationRegistry",
            Command::Catalog { .. } => "CatalogEntry",
            Command::NegativeList { .. } => "NegativeListing",
            Command::PublishedCatalog { .. } => "PublishedCatalog",
            Command::CollectionList { .. } => "CollectionList",
            Command::ShareApplication { .. } => "ShareApplication",
            Command::Grant { .. } => "Grant",
            Command::Verification { .. } => "Verification",
            Command::Incident { .. } => "SecurityIncident",
            Command::ThirdParty { .. } => "ThirdPartyEngagement",
            Command::Supervision { .. } => "Supervision",
            Command::CityPlatform { .. } => "CityPlatform",
            Command::AuthorizedOperation { .. } => "AuthorizedOperation",
        }
    }

    /// The aggregate id the command addresses.
    pub fn aggregate_id(&self) -> &str {
        match self {
            Command::Organization { .. } => REGISTRY_ID,
            Command::Catalog { id, .. }
            | Command::NegativeList { id, .. }
            | Command::PublishedCatalog { id, .. }
            | Command::CollectionList { id, .. }
            | Command::ShareApplication { id, .. }
            | Command::Grant { id, .. }
            | Command::Verification { id, .. }
            | Command::Incident { id, .. }
            | Command::ThirdParty { id, .. }
            | Command::Supervision { id, .. }
            | Command::CityPlatform { id, .. }
            | Command::AuthorizedOperation { id, .. } => id,
        }
    }
}
