//! The registry of aggregate kinds: every aggregate of the domain, with its stored form.

use govshare_domain::authorized_operation::AuthorizedOperation;
use govshare_domain::catalog::CatalogEntry;
use govshare_domain::city_platform::CityPlatform;
use govshare_domain::collection_list::CollectionList;
use govshare_domain::grant::Grant;
use govshare_domain::incident::SecurityIncident;
use govshare_domain::negative_list::NegativeListing;
use govshare_domain::organization::OrganizationRegistry;
use govshare_domain::published_catalog::PublishedCatalog;
use govshare_domain::share_application::ShareApplication;
use govshare_domain::supervision::Supervision;
use govshare_domain::third_party::ThirdPartyEngagement;
use govshare_domain::verification::Verification;

use crate::Kind;

/// The aggregate type names of every kind, as streams are named in the store.
pub const KINDS: &[&str] = &[
    "OrganizationRegistry",
    "CatalogEntry",
    "NegativeListing",
    "PublishedCatalog",
    "CollectionList",
    "ShareApplication",
    "Grant",
    "Verification",
    "SecurityIncident",
    "ThirdPartyEngagement",
    "Supervision",
    "CityPlatform",
    "AuthorizedOperation",
];

macro_rules! kinds {
    ($($ty:ty => $state_version:expr),* $(,)?) => {
        $(impl Kind for $ty {
            const STATE_VERSION: u32 = $state_version;
        })*
    };
}

// State version 2 of the kinds with deadlines: the ledger remembers when each deadline was reminded of
// (`DeadlineReminded`).
kinds! {
    OrganizationRegistry => 1,
    CatalogEntry => 2,
    NegativeListing => 1,
    PublishedCatalog => 1,
    CollectionList => 1,
    ShareApplication => 2,
    Grant => 1,
    Verification => 2,
    SecurityIncident => 2,
    ThirdPartyEngagement => 1,
    Supervision => 2,
    CityPlatform => 1,
    AuthorizedOperation => 1,
}
