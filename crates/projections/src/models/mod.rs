//! The read models: one module per projection, each with its typed queries.
//!
//! [`all`] lists every projection of this crate, for [`crate::start`].

use std::sync::Arc;

use crate::projection::Projection;

pub mod aggregation;
pub mod applications;
pub mod assessment;
pub mod audit;
pub mod catalog;
pub mod collection;
pub mod deadlines;
pub mod grants;
pub mod incidents;
pub mod liabilities;
pub mod negative_list;
pub mod rectifications;
pub mod third_parties;
pub(crate) mod util;
pub mod verifications;

/// Every read model of this crate.
pub fn all() -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(audit::AuditTrail),
        Arc::new(deadlines::DeadlinesProjection),
        Arc::new(applications::ApplicationsProjection),
        Arc::new(catalog::CatalogProjection),
        Arc::new(grants::GrantsProjection),
        Arc::new(negative_list::NegativeListProjection),
        Arc::new(collection::CollectionProjection),
        Arc::new(aggregation::AggregationProjection),
        Arc::new(verifications::VerificationsProjection),
        Arc::new(incidents::IncidentsProjection),
        Arc::new(rectifications::RectificationsProjection),
        Arc::new(third_parties::ThirdPartiesProjection),
        Arc::new(liabilities::LiabilitiesProjection),
        Arc::new(assessment::AssessmentProjection),
    ]
}
