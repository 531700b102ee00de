//! GP Connect Access Record: Structured (1.5/1.6): `POST [base]/Patient/$gpc.getstructuredrecord`
//! with a `Parameters` body, the unsigned consumer JWT and the Spine Secure Proxy headers.

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Client, RequestBuilder, Url};
use ring::rand::SecureRandom;
use serde_json::json;

use super::Requester;
use super::outcome::Failure;
use crate::identity::NhsNumber;
use crate::launch::{GP_CONNECT_LIFETIME, GpConnectClaims, mint_gp_connect_consumer_jwt};
use crate::model::SourceStatus;

/// The interaction id of the structured record request.
pub const INTERACTION_ID: &str =
    "urn:nhs:names:services:gpconnect:fhir:operation:gpc.getstructuredrecord-1";
const FHIR_JSON: &str = "application/fhir+json";
const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";

/// The `Parameters` body asking for the whole structured record: every clinical area
/// (resolved allergies, prescription issues, the three most recent consultations).
pub(crate) fn parameters(patient: &NhsNumber) -> serde_json::Value {
    let flag = |name: &str| json!({ "name": name });
    json!({
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "patientNHSNumber",
                "valueIdentifier": { "system": NHS_NUMBER_SYSTEM, "value": patient.as_str() }
            },
            {
                "name": "includeAllergies",
                "part": [{ "name": "includeResolvedAllergies", "valueBoolean": true }]
            },
            {
                "name": "includeMedication",
                "part": [{ "name": "includePrescriptionIssues", "valueBoolean": true }]
            },
            {
                "name": "includeConsultations",
                "part": [{ "name": "includeNumberOfMostRecent", "valueInteger": 3 }]
            },
            flag("includeProblems"),
            flag("includeImmunisations"),
            flag("includeUncategorisedData"),
            flag("includeInvestigations"),
            flag("includeReferrals"),
            flag("includeDiaryEntries"),
        ]
    })
}

/// A random version-4 UUID for `Ssp-TraceID`.
fn trace_id() -> String {
    let mut b = [0u8; 16];
    if ring::rand::SystemRandom::new().fill(&mut b).is_err() {
        // Not a secret: a trace id only needs to be unlikely to repeat.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        b = nanos.to_le_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(12..16).unwrap_or_default(),
        hex.get(16..20).unwrap_or_default(),
        hex.get(20..32).unwrap_or_default()
    )
}

/// Builds the request (a new `Ssp-TraceID` each time it is sent).
pub(crate) fn request(
    client: &Client,
    base: &Url,
    provider_asid: &str,
    consumer_asid: &str,
    requester: &Requester,
    patient: &NhsNumber,
) -> Result<impl Fn() -> RequestBuilder + use<>, Failure> {
    let refused = |what: &str| {
        Failure::new(
            SourceStatus::Refused,
            format!("the GP Connect request could not be made ({what})"),
        )
    };
    let issued_at = jiff::Timestamp::now().as_second();
    let claims = GpConnectClaims {
        requesting_organization_ods: requester.organisation_ods.clone(),
        requesting_practitioner_id: requester.practitioner_id.clone(),
        requested_record: patient.clone(),
        reason_for_request: "directcare".to_owned(),
        requested_scope: "patient/*.read".to_owned(),
        issued_at,
        expires_at: issued_at + GP_CONNECT_LIFETIME,
    };
    let token = mint_gp_connect_consumer_jwt(&claims, base.as_str())
        .map_err(|_| refused("consumer token"))?;
    let body = serde_json::to_vec(&parameters(patient)).map_err(|_| refused("body"))?;
    let root = base.as_str().trim_end_matches('/');
    let url = Url::parse(&format!("{root}/Patient/$gpc.getstructuredrecord"))
        .map_err(|_| refused("URL"))?;
    let client = client.clone();
    let provider_asid = provider_asid.to_owned();
    let consumer_asid = consumer_asid.to_owned();
    Ok(move || {
        client
            .post(url.clone())
            .header(ACCEPT, FHIR_JSON)
            .header(CONTENT_TYPE, FHIR_JSON)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header("Ssp-TraceID", trace_id())
            .header("Ssp-From", consumer_asid.as_str())
            .header("Ssp-To", provider_asid.as_str())
            .header("Ssp-InteractionID", INTERACTION_ID)
            .body(body.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_name_the_patient_and_every_area() {
        let nhs = NhsNumber::parse("9990000026").unwrap();
        let p = parameters(&nhs);
        let names: Vec<&str> = p["parameter"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].as_str().unwrap())
            .collect();
        assert_eq!(names[0], "patientNHSNumber");
        assert_eq!(p["parameter"][0]["valueIdentifier"]["value"], "9990000026");
        for n in [
            "includeAllergies",
            "includeMedication",
            "includeConsultations",
            "includeProblems",
            "includeImmunisations",
            "includeUncategorisedData",
            "includeInvestigations",
            "includeReferrals",
            "includeDiaryEntries",
        ] {
            assert!(names.contains(&n), "{n}");
        }
    }

    #[test]
    fn trace_ids_are_uuids() {
        let a = trace_id();
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
        assert_ne!(a, trace_id());
    }
}
