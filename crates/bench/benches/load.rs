//! The system under load: many concurrent clients over HTTP on loopback with a realistic mix of queries and
//! commands, for minutes, on a SQLite file, on PostgreSQL, and on two server processes sharing one
//! PostgreSQL database; then the same mix as the log grows (10 thousand events and upward), the log
//! pre-filled in-process through `Engine::execute` between the windows.
//!
//! Run: `cargo bench -p govshare-bench --bench load`. Prints Markdown tables.
//!
//! - `GOVSHARE_LOAD_SECS`: seconds of load per configuration (default 120).
//! - `GOVSHARE_LOAD_CLIENTS`: concurrent clients (default 32).
//! - `GOVSHARE_LOAD_ONLY`: a comma-separated subset of `sqlite,postgres,two,growth`.
//! - `GOVSHARE_LOAD_GROWTH`: log sizes of the growth series, in events (default
//!   `10000,100000,500000,1000000`).
//! - `GOVSHARE_LOAD_GROWTH_SECS`: seconds of load at each size (default 60).
//! - `GOVSHARE_LOAD_GROWTH_ON`: backends of the growth series, `sqlite` and/or `postgres` (default
//!   `sqlite`).
//! - `GOVSHARE_LOAD_MAX_DB_MB`: the pre-fill stops once the SQLite file (with its WAL) passes this, and
//!   the series ends with a window of load at the size reached (default 1800). The read models the server
//!   then catches up on add about 25–60 % to the file, so the default keeps it under 3 GB.
//! - `GOVSHARE_LOAD_PREFILL_TASKS`: concurrent in-process callers of the pre-fill (default 32).
//! - `GOVSHARE_LOAD_SEED`: seed of the clients' random choices (default 1).
//! - `GOVSHARE_LOAD_SHORT=1`: a quick try: 15 s per configuration, sizes 2000 and 10000, 15 s each
//!   (the variables above still override).
//!
//! Servers run as child processes of this bench ([`govshare_bench::server`]), so that their peak
//! resident set (`VmHWM`) and CPU time are their own. The parent records the province (河北省, its data
//! authority, 河北省公安厅 with 11 published 人口 entries, eight requesting departments) through the
//! engine before a server starts; the server issues four tokens per client (the client's requesting
//! department's clerk, the authority's reviewer, the provider's leader and clerk) and serves with the
//! default configuration less the rate limit.
//!
//! Workload: each client (a tokio task; one shared `reqwest::Client`, keep-alive) picks its next operation
//! with its own seeded random generator: 40 in 100 a command, 60 a query. A command advances one of the
//! client's open cases that is due, or opens a new one (always when none is due; otherwise with
//! probability 1/5 while it has fewer than 16 open):
//!
//! - a share application: submit (requester's clerk) → forward to the provider (authority's reviewer) →
//!   agree, with conditions half of the time (provider's leader) → provide (authority's reviewer); the
//!   grant is then issued by the server's policy (第十九、二十二条) and the client records two uses of it
//!   (requester's clerk), the first no sooner than 6 s after the provision (the policy passes every 5 s);
//! - for one application in four, after its uses, a verification request (数据校核, 第二十条) on its grant:
//!   file (requester's clerk) → forward (authority's reviewer) → answer with a correction (provider's
//!   clerk) → accept (requester's clerk).
//!
//! A use or a verification refused because the grant is not issued yet is retried 5 s later (at most six
//! times); each refusal is counted. A query is the inbox of a department (25 in 100 of all operations: the
//! client's requesting department, the authority or the provider, first page of 50), the case page of one
//! of the client's applications (`GET /v1/applications/{id}`, 20 in 100) or the catalog (15 in 100: the
//! list of entries, first page of 50, or a search by provider, published only). Every command is a `POST
//! /v1/commands/{aggregate}/{id}` with a fresh `Idempotency-Key`.
//!
//! Read-model lag: a sampler scrapes the server's `GET /metrics` every 250 ms during the load
//! (`govshare_log_head_position` and `govshare_projection_lag_events`): the lag in events (the largest over
//! the models) and, for the `applications` model that serves inboxes and case pages, the time until the
//! model's checkpoint reached the log head a scrape saw (resolution 250 ms).

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{Datelike, FixedOffset, NaiveDate, Utc};
use govshare_bench::machine::{
    busy_between, env_f64, fsync_rate, load_average, machine_cpu, process_cpu, quantile, selected,
    status_kb,
};
use govshare_bench::province::{self as bench_province, POLICE, REQUESTERS};
use govshare_bench::server::{Server, TokenFor, problem, serve_if_child};
use govshare_domain::catalog::ShareMode;
use govshare_domain::grant::{
    GrantCommand, GrantedEntry, IssueGrant, ProvisionFacts, RecordGrantUse,
};
use govshare_domain::share_application::{
    AgreeToShare, ApplicationScenario, ForwardToProvider, ProvideShare, ShareCommand,
    SubmitShareApplication,
};
use govshare_domain::verification::{
    AcceptVerificationResult, AnswerVerification, FileVerificationRequest,
    ForwardVerificationRequest, VerificationCommand, VerificationOutcome, VerificationSubject,
};
use govshare_domain::{PersonId, Role};
use govshare_engine::{Command, CommandRequest, Engine, named_department, requested_entry};
use govshare_testkit::PgCluster;
use govshare_testkit::province::{self, AUTHORITY, POPULATION};
use serde_json::Value;
use uuid::Uuid;

/// Additional published 人口 entries of the provider, so that the catalog has something to list.
const EXTRA_ENTRIES: usize = 10;
/// Open cases per client beyond which a client opens a new one only when none is due.
const MAX_OPEN: usize = 16;
/// Uses recorded per grant.
const USES: u32 = 2;
/// The first use waits this long after the provision: the grant policy passes every 5 s.
const GRANT_WAIT: Duration = Duration::from_secs(6);
/// A use or verification refused because the grant is not issued yet waits this long, at most
/// [`MAX_DEFERRALS`] times.
const DEFER: Duration = Duration::from_secs(5);
const MAX_DEFERRALS: u32 = 6;
/// The scenario's data items and purpose code.
const ITEMS: [&str; 2] = ["公民身份号码", "姓名"];
const PURPOSE_CODE: &str = "SC-130000-WJ-2026-001";

// ---------------------------------------------------------------------------------------------
// Random choices
// ---------------------------------------------------------------------------------------------

/// SplitMix64: small, fast and reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `1 / n`.
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

// ---------------------------------------------------------------------------------------------
// Actors and commands
// ---------------------------------------------------------------------------------------------

/// Who acts: the index of the client's token.
#[derive(Clone, Copy)]
enum Who {
    Requester = 0,
    Authority = 1,
    ProviderLeader = 2,
    ProviderClerk = 3,
}

const WHO: [Who; 4] = [
    Who::Requester,
    Who::Authority,
    Who::ProviderLeader,
    Who::ProviderClerk,
];

fn requester(client: usize) -> &'static str {
    REQUESTERS[client % REQUESTERS.len()].0
}

fn actor(client: usize, who: Who) -> TokenFor {
    let person = format!("client-{client}");
    match who {
        Who::Requester => (requester(client).to_owned(), Role::Clerk, person),
        Who::Authority => (AUTHORITY.to_owned(), Role::Reviewer, person),
        Who::ProviderLeader => (POLICE.to_owned(), Role::Leader, person),
        Who::ProviderClerk => (POLICE.to_owned(), Role::Clerk, person),
    }
}

fn token_actors(clients: usize) -> Vec<Vec<TokenFor>> {
    (0..clients)
        .map(|client| WHO.iter().map(|&who| actor(client, who)).collect())
        .collect()
}

/// The step a case is at.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Step {
    Submit,
    Forward,
    Agree,
    Provide,
    /// Pre-fill only: the authority issues the grant itself (the policy then finds it issued).
    Issue,
    Use(u32),
    File,
    VerificationForward,
    Answer,
    Accept,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Forward => "forward",
            Step::Agree => "agree",
            Step::Provide => "provide",
            Step::Issue => "issue grant",
            Step::Use(_) => "record use",
            Step::File => "file verification",
            Step::VerificationForward => "forward verification",
            Step::Answer => "answer verification",
            Step::Accept => "accept verification",
        }
    }
}

/// One share application and what follows it, of one client.
#[derive(Clone)]
struct Case {
    application: String,
    grant: String,
    verification: String,
    conditional: bool,
    verify: bool,
    step: Step,
    due: Instant,
    deferrals: u32,
    /// When the provision was answered.
    provided: Option<Instant>,
}

impl Case {
    fn new(tag: &str, client: usize, n: usize, rng: &mut Rng) -> Case {
        let suffix = format!("{tag}-{client:02}-{n:06}");
        Case {
            application: format!("SA-{suffix}"),
            grant: format!("GR-{suffix}"),
            verification: format!("VR-{suffix}"),
            conditional: rng.one_in(2),
            verify: rng.one_in(4),
            step: Step::Submit,
            due: Instant::now(),
            deferrals: 0,
            provided: None,
        }
    }

    /// Moves to the next step after a recorded command; `false` when the case is done. `prefill` issues
    /// the grant in-process instead of waiting for the policy.
    fn advance(&mut self, prefill: bool) -> bool {
        let now = Instant::now();
        self.due = now;
        self.deferrals = 0;
        self.step = match self.step {
            Step::Submit => Step::Forward,
            Step::Forward => Step::Agree,
            Step::Agree => Step::Provide,
            Step::Provide if prefill => Step::Issue,
            Step::Provide => {
                self.due = now + GRANT_WAIT;
                Step::Use(1)
            }
            Step::Issue => Step::Use(1),
            Step::Use(k) if k < USES => Step::Use(k + 1),
            Step::Use(_) if self.verify => Step::File,
            Step::File => Step::VerificationForward,
            Step::VerificationForward => Step::Answer,
            Step::Answer => Step::Accept,
            Step::Use(_) | Step::Accept => return false,
        };
        true
    }

    /// Who sends the current step, and the command.
    fn command(&self, client: usize) -> (Who, Command) {
        let share = |command| Command::ShareApplication {
            id: self.application.clone(),
            command,
        };
        let grant = |command| Command::Grant {
            id: self.grant.clone(),
            command,
        };
        let verification = |command| Command::Verification {
            id: self.verification.clone(),
            command,
        };
        let (from, until) = period();
        match self.step {
            Step::Submit => (
                Who::Requester,
                share(ShareCommand::SubmitShareApplication(SubmitShareApplication {
                    application_id: self.application.clone(),
                    entries: vec![requested_entry(POPULATION)],
                    scenario: ApplicationScenario {
                        purpose: "医疗救助对象身份核验".into(),
                        purpose_code: PURPOSE_CODE.into(),
                        legal_basis: "《社会救助暂行办法》第二十八条".into(),
                        business_system: "河北省医疗救助管理系统".into(),
                        data_items: ITEMS.iter().map(|&i| i.into()).collect(),
                        use_from: from,
                        use_until: until,
                        expected_frequency: "每日约2000次".into(),
                    },
                    materials: vec!["共享需求说明.pdf".into()],
                    route: vec![],
                })),
            ),
            Step::Forward => (
                Who::Authority,
                share(ShareCommand::ForwardToProvider(ForwardToProvider {
                    review_opinion: "应用场景明确，依据充分，转提供部门".into(),
                })),
            ),
            Step::Agree => (
                Who::ProviderLeader,
                share(ShareCommand::AgreeToShare(AgreeToShare {
                    conditions: self.conditions(),
                })),
            ),
            Step::Provide => (
                Who::Authority,
                share(ShareCommand::ProvideShare(ProvideShare {
                    grant_id: self.grant.clone(),
                })),
            ),
            Step::Issue => (Who::Authority, grant(GrantCommand::IssueGrant(self.issue()))),
            Step::Use(k) => (
                Who::Requester,
                grant(GrantCommand::RecordGrantUse(RecordGrantUse {
                    use_id: format!("{}-U{k:03}", self.grant),
                    data_items: ITEMS.iter().map(|&i| i.into()).collect(),
                    record_count: 20 + (client as u64 * 37 + u64::from(k) * 11) % 2000,
                    end_user: format!("{}经办人员（工号{}）", requester(client), 1000 + client),
                    purpose_code: PURPOSE_CODE.into(),
                    used_at: Utc::now() - chrono::Duration::seconds(1),
                })),
            ),
            Step::File => (
                Who::Requester,
                verification(VerificationCommand::FileVerificationRequest(
                    FileVerificationRequest {
                        subject: VerificationSubject::Grant {
                            grant_id: self.grant.clone(),
                            entry_id: POPULATION.into(),
                        },
                        provider: named_department(province::code(POLICE)),
                        authority: named_department(province::code(AUTHORITY)),
                        data_items: vec!["姓名".into()],
                        defect: "抽查本部门办件中使用的500条共享数据，其中7条“姓名”与申请人提交的原件不一致"
                            .into(),
                    },
                )),
            ),
            Step::VerificationForward => (
                Who::Authority,
                verification(VerificationCommand::ForwardVerificationRequest(
                    ForwardVerificationRequest::default(),
                )),
            ),
            Step::Answer => (
                Who::ProviderClerk,
                verification(VerificationCommand::AnswerVerification(AnswerVerification {
                    outcome: VerificationOutcome::Corrected {
                        corrections: vec!["更正“姓名”错误记录，已同步至共享交换平台".into()],
                        explanation: "经核查系源头采集录入错误，已完成修复".into(),
                    },
                })),
            ),
            Step::Accept => (
                Who::Requester,
                verification(VerificationCommand::AcceptVerificationResult(
                    AcceptVerificationResult::default(),
                )),
            ),
        }
    }

    fn conditions(&self) -> Option<String> {
        self.conditional
            .then(|| "仅限身份核验，不得留存".to_owned())
    }

    /// The grant as the authority's people issue it; the engine resolves the provision, grantee and
    /// issuer from the log.
    fn issue(&self) -> IssueGrant {
        let (from, until) = period();
        let placeholder = named_department(province::code(AUTHORITY));
        IssueGrant {
            provision: ProvisionFacts {
                application_id: self.application.clone(),
                grant_id: self.grant.clone(),
                requester: province::code(AUTHORITY),
                provided_by: province::code(AUTHORITY),
                entries: vec![],
                data_items: vec![],
                purpose: String::new(),
                purpose_code: String::new(),
                use_from: from,
                use_until: until,
                conditions: None,
                provided_at: Utc::now(),
            },
            grantee: placeholder.clone(),
            authority: placeholder,
            entries: vec![GrantedEntry {
                entry_id: POPULATION.into(),
                provider: province::code(POLICE),
                data_items: ITEMS.iter().map(|&i| i.into()).collect(),
            }],
            purpose: "医疗救助对象身份核验".into(),
            purpose_code: PURPOSE_CODE.into(),
            valid_from: from,
            valid_until: until,
            access_mode: ShareMode::Interface,
            conditions: self.conditions(),
        }
    }
}

/// The period of use asked for: today (Beijing) and a year on.
fn period() -> (NaiveDate, NaiveDate) {
    let today = Utc::now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    (today, today.with_year(today.year() + 1).unwrap_or(today))
}

/// The aggregate path segment, case id and body of a command as `POST /v1/commands/{aggregate}/{id}`
/// takes it.
fn http_form(command: &Command) -> (&'static str, &str, Value) {
    match command {
        Command::ShareApplication { id, command } => (
            "share_application",
            id,
            serde_json::to_value(command).unwrap(),
        ),
        Command::Grant { id, command } => ("grant", id, serde_json::to_value(command).unwrap()),
        Command::Verification { id, command } => {
            ("verification", id, serde_json::to_value(command).unwrap())
        }
        _ => unreachable!("the load sends share, grant and verification commands only"),
    }
}

// ---------------------------------------------------------------------------------------------
// The clients
// ---------------------------------------------------------------------------------------------

/// One client's connection to one server.
struct Client {
    http: reqwest::Client,
    base: String,
    tokens: Vec<String>,
}

impl Client {
    /// Sends `command`; the log position of its last event.
    async fn command(&self, who: Who, command: &Command) -> Result<u64, String> {
        let (aggregate, id, body) = http_form(command);
        let response = self
            .http
            .post(format!("{}/v1/commands/{aggregate}/{id}", self.base))
            .bearer_auth(&self.tokens[who as usize])
            .header("Idempotency-Key", Uuid::new_v4().to_string())
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("transport: {e}"))?;
        let body = answer(response).await?;
        Ok(serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["position"].as_u64())
            .unwrap_or(0))
    }

    async fn query(&self, who: Who, path: &str) -> Result<(), String> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.tokens[who as usize])
            .send()
            .await
            .map_err(|e| format!("transport: {e}"))?;
        answer(response).await.map(|_| ())
    }
}

async fn answer(response: reqwest::Response) -> Result<Vec<u8>, String> {
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| format!("transport: {e}"))?;
    if status.is_success() {
        Ok(bytes.to_vec())
    } else {
        Err(problem(status.as_u16(), &bytes))
    }
}

#[derive(Default)]
struct ClientRun {
    commands: Vec<Duration>,
    queries: Vec<Duration>,
    /// Operations by name.
    ops: BTreeMap<&'static str, usize>,
    /// Refusals by operation and problem.
    errors: BTreeMap<String, usize>,
    /// From a provision's answer to the first use of its grant recorded.
    grant_waits: Vec<Duration>,
    /// Cases given up after [`MAX_DEFERRALS`] refusals of a use or verification.
    abandoned: usize,
}

/// Runs client `index` until `deadline`: 40 commands and 60 queries in 100, chosen by its own generator.
async fn client(
    client: Arc<Client>,
    index: usize,
    tag: String,
    seed: u64,
    deadline: Instant,
) -> ClientRun {
    let mut rng = Rng(seed ^ (index as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let mut run = ClientRun::default();
    let mut open: Vec<Case> = Vec::new();
    // The client's recent applications and the position of their submission (read-your-writes).
    let mut known: VecDeque<(String, u64)> = VecDeque::new();
    let mut next = 0;
    while Instant::now() < deadline {
        let roll = rng.below(100);
        if roll < 40 {
            let now = Instant::now();
            let due: Vec<usize> = (0..open.len()).filter(|&i| open[i].due <= now).collect();
            let pick = if due.is_empty() || (open.len() < MAX_OPEN && rng.one_in(5)) {
                open.push(Case::new(&tag, index, next, &mut rng));
                next += 1;
                open.len() - 1
            } else {
                due[rng.below(due.len())]
            };
            let case = &mut open[pick];
            let step = case.step;
            let (who, command) = case.command(index);
            let begin = Instant::now();
            let result = client.command(who, &command).await;
            run.commands.push(begin.elapsed());
            *run.ops.entry(step.name()).or_default() += 1;
            match result {
                Ok(position) => {
                    match step {
                        Step::Submit => {
                            known.push_back((case.application.clone(), position));
                            if known.len() > 200 {
                                known.pop_front();
                            }
                        }
                        Step::Provide => case.provided = Some(Instant::now()),
                        Step::Use(1) => {
                            if let Some(at) = case.provided {
                                run.grant_waits.push(at.elapsed());
                            }
                        }
                        _ => {}
                    }
                    if !case.advance(false) {
                        open.swap_remove(pick);
                    }
                }
                Err(e) => {
                    *run.errors
                        .entry(format!("{}: {e}", step.name()))
                        .or_default() += 1;
                    // A grant the policy has not issued yet: try again later.
                    let waiting = matches!(step, Step::Use(_) | Step::File)
                        && (e.starts_with("404") || e.starts_with("409"));
                    if waiting && case.deferrals < MAX_DEFERRALS {
                        case.deferrals += 1;
                        case.due = Instant::now() + DEFER;
                    } else {
                        run.abandoned += usize::from(waiting);
                        open.swap_remove(pick);
                    }
                }
            }
        } else {
            let roll = roll - 40;
            let (name, who, path) = if roll < 25 || (roll < 45 && known.is_empty()) {
                let (who, department) = match rng.below(3) {
                    0 => (Who::Requester, requester(index)),
                    1 => (Who::Authority, AUTHORITY),
                    _ => (Who::ProviderClerk, POLICE),
                };
                (
                    "inbox",
                    who,
                    format!("/v1/departments/{department}/inbox?limit=50"),
                )
            } else if roll < 45 {
                let (id, position) = &known[rng.below(known.len())];
                (
                    "case page",
                    Who::Requester,
                    format!("/v1/applications/{id}?min_position={position}"),
                )
            } else if rng.one_in(2) {
                (
                    "catalog list",
                    Who::Requester,
                    "/v1/catalog/entries?limit=50".to_owned(),
                )
            } else {
                (
                    "catalog search",
                    Who::Requester,
                    format!("/v1/catalog/entries?provider={POLICE}&published=true&limit=20"),
                )
            };
            let begin = Instant::now();
            let result = client.query(who, &path).await;
            run.queries.push(begin.elapsed());
            *run.ops.entry(name).or_default() += 1;
            if let Err(e) = result {
                *run.errors.entry(format!("{name}: {e}")).or_default() += 1;
            }
        }
    }
    run
}

// ---------------------------------------------------------------------------------------------
// Read-model lag
// ---------------------------------------------------------------------------------------------

/// `govshare_log_head_position` and every `govshare_projection_lag_events{model=…}` of a scrape.
async fn scrape(http: &reqwest::Client, base: &str) -> Option<(u64, BTreeMap<String, u64>)> {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let mut head = None;
    let mut lags = BTreeMap::new();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("govshare_log_head_position ") {
            head = v.trim().parse().ok();
        } else if let Some(rest) = line.strip_prefix("govshare_projection_lag_events{model=\"")
            && let Some((model, value)) = rest.split_once("\"} ")
        {
            lags.insert(model.to_owned(), value.trim().parse().unwrap_or(0));
        }
    }
    Some((head?, lags))
}

#[derive(Default)]
struct Lag {
    /// The largest lag over the models at each scrape, in events.
    events: Vec<u64>,
    /// For each scrape's head: how long until the `applications` model had applied it.
    applications: Vec<Duration>,
    /// Heads never reached before the load ended.
    unreached: usize,
}

/// Scrapes `base` every 250 ms until `stop`.
async fn sample_lag(http: reqwest::Client, base: String, stop: Arc<AtomicBool>) -> Lag {
    let mut lag = Lag::default();
    let mut pending: VecDeque<(Instant, u64)> = VecDeque::new();
    while !stop.load(Ordering::Relaxed) {
        let at = Instant::now();
        if let Some((head, lags)) = scrape(&http, &base).await {
            lag.events.push(lags.values().copied().max().unwrap_or(0));
            let applied = head.saturating_sub(lags.get("applications").copied().unwrap_or(0));
            while pending.front().is_some_and(|&(_, h)| h <= applied) {
                let (then, _) = pending.pop_front().unwrap();
                lag.applications.push(at.saturating_duration_since(then));
            }
            if applied < head {
                pending.push_back((at, head));
            } else {
                lag.applications.push(Duration::ZERO);
            }
        }
        tokio::time::sleep_until((at + Duration::from_millis(250)).into()).await;
    }
    lag.unreached = pending.len();
    lag
}

/// Waits until every read model has applied the head (the catch-up after a server starts).
async fn caught_up(http: &reqwest::Client, base: &str) {
    let begin = Instant::now();
    loop {
        if let Some((_, lags)) = scrape(http, base).await
            && !lags.is_empty()
            && lags.values().all(|&l| l == 0)
        {
            return;
        }
        assert!(
            begin.elapsed() < Duration::from_secs(3 * 3600),
            "the read models did not catch up in 3 hours"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// One window of load
// ---------------------------------------------------------------------------------------------

struct Window {
    label: String,
    clients: usize,
    servers: usize,
    load_before: String,
    elapsed: f64,
    head_before: u64,
    head_after: u64,
    commands: Vec<Duration>,
    queries: Vec<Duration>,
    ops: BTreeMap<&'static str, usize>,
    errors: BTreeMap<String, usize>,
    grant_waits: Vec<Duration>,
    abandoned: usize,
    lag: Lag,
    /// Peak resident set of each server, in kB, once caught up and at the end.
    hwm_ready_kb: Vec<u64>,
    hwm_kb: Vec<u64>,
    /// CPU per operation: the servers, PostgreSQL, this process (the clients).
    server_us: f64,
    database_us: Option<f64>,
    client_us: f64,
    busy: f64,
    catch_up: Duration,
    prefill: Option<Prefill>,
    db_bytes: Option<u64>,
}

/// Starts `servers` servers on `database` (already holding the province), waits for the read models to
/// catch up, runs `clients` clients for `secs` split evenly over the servers, stops the servers.
#[allow(clippy::too_many_arguments)]
async fn window(
    label: String,
    database: &str,
    servers: usize,
    clients: usize,
    secs: f64,
    tag: &str,
    seed: u64,
    cluster: Option<&PgCluster>,
) -> Window {
    let http = reqwest::Client::builder()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let load_before = load_average();
    eprintln!("{label}: starting {servers} server(s) (load average {load_before})");
    let begin = Instant::now();
    let mut running = Vec::new();
    for n in 0..servers {
        // One token table: the first server issues every client's tokens, valid on both.
        let actors = if n == 0 {
            token_actors(clients)
        } else {
            vec![]
        };
        running.push(Server::start(database, &actors, false).await.unwrap());
    }
    caught_up(&http, &running[0].base).await;
    let catch_up = begin.elapsed();
    eprintln!(
        "{label}: read models caught up in {:.1} s",
        catch_up.as_secs_f64()
    );
    let pids: Vec<String> = running.iter().map(|s| s.pid().to_string()).collect();
    let hwm_ready_kb = pids.iter().map(|p| status_kb(p, "VmHWM:")).collect();
    let tokens = running[0].tokens.clone();
    let targets: Vec<Arc<Client>> = (0..clients)
        .map(|c| {
            Arc::new(Client {
                http: http.clone(),
                base: running[c % servers].base.clone(),
                tokens: tokens[c].clone(),
            })
        })
        .collect();
    let head_before = scrape(&http, &running[0].base).await.map_or(0, |(h, _)| h);

    let server_cpu = |pids: &[String]| pids.iter().map(|p| process_cpu(p)).sum::<Duration>();
    let cpu_servers = server_cpu(&pids);
    let cpu_db = cluster.map(PgCluster::server_cpu);
    let cpu_self = process_cpu("self");
    let machine = machine_cpu();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn(sample_lag(
        http.clone(),
        running[0].base.clone(),
        stop.clone(),
    ));
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(secs);
    let tasks: Vec<_> = targets
        .iter()
        .enumerate()
        .map(|(i, target)| tokio::spawn(client(target.clone(), i, tag.to_owned(), seed, deadline)))
        .collect();
    let mut commands = Vec::new();
    let mut queries = Vec::new();
    let mut ops = BTreeMap::new();
    let mut errors = BTreeMap::new();
    let mut grant_waits = Vec::new();
    let mut abandoned = 0;
    for task in tasks {
        let run = task.await.unwrap();
        grant_waits.extend(run.grant_waits);
        abandoned += run.abandoned;
        commands.extend(run.commands);
        queries.extend(run.queries);
        for (k, v) in run.ops {
            *ops.entry(k).or_default() += v;
        }
        for (k, v) in run.errors {
            *errors.entry(k).or_default() += v;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let busy = busy_between(machine, machine_cpu());
    let total = (commands.len() + queries.len()).max(1) as f64;
    let per_op = |d: Duration| d.as_secs_f64() * 1e6 / total;
    let client_us = per_op(process_cpu("self").saturating_sub(cpu_self));
    let server_us = per_op(server_cpu(&pids).saturating_sub(cpu_servers));
    let database_us = cluster
        .zip(cpu_db)
        .map(|(c, before)| per_op(c.server_cpu().saturating_sub(before)));
    stop.store(true, Ordering::Relaxed);
    let lag = sampler.await.unwrap();
    let head_after = scrape(&http, &running[0].base).await.map_or(0, |(h, _)| h);
    let hwm_kb = pids.iter().map(|p| status_kb(p, "VmHWM:")).collect();
    drop(targets);
    drop(http);
    for server in running {
        tokio::task::spawn_blocking(move || server.stop())
            .await
            .unwrap();
    }
    commands.sort_unstable();
    queries.sort_unstable();
    grant_waits.sort_unstable();
    let w = Window {
        label,
        clients,
        servers,
        load_before,
        elapsed,
        head_before,
        head_after,
        commands,
        queries,
        ops,
        errors,
        grant_waits,
        abandoned,
        lag,
        hwm_ready_kb,
        hwm_kb,
        server_us,
        database_us,
        client_us,
        busy,
        catch_up,
        prefill: None,
        db_bytes: None,
    };
    // As it happens, in case a later part fails.
    eprintln!("{}\n{}", throughput_row(&w), resources_row(&w));
    w
}

// ---------------------------------------------------------------------------------------------
// The pre-fill
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Prefill {
    /// Events and commands recorded, and the time it took.
    events: u64,
    commands: u64,
    secs: f64,
    /// The head when it ended.
    head: u64,
    /// Stopped by the size cap before the target.
    capped: bool,
}

/// Records the province on a new database through the engine in this process.
async fn provision(database: &str) {
    let engine = Engine::open(bench_province::engine_config(database))
        .await
        .unwrap();
    bench_province::record(&engine, EXTRA_ENTRIES)
        .await
        .unwrap();
}

/// Grows the log to at least `target` events through `Engine::execute` in this process: `tasks` callers
/// each take whole cases (submission to provision, the grant issued by the authority, two uses, one in
/// four with a verification) one after the other, until the head reaches `target` or the SQLite file
/// `size_of` reports passes `max_bytes`.
async fn prefill(
    database: &str,
    target: u64,
    tasks: usize,
    tag: &str,
    size_of: impl Fn() -> Option<u64>,
    max_bytes: u64,
) -> Prefill {
    let engine = Engine::open(bench_province::engine_config(database))
        .await
        .unwrap();
    let start = engine.store().head().await.unwrap().position;
    if start >= target {
        return Prefill {
            events: 0,
            commands: 0,
            secs: 0.0,
            head: start,
            capped: false,
        };
    }
    eprintln!("pre-filling from {start} to {target} events");
    let stop = Arc::new(AtomicBool::new(false));
    let begin = Instant::now();
    let workers: Vec<_> = (0..tasks)
        .map(|k| {
            let engine = engine.clone();
            let stop = stop.clone();
            let tag = tag.to_owned();
            tokio::spawn(async move {
                let mut rng = Rng(0x5EED ^ k as u64);
                let mut commands = 0u64;
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let mut case = Case::new(&tag, k, n, &mut rng);
                    n += 1;
                    loop {
                        let (who, command) = case.command(k);
                        let (department, role, person) = actor(k, who);
                        let step = case.step;
                        engine
                            .execute(CommandRequest::new(
                                Uuid::new_v4(),
                                province::code(&department),
                                PersonId(person),
                                role,
                                command,
                            ))
                            .await
                            .unwrap_or_else(|e| panic!("pre-fill, {}: {e}", step.name()));
                        commands += 1;
                        if !case.advance(true) {
                            break;
                        }
                    }
                }
                commands
            })
        })
        .collect();
    let mut capped = false;
    let mut last_report = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let head = engine.store().head().await.unwrap().position;
        if head >= target {
            break;
        }
        if size_of().is_some_and(|b| b > max_bytes) {
            capped = true;
            break;
        }
        if last_report.elapsed() > Duration::from_secs(30) {
            last_report = Instant::now();
            eprintln!(
                "  {head} events, {:.0} events/s",
                (head - start) as f64 / begin.elapsed().as_secs_f64()
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut commands = 0;
    for worker in workers {
        commands += worker.await.unwrap();
    }
    let secs = begin.elapsed().as_secs_f64();
    let events = engine.store().head().await.unwrap().position - start;
    eprintln!(
        "pre-filled {events} events ({commands} commands) in {secs:.1} s{}",
        if capped {
            ", stopped by the size cap"
        } else {
            ""
        }
    );
    drop(engine);
    // Let the store's writer finish closing before a server opens the file.
    tokio::time::sleep(Duration::from_millis(500)).await;
    Prefill {
        events,
        commands,
        secs,
        head: start + events,
        capped,
    }
}

/// The SQLite file and its WAL, in bytes.
fn sqlite_bytes(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?.to_owned();
    let dir = path.parent()?;
    let mut total = 0;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        if entry
            .file_name()
            .to_str()
            .is_some_and(|f| f.starts_with(&name))
        {
            total += entry.metadata().map_or(0, |m| m.len());
        }
    }
    Some(total)
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

fn part(name: &str) -> bool {
    selected("GOVSHARE_LOAD_ONLY", name)
}

fn main() {
    if serve_if_child() {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bench());
}

async fn bench() {
    let short = std::env::var("GOVSHARE_LOAD_SHORT").is_ok_and(|s| s == "1");
    let secs = env_f64("GOVSHARE_LOAD_SECS", if short { 15.0 } else { 120.0 });
    let growth_secs = env_f64("GOVSHARE_LOAD_GROWTH_SECS", if short { 15.0 } else { 60.0 });
    let clients = env_f64("GOVSHARE_LOAD_CLIENTS", 32.0) as usize;
    let seed = env_f64("GOVSHARE_LOAD_SEED", 1.0) as u64;
    let tasks = env_f64("GOVSHARE_LOAD_PREFILL_TASKS", 32.0) as usize;
    let max_bytes = (env_f64("GOVSHARE_LOAD_MAX_DB_MB", 1800.0) * 1024.0 * 1024.0) as u64;
    let sizes: Vec<u64> = std::env::var("GOVSHARE_LOAD_GROWTH")
        .ok()
        .map(|s| s.split(',').filter_map(|c| c.trim().parse().ok()).collect())
        .unwrap_or_else(|| {
            if short {
                vec![2_000, 10_000]
            } else {
                vec![10_000, 100_000, 500_000, 1_000_000]
            }
        });
    let growth_on = |backend: &str| {
        std::env::var("GOVSHARE_LOAD_GROWTH_ON")
            .unwrap_or_else(|_| "sqlite".into())
            .split(',')
            .any(|b| b.trim() == backend)
    };
    let dir = tempfile::tempdir().unwrap();
    eprintln!("timing fsync in {}", dir.path().display());
    let (fsync, fdatasync) = fsync_rate(dir.path()).unwrap();
    let date = Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
    let needs_postgres =
        part("postgres") || part("two") || (part("growth") && growth_on("postgres"));
    let cluster =
        needs_postgres.then(|| PgCluster::start().unwrap_or_else(|e| panic!("PostgreSQL: {e}")));

    let mut rows = Vec::new();
    if part("sqlite") {
        let path = dir.path().join("load.db");
        let database = path.display().to_string();
        provision(&database).await;
        let mut w = window(
            "SQLite".into(),
            &database,
            1,
            clients,
            secs,
            "L1",
            seed,
            None,
        )
        .await;
        w.db_bytes = sqlite_bytes(&path);
        rows.push(w);
        remove_sqlite(&path);
    }
    if let Some(cluster) = cluster.as_ref() {
        if part("postgres") {
            let database = cluster.fresh_database("load").await.unwrap();
            provision(&database).await;
            rows.push(
                window(
                    "PostgreSQL".into(),
                    &database,
                    1,
                    clients,
                    secs,
                    "L2",
                    seed,
                    Some(cluster),
                )
                .await,
            );
        }
        if part("two") {
            let database = cluster.fresh_database("load").await.unwrap();
            provision(&database).await;
            rows.push(
                window(
                    "PostgreSQL, two servers".into(),
                    &database,
                    2,
                    clients,
                    secs,
                    "L3",
                    seed,
                    Some(cluster),
                )
                .await,
            );
        }
    }

    let mut growth = Vec::new();
    let mut stopped = None;
    if part("growth") {
        for backend in ["SQLite", "PostgreSQL"] {
            let on_postgres = backend == "PostgreSQL";
            if !growth_on(if on_postgres { "postgres" } else { "sqlite" }) {
                continue;
            }
            let path = dir.path().join("growth.db");
            let database = match cluster.as_ref().filter(|_| on_postgres) {
                Some(c) => c.fresh_database("growth").await.unwrap(),
                None => path.display().to_string(),
            };
            provision(&database).await;
            let size_of = || {
                if on_postgres {
                    None
                } else {
                    sqlite_bytes(&path)
                }
            };
            for (i, &size) in sizes.iter().enumerate() {
                let filled =
                    prefill(&database, size, tasks, &format!("P{i}"), size_of, max_bytes).await;
                let label = if filled.capped {
                    stopped = Some(format!(
                        "{backend}: the pre-fill towards {size} events stopped at {} events, when the \
                         database passed {} MiB",
                        filled.head,
                        max_bytes / (1024 * 1024)
                    ));
                    format!("{backend}, {} events (size cap)", filled.head)
                } else {
                    format!("{backend}, {size} events")
                };
                let mut w = window(
                    label,
                    &database,
                    1,
                    clients,
                    growth_secs,
                    &format!("G{i}"),
                    seed,
                    cluster.as_ref().filter(|_| on_postgres),
                )
                .await;
                w.prefill = Some(filled);
                w.db_bytes = size_of();
                growth.push(w);
                if filled.capped {
                    break;
                }
            }
            if !on_postgres {
                remove_sqlite(&path);
            }
        }
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    report(
        &rows,
        &growth,
        stopped,
        secs,
        growth_secs,
        clients,
        cpus,
        fsync,
        fdatasync,
        &date,
    );
    drop(cluster);
}

fn remove_sqlite(path: &Path) {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    if let Some(dir) = path.parent()
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_str()
                .is_some_and(|f| f.starts_with(name))
            {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The tables
// ---------------------------------------------------------------------------------------------

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

fn secs1(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64())
}

fn mib(kb: u64) -> String {
    format!("{:.0}", kb as f64 / 1024.0)
}

fn latencies(sorted: &[Duration]) -> String {
    format!(
        "{} / {} / {}",
        ms(quantile(sorted, 0.50)),
        ms(quantile(sorted, 0.99)),
        ms(quantile(sorted, 0.999))
    )
}

fn join_mib(kbs: &[u64]) -> String {
    kbs.iter().map(|&k| mib(k)).collect::<Vec<_>>().join(" + ")
}

fn throughput_row(w: &Window) -> String {
    let ops = w.commands.len() + w.queries.len();
    format!(
        "| {} | {} → {} | {} | {:.0} | {:.0} | {:.0} | {} | {} | {} | {} |",
        w.label,
        w.head_before,
        w.head_after,
        w.clients,
        ops as f64 / w.elapsed,
        w.commands.len() as f64 / w.elapsed,
        w.queries.len() as f64 / w.elapsed,
        latencies(&w.commands),
        latencies(&w.queries),
        w.errors.values().sum::<usize>(),
        w.load_before,
    )
}

fn resources_row(w: &Window) -> String {
    let mut events = w.lag.events.clone();
    events.sort_unstable();
    let mut apps = w.lag.applications.clone();
    apps.sort_unstable();
    let pick = |q: f64| {
        events
            .get(((events.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0)
    };
    let database = w
        .database_us
        .map_or_else(|| "—".to_owned(), |us| format!("{us:.0}"));
    format!(
        "| {} | {} / {} | {} / {} / {}{} | {:.1} s | {} → {} | {:.0} | {} | {:.0} | {:.0} % |",
        w.label,
        pick(0.5),
        events.last().copied().unwrap_or(0),
        ms(quantile(&apps, 0.5)),
        ms(quantile(&apps, 0.99)),
        ms(apps.last().copied().unwrap_or_default()),
        if w.lag.unreached > 0 {
            format!(" ({} unreached)", w.lag.unreached)
        } else {
            String::new()
        },
        w.catch_up.as_secs_f64(),
        join_mib(&w.hwm_ready_kb),
        join_mib(&w.hwm_kb),
        w.server_us,
        database,
        w.client_us,
        w.busy * 100.0,
    )
}

#[allow(clippy::too_many_arguments)]
fn report(
    rows: &[Window],
    growth: &[Window],
    stopped: Option<String>,
    secs: f64,
    growth_secs: f64,
    clients: usize,
    cpus: usize,
    fsync: f64,
    fdatasync: f64,
    date: &str,
) {
    println!();
    println!(
        "Started {date}; `nproc` = {cpus}; fsync: {fsync:.0} File::sync_all/s, {fdatasync:.0} \
         File::sync_data/s (8 kB overwrite, the bench's directory); {clients} clients; {secs} s per \
         configuration, {growth_secs} s per log size."
    );
    let throughput_header = || {
        println!();
        println!(
            "| configuration | log events (start → end) | clients | operations/s | commands/s | queries/s | command p50 / p99 / p99.9 ms | query p50 / p99 / p99.9 ms | refused | load average before |"
        );
        println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    };
    let resources_header = || {
        println!();
        println!(
            "| configuration | read-model lag, events p50 / max | `applications` lag p50 / p99 / max ms | catch-up at start | server VmHWM MiB (caught up → end) | server CPU µs/op | PostgreSQL CPU µs/op | clients' CPU µs/op | machine busy |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    };
    if !rows.is_empty() {
        println!();
        println!("Configurations:");
        throughput_header();
        rows.iter().for_each(|w| println!("{}", throughput_row(w)));
        resources_header();
        rows.iter().for_each(|w| println!("{}", resources_row(w)));
    }
    if !growth.is_empty() {
        println!();
        println!("Growth of the log:");
        throughput_header();
        growth
            .iter()
            .for_each(|w| println!("{}", throughput_row(w)));
        resources_header();
        growth.iter().for_each(|w| println!("{}", resources_row(w)));
        println!();
        println!(
            "| size | pre-filled events | pre-fill commands | pre-fill s | pre-fill events/s | database MiB after the window |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        for w in growth {
            let p = w.prefill.unwrap_or(Prefill {
                events: 0,
                commands: 0,
                secs: 0.0,
                head: 0,
                capped: false,
            });
            println!(
                "| {} | {} | {} | {:.1} | {:.0} | {} |",
                w.label,
                p.events,
                p.commands,
                p.secs,
                p.events as f64 / p.secs.max(1e-9),
                w.db_bytes.map_or_else(
                    || "—".to_owned(),
                    |b| format!("{:.0}", b as f64 / 1048576.0)
                ),
            );
        }
    }
    if let Some(stopped) = stopped {
        println!();
        println!("Growth stopped: {stopped}.");
    }
    println!();
    println!("Operations and refusals:");
    println!();
    for w in rows.iter().chain(growth) {
        let ops: Vec<String> = w.ops.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!(
            "- {} ({} server(s), {:.0} s): {}",
            w.label,
            w.servers,
            w.elapsed,
            ops.join(", ")
        );
        for (error, count) in &w.errors {
            println!("  - refused {count} × {error}");
        }
        println!(
            "  - provision answered → first use of its grant recorded: p50 {} s, max {} s over {} grants; \
             {} case(s) given up after {MAX_DEFERRALS} refused uses or verifications",
            secs1(quantile(&w.grant_waits, 0.5)),
            secs1(w.grant_waits.last().copied().unwrap_or_default()),
            w.grant_waits.len(),
            w.abandoned,
        );
    }
}
