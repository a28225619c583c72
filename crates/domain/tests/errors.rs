//! The refusal type (`DomainError`): "not now" refusals a scheduler retries are told apart from "never", and a
//! refusal names the article it rests on where one is known (第二、十一、十三、十九、二十、二十二、四十一条).

use govshare_domain::{DeadlineId, DeadlineRule, DomainError};

fn deadline(rule: DeadlineRule) -> DeadlineId {
    DeadlineId::new(rule, 1)
}

/// 第四十一条: a miss marked before the due instant and a miss marked while a timely extension awaits its
/// decision are retryable; every other refusal is final for that command.
#[test]
fn art41_only_not_yet_due_and_pending_extension_are_retryable() {
    let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    let retryable = [
        DomainError::NotYetDue {
            deadline: deadline(DeadlineRule::CatalogUpdate),
            due_at: at,
        },
        DomainError::ExtensionPending {
            deadline: deadline(DeadlineRule::VerificationAnswer),
        },
    ];
    for e in &retryable {
        assert!(e.is_retryable(), "{e:?}");
    }
    let fin = [
        DomainError::invalid_state("provide", "the application is withdrawn"),
        DomainError::validation("reasons", "a refusal states its reasons (第十九条)"),
        DomainError::StateSecret,
        DomainError::UnknownDeadline(deadline(DeadlineRule::CatalogUpdate)),
        DomainError::ExtensionTooLate {
            deadline: deadline(DeadlineRule::CatalogUpdate),
            due_at: at,
        },
        DomainError::ExtensionLimitReached {
            deadline: deadline(DeadlineRule::CatalogUpdate),
            allowed: 1,
        },
        DomainError::DuplicateUse {
            use_id: "use-000001".to_owned(),
        },
        DomainError::Backdated { at, latest: at },
        DomainError::InstantOutOfRange { field: "at", at },
    ];
    for e in &fin {
        assert!(!e.is_retryable(), "{e:?}");
    }
}

/// 第二、十三、二十二、四十一条: the variants that belong to one article name it.
#[test]
fn art2_art13_art22_art41_typed_refusals_name_their_article() {
    assert_eq!(DomainError::StateSecret.article(), Some("第二条"));
    assert_eq!(
        DomainError::DuplicateCollection { items: vec![] }.article(),
        Some("第十三条")
    );
    assert_eq!(
        DomainError::DuplicateUse {
            use_id: "use-1".to_owned()
        }
        .article(),
        Some("第二十二条")
    );
    assert_eq!(
        DomainError::NotYetDue {
            deadline: deadline(DeadlineRule::ShareProviderReply),
            due_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        }
        .article(),
        Some("第四十一条")
    );
    assert_eq!(
        DomainError::UnknownDeadline(deadline(DeadlineRule::CatalogUpdate)).article(),
        None
    );
}

/// 第十一、二十条: an extension refusal names the article that sets the deadline it concerns; every deadline
/// rule has one, the article its documentation names.
#[test]
fn art11_art20_extension_refusals_name_the_article_of_their_deadline() {
    let limit = |rule| {
        DomainError::ExtensionLimitReached {
            deadline: deadline(rule),
            allowed: 1,
        }
        .article()
    };
    assert_eq!(limit(DeadlineRule::CatalogUpdate), Some("第十一条"));
    assert_eq!(limit(DeadlineRule::VerificationAnswer), Some("第二十条"));
    for (rule, article) in [
        (DeadlineRule::CatalogUpdate, "第十一条"),
        (DeadlineRule::CatalogUpdateExtension, "第十一条"),
        (DeadlineRule::CatalogReview, "第十一条"),
        (DeadlineRule::ShareUnconditionalProvide, "第十九条"),
        (DeadlineRule::ShareConditionalReview, "第十九条"),
        (DeadlineRule::ShareProviderReply, "第十九条"),
        (DeadlineRule::ShareProvideAfterReply, "第十九条"),
        (DeadlineRule::ObjectionCoordination, "第十九条"),
        (DeadlineRule::ObjectionProvide, "第十九条"),
        (DeadlineRule::VerificationForward, "第二十条"),
        (DeadlineRule::VerificationAnswer, "第二十条"),
        (DeadlineRule::VerificationExtensionMax, "第二十条"),
        (DeadlineRule::ShareRouteForward, "第二十一条"),
        (DeadlineRule::IncidentInformProvider, "第三十四条"),
        (DeadlineRule::IncidentReport, "第三十四条"),
        (DeadlineRule::Rectification, "第三十九条"),
    ] {
        assert_eq!(rule.article(), Some(article), "{rule:?}");
        assert_eq!(deadline(rule).article(), Some(article), "{rule:?}");
    }
    assert_eq!(
        DeadlineId("incident_report:cyberspace".to_owned()).article(),
        Some("第三十四条")
    );
}

/// 第十九条: a validation or state refusal names the first single article its reason cites, not a joint
/// citation and not an article the regulation does not have.
#[test]
fn art19_validation_refusal_names_the_article_its_reason_cites() {
    assert_eq!(
        DomainError::validation("reasons", "a refusal states its reasons (第十九条)").article(),
        Some("第十九条")
    );
    assert_eq!(
        DomainError::invalid_state("forward", "the scenario lacks purpose (第十九条)").article(),
        Some("第十九条")
    );
    assert_eq!(
        DomainError::validation("x", "see 第十九、二十一条 and then 第三十四条").article(),
        Some("第三十四条")
    );
    assert_eq!(
        DomainError::validation("x", "民法典第二百零一条").article(),
        None
    );
    assert_eq!(DomainError::validation("x", "第").article(), None);
    assert_eq!(DomainError::validation("x", "no article").article(), None);
}
