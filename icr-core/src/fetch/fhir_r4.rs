//! A FHIR R4 server searched by NHS number: `Patient?identifier=…|NHS`, then each
//! clinical resource type by `patient=`, following `next` links on the same origin,
//! then the organisations, practitioners, locations and medications those resources
//! refer to; assembled into one `collection` Bundle for ingest.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use reqwest::header::{ACCEPT, AUTHORIZATION};
use reqwest::{Client, Url};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::task::JoinSet;

use super::directory::Secret;
use super::http::Exchange;
use super::outcome::{Failure, from_operation_outcome};
use crate::identity::NhsNumber;
use crate::model::SourceStatus;

/// The clinical resource types asked for, each by `patient=`.
pub const CLINICAL_TYPES: [&str; 18] = [
    "AllergyIntolerance",
    "Condition",
    "MedicationStatement",
    "MedicationRequest",
    "Observation",
    "DiagnosticReport",
    "Immunization",
    "Procedure",
    "Encounter",
    "Appointment",
    "DocumentReference",
    "CarePlan",
    "CareTeam",
    "Flag",
    "ServiceRequest",
    "RelatedPerson",
    "Specimen",
    "EpisodeOfCare",
];

/// Resource types read by id when a clinical resource refers to them (provenance,
/// medication names).
const SUPPORTING_TYPES: [&str; 7] = [
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Location",
    "Medication",
    "Device",
    "Specimen",
];

/// How many searches one source runs at once.
const CONCURRENT_SEARCHES: usize = 4;
/// How many ids one `_id` search names.
const IDS_PER_SEARCH: usize = 50;
/// Rounds of following references (a PractitionerRole names a Practitioner).
const REFERENCE_ROUNDS: usize = 2;

/// What one R4 source returned, for the outcome.
#[derive(Debug, Default)]
pub(crate) struct R4Report {
    /// Types the server does not support (400, 404, 405 or 501 to their search).
    pub(crate) unsupported_types: Vec<String>,
}

/// One resource of a search result, kept as its raw JSON.
pub(super) struct Found {
    full_url: Option<String>,
    resource_type: String,
    id: Option<String>,
    raw: Box<RawValue>,
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(rename = "resourceType", borrow)]
    resource_type: Cow<'a, str>,
    #[serde(default, borrow)]
    entry: Vec<PageEntry<'a>>,
    #[serde(default)]
    link: Vec<Link>,
}

#[derive(Deserialize)]
struct PageEntry<'a> {
    #[serde(rename = "fullUrl", default)]
    full_url: Option<String>,
    #[serde(default, borrow)]
    resource: Option<&'a RawValue>,
    #[serde(default)]
    search: Option<SearchInfo>,
}

#[derive(Deserialize)]
struct SearchInfo {
    #[serde(default)]
    mode: Option<String>,
}

#[derive(Deserialize)]
struct Link {
    #[serde(default)]
    relation: String,
    #[serde(default)]
    url: String,
}

#[derive(Deserialize)]
struct Head {
    #[serde(rename = "resourceType")]
    resource_type: String,
    #[serde(default)]
    id: Option<String>,
}

/// A FHIR id: 1 to 64 of `A-Z a-z 0-9 - .`.
fn is_fhir_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

fn invalid(what: &str) -> Failure {
    Failure::new(SourceStatus::InvalidResponse, what.to_owned())
}

/// Reads one search page: its resources and its `next` link.
pub(super) fn read_page(body: &[u8], http: u16) -> Result<(Vec<Found>, Option<String>), Failure> {
    let page: Page<'_> = match serde_json::from_slice(body) {
        Ok(p) => p,
        Err(_) => return Err(invalid("the search result is not valid FHIR JSON")),
    };
    if page.resource_type != "Bundle" {
        return Err(from_operation_outcome(body, http)
            .unwrap_or_else(|| invalid("the search result is not a Bundle")));
    }
    let mut found = Vec::with_capacity(page.entry.len());
    for e in page.entry {
        if e.search
            .as_ref()
            .and_then(|s| s.mode.as_deref())
            .is_some_and(|m| m == "outcome")
        {
            continue;
        }
        let Some(raw) = e.resource else { continue };
        let head: Head = serde_json::from_str(raw.get())
            .map_err(|_| invalid("a search result entry is not a FHIR resource"))?;
        if head.resource_type == "OperationOutcome" {
            continue;
        }
        found.push(Found {
            full_url: e.full_url,
            resource_type: head.resource_type,
            id: head.id.filter(|id| is_fhir_id(id)),
            raw: raw.to_owned(),
        });
    }
    let next = page
        .link
        .into_iter()
        .find(|l| l.relation == "next")
        .map(|l| l.url);
    Ok((found, next))
}

/// The shared pieces of one R4 source's requests.
struct Source {
    exchange: Arc<Exchange>,
    client: Client,
    base: Url,
    bearer: Option<Secret>,
    page_size: u32,
}

impl Source {
    /// GETs `url` and every `next` page after it.
    async fn search(&self, first: Url) -> Result<Vec<Found>, Failure> {
        let mut url = first;
        let mut all = Vec::new();
        loop {
            self.exchange.budget.take_page()?;
            let get = || {
                let mut r = self
                    .client
                    .get(url.clone())
                    .header(ACCEPT, "application/fhir+json");
                if let Some(token) = &self.bearer {
                    r = r.header(AUTHORIZATION, format!("Bearer {}", token.expose()));
                }
                r
            };
            let body = self.exchange.send(&get).await?;
            let (found, next) = read_page(&body, 200)?;
            drop(body);
            all.extend(found);
            let Some(next) = next else { return Ok(all) };
            let next = self
                .base
                .join(&next)
                .map_err(|_| invalid("a paging link is not a URL"))?;
            if next.origin() != self.base.origin() {
                return Err(invalid("a paging link points to another origin"));
            }
            url = next;
        }
    }

    fn url(&self, resource_type: &str, params: &[(&str, &str)]) -> Result<Url, Failure> {
        let base = self.base.as_str().trim_end_matches('/');
        let mut url = Url::parse(&format!("{base}/{resource_type}"))
            .map_err(|_| invalid("the base URL cannot take a search"))?;
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in params {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }
}

/// Whether a failed type search means "this server does not support that type".
fn unsupported(f: &Failure) -> bool {
    matches!(f.http, Some(400 | 404 | 405 | 501))
}

/// Runs the searches `urls` with at most [`CONCURRENT_SEARCHES`] at once; a type the
/// server does not support is listed in `unsupported`, any other failure ends the source.
async fn search_many(
    source: &Arc<Source>,
    urls: Vec<(String, Url)>,
    unsupported_types: &mut Vec<String>,
) -> Result<Vec<Found>, Failure> {
    let mut pending = urls.into_iter();
    let mut running = JoinSet::new();
    let mut all = Vec::new();
    let spawn = |running: &mut JoinSet<_>, (name, url): (String, Url)| {
        let source = Arc::clone(source);
        running.spawn(async move { (name, source.search(url).await) });
    };
    for next in pending.by_ref().take(CONCURRENT_SEARCHES) {
        spawn(&mut running, next);
    }
    while let Some(joined) = running.join_next().await {
        let (name, result) =
            joined.map_err(|_| Failure::new(SourceStatus::Unavailable, "a search task failed"))?;
        match result {
            Ok(found) => all.extend(found),
            Err(f) if unsupported(&f) => unsupported_types.push(name),
            Err(f) => return Err(f),
        }
        if let Some(next) = pending.next() {
            spawn(&mut running, next);
        }
    }
    Ok(all)
}

/// `"reference": "Type/id"` values in raw JSON whose type is a supporting type.
fn references(raw: &str, base: &str, out: &mut BTreeMap<String, BTreeSet<String>>) {
    const KEY: &str = "\"reference\"";
    let mut rest = raw;
    while let Some(at) = rest.find(KEY) {
        rest = rest.get(at + KEY.len()..).unwrap_or_default();
        let after = rest.trim_start();
        let Some(after) = after.strip_prefix(':') else {
            continue;
        };
        let Some(value) = after.trim_start().strip_prefix('"') else {
            continue;
        };
        let Some(end) = value.find('"') else { break };
        let reference = value.get(..end).unwrap_or_default();
        let local = reference
            .strip_prefix(base)
            .map(|r| r.trim_start_matches('/'))
            .unwrap_or(reference);
        let mut parts = local.split('/');
        if let (Some(t), Some(id)) = (parts.next(), parts.next())
            && SUPPORTING_TYPES.contains(&t)
            && is_fhir_id(id)
            && matches!(parts.next(), None | Some("_history"))
        {
            out.entry(t.to_owned()).or_default().insert(id.to_owned());
        }
    }
}

/// Fetches the patient's record from an R4 server and assembles it as one Bundle.
pub(crate) async fn fetch(
    exchange: Arc<Exchange>,
    client: Client,
    base: Url,
    bearer: Option<Secret>,
    page_size: u32,
    patient: &NhsNumber,
    report: &mut R4Report,
) -> Result<Vec<u8>, Failure> {
    let source = Arc::new(Source {
        exchange,
        client,
        base,
        bearer,
        page_size,
    });
    let count = source.page_size.to_string();
    let identifier = format!("https://fhir.nhs.uk/Id/nhs-number|{}", patient.as_str());
    let url = source.url("Patient", &[("identifier", &identifier)])?;
    let patients: Vec<Found> = source
        .search(url)
        .await?
        .into_iter()
        .filter(|f| f.resource_type == "Patient")
        .collect();
    if patients.is_empty() {
        return Err(Failure::new(
            SourceStatus::PatientNotFound,
            "the source has no patient with this NHS number",
        ));
    }
    let ids: Vec<String> = patients
        .iter()
        .map(|p| p.id.as_ref().map(|id| format!("Patient/{id}")))
        .collect::<Option<_>>()
        .ok_or_else(|| invalid("a matching Patient has no valid id"))?;
    let subject = ids.join(",");

    let urls = CLINICAL_TYPES
        .iter()
        .map(|t| {
            let url = source.url(t, &[("patient", &subject), ("_count", &count)])?;
            Ok(((*t).to_owned(), url))
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let mut found = patients;
    found.extend(search_many(&source, urls, &mut report.unsupported_types).await?);

    let base_text = source.base.as_str().trim_end_matches('/').to_owned();
    let mut have: HashSet<(String, String)> = found
        .iter()
        .filter_map(|f| Some((f.resource_type.clone(), f.id.clone()?)))
        .collect();
    let mut scanned = 0;
    for _ in 0..REFERENCE_ROUNDS {
        let mut wanted = BTreeMap::new();
        for f in found.iter().skip(scanned) {
            references(f.raw.get(), &base_text, &mut wanted);
        }
        scanned = found.len();
        let mut urls = Vec::new();
        for (t, ids) in wanted {
            let missing: Vec<String> = ids
                .into_iter()
                .filter(|id| !have.contains(&(t.clone(), id.clone())))
                .collect();
            for chunk in missing.chunks(IDS_PER_SEARCH) {
                let url = source.url(&t, &[("_id", &chunk.join(",")), ("_count", &count)])?;
                urls.push((t.clone(), url));
            }
        }
        if urls.is_empty() {
            break;
        }
        let more = search_many(&source, urls, &mut report.unsupported_types).await?;
        for f in more {
            if let Some(id) = &f.id
                && !have.insert((f.resource_type.clone(), id.clone()))
            {
                continue;
            }
            found.push(f);
        }
    }
    report.unsupported_types.sort();
    report.unsupported_types.dedup();
    assemble(&found, &base_text)
}

/// One `collection` Bundle of the resources found (each once, the Patient first).
pub(super) fn assemble(found: &[Found], base: &str) -> Result<Vec<u8>, Failure> {
    let size: usize = found.iter().map(|f| f.raw.get().len() + 128).sum();
    let mut out = Vec::with_capacity(size + 64);
    out.extend_from_slice(br#"{"resourceType":"Bundle","type":"collection","entry":["#);
    let mut seen = HashSet::new();
    let mut first = true;
    for f in found {
        if let Some(id) = &f.id
            && !seen.insert((f.resource_type.as_str(), id.as_str()))
        {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        out.extend_from_slice(b"{");
        let full_url = match (&f.full_url, &f.id) {
            (Some(u), _) => Some(u.clone()),
            (None, Some(id)) => Some(format!("{base}/{}/{id}", f.resource_type)),
            (None, None) => None,
        };
        if let Some(u) = full_url {
            out.extend_from_slice(br#""fullUrl":"#);
            serde_json::to_writer(&mut out, &u)
                .map_err(|_| invalid("a fullUrl cannot be written"))?;
            out.push(b',');
        }
        out.extend_from_slice(br#""resource":"#);
        out.extend_from_slice(f.raw.get().as_bytes());
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pages_and_skips_outcomes() {
        let body = br#"{"resourceType":"Bundle","type":"searchset","link":[{"relation":"self","url":"x"},{"relation":"next","url":"http://h/fhir/Condition?page=2"}],
          "entry":[{"fullUrl":"http://h/fhir/Condition/1","resource":{"resourceType":"Condition","id":"1"},"search":{"mode":"match"}},
                   {"resource":{"resourceType":"OperationOutcome","issue":[]},"search":{"mode":"outcome"}},
                   {"resource":{"resourceType":"Condition","id":"bad id!"}}]}"#;
        let (found, next) = read_page(body, 200).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].id.as_deref(), Some("1"));
        assert_eq!(found[1].id, None);
        assert_eq!(next.as_deref(), Some("http://h/fhir/Condition?page=2"));
        assert_eq!(
            read_page(b"[1]", 200).err().unwrap().status,
            SourceStatus::InvalidResponse
        );
        assert_eq!(
            read_page(br#"{"resourceType":"Patient"}"#, 200)
                .err()
                .unwrap()
                .status,
            SourceStatus::InvalidResponse
        );
    }

    #[test]
    fn finds_supporting_references() {
        let mut out = BTreeMap::new();
        references(
            r#"{"recorder":{"reference" : "Practitioner/p1"},"x":{"reference":"http://h/fhir/Organization/o1/_history/2"},
               "subject":{"reference":"Patient/1"},"y":{"reference":"urn:uuid:abc"},"z":{"reference":"Location/bad id"}}"#,
            "http://h/fhir",
            &mut out,
        );
        assert_eq!(out.len(), 2);
        assert!(out["Practitioner"].contains("p1"));
        assert!(out["Organization"].contains("o1"));
    }

    #[test]
    fn assembles_one_bundle_without_duplicates() {
        let body = br#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"1"}},{"resource":{"resourceType":"Patient","id":"1"}},{"fullUrl":"urn:uuid:x","resource":{"resourceType":"Flag"}}]}"#;
        let (found, _) = read_page(body, 200).unwrap();
        let out = assemble(&found, "http://h/fhir").unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["entry"].as_array().unwrap().len(), 2);
        assert_eq!(v["entry"][0]["fullUrl"], "http://h/fhir/Patient/1");
        assert_eq!(v["entry"][1]["fullUrl"], "urn:uuid:x");
    }
}
