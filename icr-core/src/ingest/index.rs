//! The resources of one document, flattened, and reference resolution over them.
//!
//! FHIR references come in many forms and suppliers use all of them: `urn:uuid:` full
//! URLs (Synthea), relative `Type/id` without any `fullUrl` (GP Connect), relative full
//! URLs (`Observation/<uuid>`, invalid but seen), absolute URLs, `#id` into `contained`,
//! and conditional `Type?identifier=system|value`. All resolve here.

use std::collections::hash_map::Entry;

use foldhash::HashMap;
use foldhash::HashMapExt;

use crate::fhir::datatypes::{Identifier, Reference};
use crate::fhir::dispatch::Resource;
use crate::fhir::lenient::{Many, Str};

/// One resource of the document with its place.
pub(crate) struct Node<'r, 'a> {
    pub resource: &'r Resource<'a>,
    /// True for resources that `resources_read` counts (entries of a Bundle, or the file's
    /// single resource), false for the outer Bundle itself.
    pub counted: bool,
}

/// The flattened document with lookup tables.
pub(crate) struct Index<'r, 'a> {
    pub nodes: Vec<Node<'r, 'a>>,
    by_full_url: HashMap<&'r str, usize>,
    by_type_id: HashMap<(&'r str, &'r str), usize>,
    /// Bare ids (no type), for suppliers that write `"reference": "<id>"`; `None` when the
    /// id is not unique across types.
    by_bare_id: HashMap<&'r str, Option<usize>>,
    by_identifier: HashMap<(&'r str, &'r str, &'r str), usize>,
    /// `(Type, id)` pairs seen more than once; the first occurrence answers references.
    pub duplicates: Vec<(&'r str, &'r str)>,
}

/// How a reference was written, for reporting without repeating its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferenceForm {
    /// `Type/id`.
    Relative,
    /// `https://…/Type/id` or a full URL.
    Absolute,
    /// `urn:uuid:…`, `urn:oid:…`.
    Urn,
    /// `#id` into `contained`.
    Contained,
    /// `Type?identifier=…`.
    Conditional,
    /// Only an identifier or display, no reference string.
    Logical,
}

impl<'r, 'a> Index<'r, 'a> {
    /// Flattens `root` (walking nested Bundles) and indexes every resource.
    pub(crate) fn build(root: &'r Resource<'a>) -> Index<'r, 'a> {
        let mut index = Index {
            nodes: Vec::new(),
            by_full_url: HashMap::new(),
            by_type_id: HashMap::new(),
            by_bare_id: HashMap::new(),
            by_identifier: HashMap::new(),
            duplicates: Vec::new(),
        };
        match root {
            Resource::Bundle(_) => index.walk_bundle(root),
            _ => index.push(root, None, true),
        }
        index
    }

    fn walk_bundle(&mut self, bundle: &'r Resource<'a>) {
        let Resource::Bundle(b) = bundle else { return };
        for entry in b.entry.iter() {
            let Some(resource) = &entry.resource else {
                continue;
            };
            self.push(resource, entry.full_url.as_ref().map(Str::as_str), true);
            if matches!(resource, Resource::Bundle(_)) {
                self.walk_bundle(resource);
            }
        }
    }

    fn push(&mut self, resource: &'r Resource<'a>, full_url: Option<&'r str>, counted: bool) {
        let at = self.nodes.len();
        self.nodes.push(Node { resource, counted });
        if let Some(url) = full_url {
            self.by_full_url.entry(url).or_insert(at);
        }
        if let (Some(t), Some(id)) = (resource.type_name(), resource.id()) {
            match self.by_type_id.entry((t, id)) {
                Entry::Occupied(_) => self.duplicates.push((t, id)),
                Entry::Vacant(v) => {
                    v.insert(at);
                }
            }
            self.by_bare_id
                .entry(id)
                .and_modify(|e| *e = None)
                .or_insert(Some(at));
            for ident in identifiers(resource) {
                if let (Some(s), Some(v)) = (&ident.system, &ident.value) {
                    self.by_identifier
                        .entry((t, s.as_str(), v.as_str()))
                        .or_insert(at);
                }
            }
        }
    }

    /// Resolves `reference` made from `from` (whose `contained` is searched for `#id`).
    pub(crate) fn resolve(
        &self,
        reference: &Reference<'a>,
        from: Option<&'r Resource<'a>>,
    ) -> Option<&'r Resource<'a>> {
        let target = reference.target();
        let Some(text) = target.reference.as_ref().map(Str::as_str) else {
            let ident = target.identifier.as_deref()?;
            return self.by_logical(ident);
        };
        if let Some(local) = text.strip_prefix('#') {
            return from?.contained().iter().find(|c| c.id() == Some(local));
        }
        if let Some(&at) = self.by_full_url.get(text) {
            return self.nodes.get(at).map(|n| n.resource);
        }
        if let Some((rtype, query)) = text.split_once('?') {
            return self.by_condition(rtype, query);
        }
        let at = match type_and_id(text) {
            Some(key) => self.by_type_id.get(&key).copied(),
            None => self.by_bare_id.get(text).copied().flatten(),
        };
        at.and_then(|at| self.nodes.get(at)).map(|n| n.resource)
    }

    fn by_condition(&self, rtype: &str, query: &str) -> Option<&'r Resource<'a>> {
        let value = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("identifier="))?;
        let (system, value) = value.split_once('|')?;
        self.by_identifier
            .get(&(rtype, system, value))
            .and_then(|&at| self.nodes.get(at))
            .map(|n| n.resource)
    }

    fn by_logical(&self, ident: &Identifier<'a>) -> Option<&'r Resource<'a>> {
        let (s, v) = (
            ident.system.as_ref()?.as_str(),
            ident.value.as_ref()?.as_str(),
        );
        self.by_identifier
            .iter()
            .find(|((_, is, iv), _)| *is == s && *iv == v)
            .and_then(|(_, &at)| self.nodes.get(at))
            .map(|n| n.resource)
    }
}

/// The form of a reference, for reports.
pub(crate) fn form_of(reference: &Reference<'_>) -> ReferenceForm {
    match reference.reference() {
        None => ReferenceForm::Logical,
        Some(t) if t.starts_with('#') => ReferenceForm::Contained,
        Some(t) if t.starts_with("urn:") => ReferenceForm::Urn,
        Some(t) if t.contains('?') => ReferenceForm::Conditional,
        Some(t) if t.contains("://") => ReferenceForm::Absolute,
        Some(_) => ReferenceForm::Relative,
    }
}

/// The resource type a reference points at, when the reference says.
pub(crate) fn target_type<'x>(reference: &'x Reference<'_>) -> Option<&'x str> {
    let text = reference.reference()?;
    if let Some((t, _)) = text.split_once('?') {
        return Some(t);
    }
    type_and_id(text).map(|(t, _)| t)
}

/// `Type/id` from a relative or absolute reference (ignoring `_history/n`). A relative
/// reference splits at its first `/`, because some suppliers put `/` inside ids.
pub(crate) fn type_and_id(text: &str) -> Option<(&str, &str)> {
    // Single-character searches first (memchr): most references have no `_` and no `:`.
    let text = if text.contains('_') {
        text.split_once("/_history/").map_or(text, |(head, _)| head)
    } else {
        text
    };
    let (rtype, id) = if has_scheme(text) {
        let mut parts = text.rsplit('/');
        let id = parts.next()?;
        (parts.next()?, id)
    } else {
        text.split_once('/')?
    };
    let is_type = rtype.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && rtype.chars().all(|c| c.is_ascii_alphanumeric());
    (is_type && !id.is_empty()).then_some((rtype, id))
}

/// True when `text` holds `://` (an absolute URL).
fn has_scheme(text: &str) -> bool {
    text.match_indices(':')
        .any(|(at, _)| text.get(at..).is_some_and(|rest| rest.starts_with("://")))
}

fn identifiers<'r, 'a>(resource: &'r Resource<'a>) -> &'r [Identifier<'a>] {
    fn of<'r, 'a>(m: &'r Many<Identifier<'a>>) -> &'r [Identifier<'a>] {
        &m.0
    }
    match resource {
        Resource::Patient(r) => of(&r.identifier),
        Resource::Organization(r) => of(&r.identifier),
        Resource::Practitioner(r) => of(&r.identifier),
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_and_id_reads_relative_absolute_and_versioned() {
        assert_eq!(type_and_id("Patient/1"), Some(("Patient", "1")));
        assert_eq!(
            type_and_id("https://x.example/fhir/Patient/1/_history/3"),
            Some(("Patient", "1"))
        );
        assert_eq!(type_and_id("urn:uuid:abc"), None);
        assert_eq!(type_and_id("patient"), None);
    }

    #[test]
    fn every_reference_form_resolves() -> Result<(), serde_json::Error> {
        let json = r#"{"resourceType":"Bundle","entry":[
          {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1"}},
          {"fullUrl":"Observation/o1","resource":{"resourceType":"Observation","id":"o1"}},
          {"resource":{"resourceType":"Practitioner","id":"d1",
             "identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"42"}]}},
          {"resource":{"resourceType":"MedicationRequest","id":"m1",
             "contained":[{"resourceType":"Medication","id":"med"}]}}
        ]}"#;
        let root: Resource = serde_json::from_str(json)?;
        let index = Index::build(&root);
        let med_request = index.nodes[3].resource;
        let r = |s: &'static str| Reference {
            reference: Some(Str(s.into())),
            ..Reference::default()
        };
        let found = |s: &'static str| {
            index
                .resolve(&r(s), Some(med_request))
                .and_then(|x| x.type_name().map(str::to_owned))
        };
        assert_eq!(found("urn:uuid:p1").as_deref(), Some("Patient"));
        assert_eq!(found("Patient/p1").as_deref(), Some("Patient"));
        assert_eq!(found("Observation/o1").as_deref(), Some("Observation"));
        assert_eq!(
            found("https://elsewhere.example/fhir/Observation/o1").as_deref(),
            Some("Observation")
        );
        assert_eq!(
            found("Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|42").as_deref(),
            Some("Practitioner")
        );
        assert_eq!(found("#med").as_deref(), Some("Medication"));
        assert_eq!(found("Patient/nope"), None);
        assert_eq!(found("o1").as_deref(), Some("Observation"));
        assert_eq!(
            form_of(&r("Practitioner?identifier=a|b")),
            ReferenceForm::Conditional
        );
        Ok(())
    }
}
