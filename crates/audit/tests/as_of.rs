//! The state of an aggregate as of an instant or a position, from the raw log.

mod common;

use common::*;
use govshare_audit::{AsOf, AuditError, as_of, as_of_json};
use govshare_domain::share_application::{ShareApplication, ShareStatus};
use govshare_store::StreamId;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art19_an_application_as_of_a_position_and_an_instant_before_provision() {
    let f = Fixture::sqlite().await;
    f.cases().await;
    let store = f.store();
    let agreed = position_of(store, "ShareApplication", APP, "ProviderAgreed").await;
    let provided = position_of(store, "ShareApplication", APP, "ShareProvided").await;

    let before = as_of::<ShareApplication>(store, APP, AsOf::Position(agreed - 1))
        .await
        .unwrap();
    assert_eq!(before.state.status(), ShareStatus::AwaitingProviderReply);
    let at_agreement = as_of::<ShareApplication>(store, APP, AsOf::Position(agreed))
        .await
        .unwrap();
    assert_eq!(at_agreement.state.status(), ShareStatus::Agreed);
    assert!(at_agreement.version > before.version);
    assert!(at_agreement.last_position.unwrap() <= agreed);

    // By instant: everything recorded up to the agreement's instant, and nothing of the provision.
    let instant = at_agreement.last_recorded_at.unwrap();
    let by_instant = as_of::<ShareApplication>(store, APP, AsOf::Instant(instant))
        .await
        .unwrap();
    assert_eq!(by_instant.state.status(), ShareStatus::Agreed);
    assert!(by_instant.last_position.unwrap() < provided);

    let now = as_of::<ShareApplication>(store, APP, AsOf::Head)
        .await
        .unwrap();
    assert_eq!(now.state.status(), ShareStatus::Provided);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kind_erased_state_is_the_typed_state_as_json() {
    let f = Fixture::sqlite().await;
    f.cases().await;
    let store = f.store();
    for (kind, id) in [
        ("ShareApplication", APP),
        ("Grant", GRANT),
        ("Verification", VERIFICATION),
        ("OrganizationRegistry", govshare_engine::REGISTRY_ID),
        ("CatalogEntry", POPULATION),
    ] {
        let json = as_of_json(store, &StreamId::new(kind, id), AsOf::Head)
            .await
            .unwrap();
        assert!(json.version > 0, "{kind}/{id}");
        assert_eq!(json.stream, StreamId::new(kind, id));
        if kind == "ShareApplication" {
            let typed = as_of::<ShareApplication>(store, id, AsOf::Head)
                .await
                .unwrap();
            assert_eq!(json.state, serde_json::to_value(&typed.state).unwrap());
        }
    }
    let unknown = as_of_json(store, &StreamId::new("Nothing", "x"), AsOf::Head)
        .await
        .unwrap_err();
    assert!(matches!(unknown, AuditError::UnknownKind(ref k) if k == "Nothing"));
    let empty = as_of::<ShareApplication>(store, "SA-NONE", AsOf::Head)
        .await
        .unwrap();
    assert_eq!(empty.version, 0);
    assert_eq!(empty.last_position, None);
    assert_eq!(empty.state.status(), ShareStatus::New);
}
