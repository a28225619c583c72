//! `govshare token issue|list|revoke`: the server's bearer tokens (all in `govshare-server`; this module
//! parses and prints).

use clap::{Args, Subcommand};
use govshare_domain::{DepartmentCode, PersonId};
use govshare_server::tokens::parse_role;
use govshare_server::{TokenActor, TokenError, TokenStore};

use crate::Report;
use crate::common::{DbArg, one_line, table};
use crate::error::CliError;

/// `token` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Issue a token bound to one actor; prints it once (only its SHA-256 hash is stored).
    Issue(IssueArgs),
    /// List the tokens issued (never their secrets).
    List(ListArgs),
    /// Revoke a token by id.
    Revoke(RevokeArgs),
}

/// Arguments of `token issue`.
#[derive(Debug, Args)]
pub(crate) struct IssueArgs {
    #[command(flatten)]
    db: DbArg,
    /// The department the token acts for (a registered code, e.g. 130000-public-security).
    #[arg(long, value_name = "CODE")]
    department: String,
    /// The person acting.
    #[arg(long, value_name = "NAME")]
    person: String,
    /// The capacity: clerk, reviewer or leader.
    #[arg(long, value_name = "ROLE")]
    role: String,
    /// Days until the token expires.
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3660))]
    ttl_days: u32,
    /// A label (who it is for, what for).
    #[arg(long, value_name = "TEXT", default_value = "")]
    label: String,
}

/// Arguments of `token list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    db: DbArg,
}

/// Arguments of `token revoke`.
#[derive(Debug, Args)]
pub(crate) struct RevokeArgs {
    #[command(flatten)]
    db: DbArg,
    /// The token's id (from `token list`).
    token_id: String,
}

fn token_error(e: TokenError) -> CliError {
    match e {
        TokenError::Database(_) => CliError::Failed(one_line(&e.to_string())),
        other => CliError::BadInput(one_line(&other.to_string())),
    }
}

/// Opens the token table: a file that is no database, or a server that cannot be reached, is bad input (2)
/// like any other command's `--db`. A file is named in the message; a URL is not (it may hold a password).
async fn open_tokens(db: &str) -> Result<TokenStore, CliError> {
    TokenStore::open(db).await.map_err(|e| {
        let message = if db.contains("://") {
            e.to_string()
        } else {
            format!("{db}: {e}")
        };
        CliError::BadInput(one_line(&message))
    })
}

/// Runs a `token` subcommand.
pub(crate) fn run(command: TokenCommand) -> Result<Report, CliError> {
    let runtime = crate::common::runtime()?;
    runtime.block_on(async {
        match command {
            TokenCommand::Issue(args) => issue(args).await,
            TokenCommand::List(args) => list(args).await,
            TokenCommand::Revoke(args) => revoke(args).await,
        }
    })
}

/// Issues a token for an actor of a registered department; returns the secret and the stored information.
pub(crate) async fn issue_for(
    engine: &govshare_engine::Engine,
    tokens: &TokenStore,
    actor: TokenActor,
    label: &str,
    ttl_days: u32,
) -> Result<govshare_server::IssuedToken, CliError> {
    let registry = engine
        .registry()
        .await
        .map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
    if registry.department(&actor.department).is_none() {
        return Err(CliError::BadInput(format!(
            "部门未登记 department {} is not in the registry",
            actor.department.as_str()
        )));
    }
    let now = chrono::Utc::now();
    tokens
        .issue(
            actor,
            label,
            now,
            now + chrono::Duration::days(i64::from(ttl_days)),
        )
        .await
        .map_err(token_error)
}

async fn issue(args: IssueArgs) -> Result<Report, CliError> {
    let department = DepartmentCode::parse(&args.department)
        .map_err(|e| CliError::BadInput(one_line(&e.to_string())))?;
    let role = parse_role(&args.role).map_err(token_error)?;
    let tokens = open_tokens(&args.db.db).await?;
    let actor = TokenActor {
        department,
        person: PersonId(args.person),
        role,
    };
    let store = govshare_app::open_store(&args.db.db)
        .await
        .map_err(crate::common::open_error)?;
    let engine =
        govshare_engine::Engine::with_store(store, govshare_engine::EngineConfig::new(&args.db.db))
            .map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
    let issued = issue_for(&engine, &tokens, actor, &args.label, args.ttl_days).await?;
    Ok(Report {
        stdout: format!("{}\n", issued.secret),
        notes: vec![format!(
            "令牌 token {} for {} / {} / {:?}, expires {}; only its hash is stored — keep it now",
            issued.info.token_id,
            issued.info.actor.department.as_str(),
            issued.info.actor.person.0,
            issued.info.actor.role,
            issued.info.expires_at.to_rfc3339()
        )],
        failure: None,
    })
}

async fn list(args: ListArgs) -> Result<Report, CliError> {
    let tokens = open_tokens(&args.db.db).await?;
    let now = chrono::Utc::now();
    let mut rows = vec![vec![
        "token_id".to_owned(),
        "department".to_owned(),
        "person".to_owned(),
        "role".to_owned(),
        "expires_at".to_owned(),
        "state".to_owned(),
        "label".to_owned(),
    ]];
    for info in tokens.list().await.map_err(token_error)? {
        let state = if info.revoked_at.is_some() {
            "revoked"
        } else if info.expires_at <= now {
            "expired"
        } else {
            "active"
        };
        rows.push(vec![
            info.token_id,
            info.actor.department.as_str().to_owned(),
            info.actor.person.0,
            format!("{:?}", info.actor.role).to_lowercase(),
            info.expires_at.to_rfc3339(),
            state.to_owned(),
            info.label,
        ]);
    }
    Ok(Report {
        stdout: table(&rows),
        notes: vec![],
        failure: None,
    })
}

async fn revoke(args: RevokeArgs) -> Result<Report, CliError> {
    let tokens = open_tokens(&args.db.db).await?;
    let info = tokens
        .revoke(&args.token_id, chrono::Utc::now())
        .await
        .map_err(token_error)?;
    Ok(Report {
        stdout: format!(
            "revoked {} ({})\n",
            info.token_id,
            info.actor.department.as_str()
        ),
        notes: vec![],
        failure: None,
    })
}
