//! The shell defines no data type of its own beyond its configuration (the ICR's, its
//! trust and CIS2, a fetch's settings), its leak counters and its error: every record and enum a host gets is `icr-core`'s, defined once. Read
//! from the committed API listing (`icr-ffi/api.txt`), which the host test command checks
//! against the built library's uniffi metadata.

/// The records, enums and errors of one component of the listing.
fn types_of(api: &str, namespace: &str) -> Vec<String> {
    let mut inside = false;
    let mut found = Vec::new();
    for line in api.lines() {
        if let Some(header) = line.strip_prefix("namespace ") {
            inside = header.split_whitespace().next() == Some(namespace);
            continue;
        }
        let name = ["  record ", "  enum ", "  error ", "  custom "]
            .iter()
            .find_map(|kind| line.strip_prefix(kind));
        if let (true, Some(name)) = (inside, name) {
            found.push(
                name.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
    }
    found.sort();
    found
}

#[test]
fn the_shell_exports_only_its_configuration_and_its_error() {
    let api = include_str!("../api.txt");
    assert_eq!(
        types_of(api, "icr"),
        [
            "AuditLog",
            "Cis2Config",
            "FetchSettings",
            "IcrConfig",
            "IcrError",
            "LiveObjects",
            "Trust",
            "TrustedKey"
        ],
        "a data type defined in icr-ffi: define it in icr-core and derive its binding there"
    );
    let core = types_of(api, "icr_core");
    for expected in [
        "PatientSummary",
        "Entry",
        "Detail",
        "LaunchContext",
        "FhirDate",
    ] {
        assert!(
            core.iter().any(|t| t == expected),
            "{expected} crosses from icr-core"
        );
    }
    for shell in types_of(api, "icr") {
        assert!(!core.contains(&shell), "{shell} is defined twice");
    }
}
