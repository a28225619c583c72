//! 第四、五、六、三十七条: the organization registry.

mod common;

use common::*;
use cqrs_es::test::TestFramework;
use govshare_domain::organization::{
    ChangeDepartment, DepartmentRegistered, DesignateResponsibleOffice, OrganizationCommand,
    OrganizationEvent, OrganizationRegistry, RegisterDepartment, RegisterRegion, ResponsibleOffice,
};
use govshare_domain::{CommandEnvelope, DepartmentKind, DepartmentRef, DomainError, Level};

fn region_cmd(
    code: &str,
    name: &str,
    level: Level,
    parent: Option<&str>,
) -> CommandEnvelope<OrganizationCommand> {
    cmd(
        reviewer(province_authority()),
        bj(2026, 1, 5, 10, 0),
        OrganizationCommand::RegisterRegion(RegisterRegion {
            code: region(code),
            name: name.to_owned(),
            level,
            parent: parent.map(region),
        }),
    )
}

fn dept_cmd(by: govshare_domain::Actor, d: &DepartmentRef) -> CommandEnvelope<OrganizationCommand> {
    cmd(
        by,
        bj(2026, 1, 5, 10, 0),
        OrganizationCommand::RegisterDepartment(RegisterDepartment {
            code: d.code.clone(),
            name: d.name.clone(),
            region: d.region.clone(),
            kind: d.kind,
            principal: d.principal.clone(),
        }),
    )
}

/// The demo regions (河北省, 石家庄市, 长安区, 保定市) and the provincial and Shijiazhuang bodies.
fn registry() -> Vec<OrganizationEvent> {
    let p = || reviewer(province_authority());
    history::<OrganizationRegistry>(
        services,
        vec![
            region_cmd("130000", "河北省", Level::Province, None),
            region_cmd("130100", "石家庄市", Level::City, Some("130000")),
            region_cmd("130102", "长安区", Level::County, Some("130100")),
            region_cmd("130600", "保定市", Level::City, Some("130000")),
            dept_cmd(p(), &province_authority()),
            dept_cmd(p(), &province_government()),
            dept_cmd(p(), &province_public_security()),
            dept_cmd(p(), &city_authority()),
            dept_cmd(reviewer(city_authority()), &city_public_security()),
        ],
    )
}

fn state(events: Vec<OrganizationEvent>) -> OrganizationRegistry {
    let mut registry = OrganizationRegistry::default();
    for e in events {
        cqrs_es::Aggregate::apply(&mut registry, e);
    }
    registry
}

/// 第五条: a department is registered with its region, level (the region's) and kind; the upper-level
/// authority at the time is recorded.
#[test]
fn art5_department_registered_with_level_and_upper_authority() {
    TestFramework::<OrganizationRegistry>::with(services())
        .given(registry())
        .when(dept_cmd(
            reviewer(county_authority_actor_dept()),
            &county_authority(),
        ))
        .then_expect_events(vec![OrganizationEvent::DepartmentRegistered(
            DepartmentRegistered {
                code: code("130102-data-authority"),
                name: "长安区政务服务管理办公室".to_owned(),
                region: region("130102"),
                level: Level::County,
                kind: DepartmentKind::DataAuthority,
                principal: None,
                upper_authority: Some(code("130100-data-authority")),
                by: reviewer(county_authority_actor_dept()),
                at: bj(2026, 1, 5, 10, 0),
            },
        )]);
}

/// The city authority registers bodies of its counties.
fn county_authority_actor_dept() -> DepartmentRef {
    city_authority()
}

/// 第五条: one data authority per region and level.
#[test]
fn art5_second_data_authority_in_a_region_is_refused() {
    let mut second = city_authority();
    second.code = code("130100-data-bureau");
    second.name = "石家庄市数据和政务服务局".to_owned();
    let err = when::<OrganizationRegistry>(
        services(),
        registry(),
        dept_cmd(reviewer(province_authority()), &second),
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
    // Nor can an existing department be changed into a second authority.
    let change = cmd(
        reviewer(province_authority()),
        bj(2026, 1, 6, 9, 0),
        OrganizationCommand::ChangeDepartment(ChangeDepartment {
            code: code("130100-public-security"),
            name: "石家庄市公安局".to_owned(),
            kind: DepartmentKind::DataAuthority,
            principal: None,
        }),
    );
    assert!(matches!(
        when::<OrganizationRegistry>(services(), registry(), change).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
}

/// 第五条: the upper-level authority of each body: county → city → province → national (outside).
#[test]
fn art5_upper_level_authority_of_each_body() {
    let mut events = registry();
    events.extend(history_on::<OrganizationRegistry>(
        &events,
        vec![dept_cmd(reviewer(city_authority()), &county_authority())],
    ));
    let r = state(events);
    assert_eq!(
        r.upper_authority(&code("130102-data-authority"))
            .map(|d| d.code.clone()),
        Some(code("130100-data-authority"))
    );
    assert_eq!(
        r.upper_authority(&code("130100-public-security"))
            .map(|d| d.code.clone()),
        Some(code("130000-data-authority"))
    );
    assert!(r.upper_authority(&code("130000-public-security")).is_none());
    assert_eq!(
        r.department_ref(&code("130100-public-security")),
        Some(city_public_security())
    );
}

/// 第五条: regions form the province → city → county hierarchy with valid division codes.
#[test]
fn art5_region_hierarchy_is_checked() {
    let bad_parent = region_cmd("130123", "正定县", Level::County, Some("130000"));
    assert!(matches!(
        when::<OrganizationRegistry>(services(), registry(), bad_parent).unwrap_err(),
        DomainError::Validation {
            field: "parent",
            ..
        }
    ));
    let outside = region_cmd("130681", "涿州市", Level::County, Some("130100"));
    assert!(matches!(
        when::<OrganizationRegistry>(services(), registry(), outside).unwrap_err(),
        DomainError::Validation {
            field: "parent",
            ..
        }
    ));
    assert!(govshare_domain::RegionCode::parse("13010").is_err());
    assert!(govshare_domain::RegionCode::parse("13010x").is_err());
    let duplicate = region_cmd("130100", "石家庄市", Level::City, Some("130000"));
    assert!(matches!(
        when::<OrganizationRegistry>(services(), registry(), duplicate).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
}

/// 第三十七条: a third party is bound to a registered principal department.
#[test]
fn art37_third_party_is_bound_to_a_principal() {
    let ok = when::<OrganizationRegistry>(
        services(),
        registry(),
        dept_cmd(
            reviewer(province_authority()),
            &contractor_of_public_security(),
        ),
    );
    assert!(ok.is_ok());
    let mut unbound = contractor_of_public_security();
    unbound.principal = None;
    let err = when::<OrganizationRegistry>(
        services(),
        registry(),
        dept_cmd(reviewer(province_authority()), &unbound),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "principal",
            ..
        }
    ));
    let mut unknown = contractor_of_public_security();
    unknown.principal = Some(code("130000-nobody"));
    let err = when::<OrganizationRegistry>(
        services(),
        registry(),
        dept_cmd(reviewer(province_authority()), &unknown),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "principal",
            ..
        }
    ));
}

/// 第六条: a department's leader designates its responsible office; the previous one is recorded.
#[test]
fn art6_responsible_office_designated() {
    let office = |name: &str| ResponsibleOffice {
        name: name.to_owned(),
        head: "赵敏".to_owned(),
        contact: "0311-00000000".to_owned(),
    };
    let designate = |name: &str| {
        cmd(
            leader(province_public_security()),
            bj(2026, 1, 6, 9, 0),
            OrganizationCommand::DesignateResponsibleOffice(DesignateResponsibleOffice {
                department: code("130000-public-security"),
                office: office(name),
            }),
        )
    };
    let mut events = registry();
    events.extend(history_on::<OrganizationRegistry>(
        &events,
        vec![designate("科技信息化处")],
    ));
    let next =
        when::<OrganizationRegistry>(services(), events.clone(), designate("大数据中心")).unwrap();
    assert!(
        matches!(&next[0], OrganizationEvent::ResponsibleOfficeDesignated(e) if e.previous == Some(office("科技信息化处")))
    );
    events.extend(next);
    let r = state(events);
    assert_eq!(
        r.department(&code("130000-public-security"))
            .and_then(|d| d.office.clone()),
        Some(office("大数据中心"))
    );
}

/// 第五条: changes go through commands and events too (e.g. a rename after an institutional reform).
#[test]
fn art5_department_change_recorded_with_previous_values() {
    let change = cmd(
        reviewer(province_authority()),
        bj(2026, 1, 6, 9, 0),
        OrganizationCommand::ChangeDepartment(ChangeDepartment {
            code: code("130100-data-authority"),
            name: "石家庄市数据和政务服务局".to_owned(),
            kind: DepartmentKind::DataAuthority,
            principal: None,
        }),
    );
    let events = when::<OrganizationRegistry>(services(), registry(), change).unwrap();
    assert!(
        matches!(&events[0], OrganizationEvent::DepartmentChanged(e) if e.previous_name == "石家庄市政务服务管理办公室")
    );
}
