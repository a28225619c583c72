//! Dispatch from a stream's aggregate type (as stored) to the domain type of that kind.

/// Evaluates `$body` with the type alias `$A` bound to the aggregate kind named `$name`
/// (one of [`govshare_codec::KINDS`]); an unknown name evaluates `$unknown`.
macro_rules! with_kind {
    ($name:expr, $A:ident => $body:expr, $unknown:ident => $otherwise:expr) => {{
        use cqrs_es::Aggregate as _;
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
        let name: &str = $name;
        match name {
            n if n == OrganizationRegistry::TYPE => {
                type $A = OrganizationRegistry;
                $body
            }
            n if n == CatalogEntry::TYPE => {
                type $A = CatalogEntry;
                $body
            }
            n if n == NegativeListing::TYPE => {
                type $A = NegativeListing;
                $body
            }
            n if n == PublishedCatalog::TYPE => {
                type $A = PublishedCatalog;
                $body
            }
            n if n == CollectionList::TYPE => {
                type $A = CollectionList;
                $body
            }
            n if n == ShareApplication::TYPE => {
                type $A = ShareApplication;
                $body
            }
            n if n == Grant::TYPE => {
                type $A = Grant;
                $body
            }
            n if n == Verification::TYPE => {
                type $A = Verification;
                $body
            }
            n if n == SecurityIncident::TYPE => {
                type $A = SecurityIncident;
                $body
            }
            n if n == ThirdPartyEngagement::TYPE => {
                type $A = ThirdPartyEngagement;
                $body
            }
            n if n == Supervision::TYPE => {
                type $A = Supervision;
                $body
            }
            n if n == CityPlatform::TYPE => {
                type $A = CityPlatform;
                $body
            }
            n if n == AuthorizedOperation::TYPE => {
                type $A = AuthorizedOperation;
                $body
            }
            $unknown => $otherwise,
        }
    }};
}

pub(crate) use with_kind;

#[cfg(test)]
mod tests {
    #[test]
    fn every_registered_kind_is_dispatched() {
        for kind in govshare_codec::KINDS {
            let dispatched = with_kind!(kind, A => <A as cqrs_es::Aggregate>::TYPE, _other => "");
            assert_eq!(dispatched, *kind);
        }
        let unknown =
            with_kind!("NoSuchKind", A => <A as cqrs_es::Aggregate>::TYPE, other => other);
        assert_eq!(unknown, "NoSuchKind");
    }
}
