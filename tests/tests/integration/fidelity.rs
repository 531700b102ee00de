//! Clinical fidelity (issue #13): for EMIS, TPP and Medicus (GP Connect STU3) and Synthea
//! (R4) files of the corpus, the summary the registered GP receives is compared, item by
//! item, with facts made here from the raw FHIR.
//!
//! The checks are independent of the SDK: the expected facts are computed in this file
//! from the document as a plain `serde_json::Value`, by the rules below; the SDK is used
//! only as a host uses it (ingest, merge, a GP session's summary, which must withhold
//! nothing), and the summary is compared as the JSON hosts receive. Items are found by
//! their provenance (`source_ref`), so a fact folded into the wrong item, lost or split
//! fails. No expected value comes from an SDK run; a test fails when it checked nothing of
//! a kind it is meant to check, and [`every_check_can_fail`] makes each check fail.
//!
//! Rules (`entered-in-error` resources and those about another patient are left out):
//! - **allergies**: one item per allergen code and status (`active`; `resolved` for
//!   resolved, inactive, or contained in a List without a status), "no known allergy"
//!   codes excepted, with each reaction (manifestations as text, display or chosen
//!   description; a null-flavour manifestation says nothing, but its reaction and severity
//!   stay) and the highest criticality (high > unable-to-assess > low).
//! - **medications**: one item per medicine (SNOMED CT code; a GP2GP transfer-degraded
//!   code with its text). A course per authorisation (`MedicationRequest` intent `plan`
//!   that a `MedicationStatement` names in `basedOn`), per statement without one, and per
//!   request no statement claims; a supply per order `basedOn` a plan. `issues` counts the
//!   supplies, whose quantities (value and unit, or value and `MedicationQuantityText`)
//!   appear in the courses.
//! - **problems**: conditions of one code and state (active or not) are one item when
//!   their episodes overlap (onset to abatement, a partial date covering its month or
//!   year) or neither has an onset; separate episodes stay separate items.
//! - **results**: a numeric result's flag comes from its coded interpretation; without
//!   one, from its value against its one numeric reference range (in its unit, or
//!   without one): `low`, `high`, `normal`, basis `reference-range`; else no flag. A
//!   result is looked for in its report's item (directly or in a test group), else its own.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Debug;

use icr_core::IngestOptions;
use icr_test_support::json::arr;
use jiff::civil::Date;
use serde_json::{Value, json};

use crate::host::Host;
use crate::{corpus_dir, loud};

const NO_KNOWN_ALLERGY: [&str; 4] = ["716186003", "409137002", "428607008", "429625007"];
/// GP2GP transfer-degraded codes (GP Connect guidance): the original term is the text.
const DEGRADED: &str = "196411000000103 196421000000109 196431000000106 196441000000102 \
    196451000000104 196461000000101 196471000000108";
/// v2-0078 interpretation codes and the flag each means.
#[rustfmt::skip]
const INTERPRETATIONS: [(&str, &str); 7] = [("H", "high"), ("L", "low"), ("N", "normal"),
    ("A", "abnormal"), ("HH", "critical-high"), ("LL", "critical-low"), ("AA", "critical-abnormal")];
const SNOMED: &str = "http://snomed.info/sct";
const CRITICALITY: [&str; 3] = ["low", "unable-to-assess", "high"];
/// A valid test NHS number given to the Synthea patients, who have none: a session needs one.
const TEST_NHS: &str = "9434765919";
const EMIS: &str = "gpconnect/supplier_EMIS_9730147019_full.json";
const TPP: [&str; 2] = [
    "gpconnect/supplier_TPP_9465699896_full.json",
    "gpconnect/supplier_TPP_9465699012_full.json",
];
const MEDICUS: &str = "gpconnect/supplier_Medicus_9693646525_full.json";
const SYNTHEA: [&str; 2] = [
    "synthea/Margie619_Hettinger594_29428a22-5f03-492e-83bb-da34bb2a12c9.json",
    "synthea/Versie_Botsford_56121408-15fe-47a5-8279-6f05dee51464.json",
];

/// The first string at any of the JSON pointers.
fn at<'a>(v: &'a Value, pointers: &[&str]) -> Option<&'a str> {
    pointers.iter().find_map(|p| v.pointer(p)?.as_str())
}

/// The strings of one field of an array's elements.
fn each<'a>(v: &'a Value, field: &'a str) -> impl Iterator<Item = &'a str> {
    arr(v).iter().filter_map(move |x| x[field].as_str())
}

/// A number, also when sent as a string (as Medicus does).
fn num(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_str()?.trim().parse().ok())
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// `Type/id` of a resource, as provenance names it.
fn key(r: &Value) -> String {
    format!("{}/{}", text(&r["resourceType"]), text(&r["id"]))
}

/// A code given as a string (STU3) or as a CodeableConcept (R4).
fn code_of(v: &Value) -> Option<&str> {
    v.as_str().or(v["coding"][0]["code"].as_str())
}

/// The references of a reference list, or of a single object as some suppliers send.
fn refs(v: &Value) -> Vec<&str> {
    let all = v.as_array().map_or(std::slice::from_ref(v), Vec::as_slice);
    all.iter().filter_map(|r| r["reference"].as_str()).collect()
}

/// The extension whose URL ends with `url`.
fn ext<'a>(v: &'a Value, url: &str) -> Option<&'a Value> {
    let named = |e: &&Value| e["url"].as_str().is_some_and(|u| u.ends_with(url));
    arr(&v["extension"]).iter().find(named)
}

/// The raw FHIR of one file: top-level resources, and allergies contained in Lists.
struct Fhir {
    res: Vec<Value>,
    contained: BTreeSet<usize>,
    by_ref: HashMap<String, usize>,
    patient: BTreeSet<String>,
}

impl Fhir {
    fn new(doc: &Value) -> Fhir {
        let (mut res, mut contained) = (Vec::new(), BTreeSet::new());
        let (mut by_ref, mut patient) = (HashMap::new(), BTreeSet::new());
        for e in arr(&doc["entry"]) {
            let url = e["fullUrl"].as_str().map(str::to_owned);
            for name in [Some(key(&e["resource"])), url].into_iter().flatten() {
                if e["resource"]["resourceType"] == "Patient" {
                    patient.insert(name.clone());
                }
                by_ref.insert(name, res.len());
            }
            res.push(e["resource"].clone());
        }
        let entries = arr(&doc["entry"]).iter();
        for c in entries.flat_map(|e| arr(&e["resource"]["contained"])) {
            let allergy = c["resourceType"] == "AllergyIntolerance";
            if allergy && !by_ref.contains_key(&key(c)) {
                by_ref.insert(key(c), res.len());
                contained.insert(res.len());
                res.push(c.clone());
            }
        }
        Fhir {
            res,
            contained,
            by_ref,
            patient,
        }
    }

    /// Resources of one type with their positions: not entered in error, about the patient.
    fn of(&self, kind: &str) -> Vec<(usize, &Value)> {
        let mut out = Vec::new();
        for (i, r) in self.res.iter().enumerate() {
            let subject = at(r, &["/subject/reference", "/patient/reference"]);
            let ours = |s: &str| self.patient.iter().any(|p| s.ends_with(p.as_str()));
            let wrong = [&r["status"], &r["verificationStatus"]];
            let wrong = wrong.iter().any(|v| code_of(v) == Some("entered-in-error"));
            if r["resourceType"] == kind && subject.is_none_or(ours) && !wrong {
                out.push((i, r));
            }
        }
        out
    }

    fn resolve(&self, reference: &str) -> Option<usize> {
        if let Some(&i) = self.by_ref.get(reference) {
            return Some(i);
        }
        let mut parts = reference.rsplitn(3, '/');
        let (id, kind) = (parts.next()?, parts.next()?);
        self.by_ref.get(&format!("{kind}/{id}")).copied()
    }

    /// The resources a reference list (or a single reference) names.
    fn targets(&self, v: &Value) -> Vec<usize> {
        let found = refs(v).into_iter().map(|r| self.resolve(r));
        found.flatten().collect()
    }
}

/// What identifies a concept: its SNOMED CT code (else its first coding's code), with the
/// text for a transfer-degraded code; and the code itself. Without a code, both are "",
/// which no item's code is: an uncoded resource is reported.
fn concept(cc: &Value) -> Option<(String, String)> {
    let codings = arr(&cc["coding"]);
    let snomed = codings.iter().find(|c| c["system"] == SNOMED);
    let chosen = snomed.or(codings.first())?;
    let code = chosen["code"].as_str()?.trim().to_owned();
    if !DEGRADED.split_whitespace().any(|d| d == code) {
        return Some((code.clone(), code));
    }
    let words = cc["text"].as_str().or(chosen["display"].as_str());
    let words: Vec<&str> = words.unwrap_or("").split_whitespace().collect();
    Some((format!("{code}|{}", words.join(" ").to_lowercase()), code))
}

/// The words a concept may be shown by: its text, and each coding's display and chosen
/// description (GP Connect's `descriptionDisplay`).
fn words(cc: &Value) -> BTreeSet<String> {
    let mut out: BTreeSet<&str> = cc["text"].as_str().into_iter().collect();
    for c in arr(&cc["coding"]) {
        out.extend(c["display"].as_str());
        for e in arr(&c["extension"]) {
            let chosen = ext(e, "descriptionDisplay");
            out.extend(chosen.and_then(|d| d["valueString"].as_str()));
        }
    }
    out.into_iter().map(str::to_owned).collect()
}

/// A null flavour ("NoInformation") says nothing about what happened.
fn null_flavour(cc: &Value) -> bool {
    let null = |c: &Value| at(c, &["/system"]).is_some_and(|s| s.contains("NullFlavor"));
    cc["text"].is_null() && arr(&cc["coding"]).iter().all(null)
}

/// The problems found, and how many facts of each kind were checked.
#[derive(Default)]
struct Check {
    problems: Vec<String>,
    seen: BTreeMap<&'static str, usize>,
}

impl Check {
    /// One fact checked: what the summary shows against what the FHIR says.
    fn same<T: PartialEq + Debug>(&mut self, what: &'static str, label: &str, shown: T, fhir: T) {
        *self.seen.entry(what).or_default() += 1;
        if shown != fhir {
            let p = format!("{label}: {what}: summary {shown:?}, FHIR {fhir:?}");
            self.problems.push(p);
        }
    }
}

fn sources(item: &Value) -> BTreeSet<String> {
    let refs = each(&item["provenance"], "source_ref");
    refs.map(str::to_owned).collect()
}

type Ids = BTreeSet<String>;

/// One section's items, each to be claimed by exactly one group of resources.
struct Items<'a> {
    items: &'a [Value],
    used: BTreeSet<usize>,
}

impl<'a> Items<'a> {
    fn of(summary: &'a Value, key: &str) -> Items<'a> {
        let found = arr(&summary["sections"]).iter().find(|s| s["key"] == key);
        let items = found.map_or(&[][..], |s| arr(&s["items"]));
        Items {
            items,
            used: BTreeSet::new(),
        }
    }

    /// The one item made from exactly the resources `ids`, which must have the `code`.
    fn find(&mut self, c: &mut Check, label: &str, ids: Ids, code: &str) -> Option<&'a Value> {
        let hits = (0..self.items.len()).filter(|&i| !sources(&self.items[i]).is_disjoint(&ids));
        let hits: Vec<usize> = hits.collect();
        self.used.extend(&hits);
        let got: Vec<BTreeSet<String>> = hits.iter().map(|&i| sources(&self.items[i])).collect();
        let one = got == [ids.clone()];
        c.same("item from the resources", label, got, vec![ids]);
        let item = &self.items[*hits.first().filter(|_| one)?];
        c.same("code", label, item["code"]["code"].as_str(), Some(code));
        Some(item)
    }

    /// Every item must have been claimed by a group made from the FHIR.
    fn finish(self, c: &mut Check, key: &str) {
        for (i, item) in self.items.iter().enumerate() {
            let label = format!("{key}: item {} ({})", item["id"], item["title"]);
            c.same("made from resources", &label, self.used.contains(&i), true);
        }
    }
}

fn check_allergies(fhir: &Fhir, summary: &Value, c: &mut Check) {
    let mut groups: BTreeMap<(String, String, &str), Vec<&Value>> = BTreeMap::new();
    for (i, r) in fhir.of("AllergyIntolerance") {
        let (what, code) = concept(&r["code"]).unwrap_or_default();
        let status = match code_of(&r["clinicalStatus"]) {
            Some("active") => "active",
            Some("resolved" | "inactive") => "resolved",
            None if fhir.contained.contains(&i) => "resolved",
            _ => "unknown",
        };
        if !NO_KNOWN_ALLERGY.contains(&code.as_str()) {
            groups.entry((what, code, status)).or_default().push(r);
        }
    }
    let rank = |c: &&str| CRITICALITY.iter().position(|r| r == c);
    let informative = |m: &&str| !matches!(*m, "NoInformation" | "NI");
    let mut items = Items::of(summary, "allergies");
    for ((what, code, status), rs) in &groups {
        let label = format!("allergy {what} ({status})");
        let Some(item) = items.find(c, &label, rs.iter().map(|r| key(r)).collect(), code) else {
            continue;
        };
        let d = &item["detail"];
        let shown = d["clinical_status"].as_str();
        c.same("clinical status", &label, shown, Some(status));
        let all = rs.iter().filter_map(|r| r["criticality"].as_str());
        let highest = all.max_by_key(rank);
        c.same("criticality", &label, d["criticality"].as_str(), highest);
        for r in rs {
            for reaction in arr(&r["reaction"]) {
                let all = arr(&reaction["manifestation"]).iter();
                let wanted: Vec<_> = all.filter(|m| !null_flavour(m)).map(words).collect();
                let severity = reaction["severity"].as_str();
                let found = arr(&d["reactions"]).iter().any(|s| {
                    let got = arr(&s["manifestations"]).iter().filter_map(Value::as_str);
                    let got: Vec<&str> = got.filter(informative).collect();
                    let each = wanted.iter().all(|w| got.iter().any(|g| w.contains(*g)));
                    s["severity"].as_str() == severity && got.len() == wanted.len() && each
                });
                let shown = &d["reactions"];
                let id = key(r);
                let label = format!("{label}: {wanted:?} ({severity:?}) of {id} in {shown}");
                c.same("reaction shown", &label, found, true);
            }
        }
    }
    items.finish(c, "allergies");
}

/// A quantity as prescribed: value and unit, or value and the quantity text extension;
/// the text alone when there is no value.
fn quantity(q: &Value) -> Option<String> {
    let words = ext(q, "QuantityText-1").map(|e| &e["valueString"]);
    let unit = q["unit"].as_str().or(words.and_then(Value::as_str));
    match (&q["value"], unit) {
        (Value::Null, unit) => unit.map(str::to_owned),
        (value, Some(unit)) => Some(format!("{} {unit}", text(value))),
        (value, None) => Some(text(value)),
    }
}

/// One medicine's line as made from the FHIR.
#[derive(Default)]
struct Medicine {
    code: String,
    sources: Ids,
    courses: usize,
    /// The quantity of each supply.
    supplies: Vec<Option<String>>,
}

fn check_medications(fhir: &Fhir, summary: &Value, c: &mut Check) {
    let requests = fhir.of("MedicationRequest");
    let medicine = |r: &Value| match r["medicationReference"]["reference"].as_str() {
        Some(m) => concept(&fhir.res[fhir.resolve(m)?]["code"]),
        None => concept(&r["medicationCodeableConcept"]),
    };
    let mut medicines: BTreeMap<String, Medicine> = BTreeMap::new();
    let mut claimed: BTreeSet<usize> = BTreeSet::new();
    // Statements first, so that the requests they claim are known before the rest.
    let statements = fhir.of("MedicationStatement");
    let all = statements.iter().map(|(i, r)| (*i, *r, true));
    for (i, r, statement) in all.chain(requests.iter().map(|(i, r)| (*i, *r, false))) {
        if !statement && claimed.contains(&i) {
            continue;
        }
        let (what, code) = medicine(r).unwrap_or_default();
        let mut plans = fhir.targets(&r["basedOn"]);
        plans.retain(|&p| statement && fhir.res[p]["intent"] == "plan");
        let m = medicines.entry(what).or_default();
        (m.code, m.courses) = (code, m.courses + plans.len().max(1));
        m.sources.insert(key(r));
        for plan in plans {
            claimed.insert(plan);
            for (i, order) in &requests {
                let based = fhir.targets(&order["basedOn"]).contains(&plan);
                if order["intent"] == "order" && based {
                    claimed.insert(*i);
                    let q = &order["dispenseRequest"]["quantity"];
                    m.supplies.push(quantity(q));
                }
            }
        }
    }
    let mut items = Items::of(summary, "medications");
    for (what, m) in &medicines {
        let label = format!("medication {what}");
        let Some(item) = items.find(c, &label, m.sources.clone(), &m.code) else {
            continue;
        };
        let (d, issues) = (&item["detail"], Some(m.supplies.len() as u64));
        let courses = arr(&d["courses"]);
        c.same("courses", &label, courses.len(), m.courses);
        c.same("issues", &label, d["issues"].as_u64(), issues);
        let supplies = courses.iter().flat_map(|course| arr(&course["supplies"]));
        let shown = supplies.map(|s| at(s, &["/quantity"]).map(str::to_owned));
        let mut shown: Vec<_> = shown.collect();
        let mut wanted = m.supplies.clone();
        shown.sort();
        wanted.sort();
        c.same("supplies' quantities", &label, shown, wanted);
    }
    items.finish(c, "medications");
}

/// The days a date covers: a partial date its month or year.
fn days(date: Option<&str>) -> Option<(Date, Date)> {
    let date = date?;
    let part = |i: usize| date.get(i..i + 2).and_then(|s| s.parse::<i8>().ok());
    let year: i16 = date.get(0..4)?.parse().ok()?;
    match (part(5), part(8)) {
        (Some(m), Some(d)) => Date::new(year, m, d).ok().map(|day| (day, day)),
        (Some(m), None) => Date::new(year, m, 1).ok().map(|d| (d, d.last_of_month())),
        _ => Some((Date::new(year, 1, 1).ok()?, Date::new(year, 12, 31).ok()?)),
    }
}

/// A condition's episode: onset to abatement (when not before the onset), else the onset.
fn episode(c: &Value) -> Option<(Date, Date)> {
    let (first, last) = days(at(c, &["/onsetDateTime", "/onsetPeriod/start"]))?;
    let end = days(at(c, &["/abatementDateTime", "/abatementPeriod/end"]));
    let end = end.map(|(_, l)| l).filter(|l| *l >= first);
    Some((first, end.unwrap_or(last)))
}

fn check_problems(fhir: &Fhir, summary: &Value, c: &mut Check) {
    let mut groups: BTreeMap<(String, String, bool), Vec<&Value>> = BTreeMap::new();
    for (_, r) in fhir.of("Condition") {
        let (what, code) = concept(&r["code"]).unwrap_or_default();
        let state = code_of(&r["clinicalStatus"]);
        let active = matches!(state, None | Some("active" | "recurrence" | "relapse"));
        groups.entry((what, code, active)).or_default().push(r);
    }
    let mut items = Items::of(summary, "problems");
    for ((what, code, active), rs) in &groups {
        // Episodes: the connected parts of "overlap, or both without an onset".
        let spans: Vec<_> = rs.iter().map(|r| episode(r)).collect();
        let mut part: Vec<usize> = (0..rs.len()).collect();
        for (i, j) in (0..rs.len()).flat_map(|i| (0..i).map(move |j| (i, j))) {
            let same = match (spans[i], spans[j]) {
                (Some((a0, a1)), Some((b0, b1))) => a0 <= b1 && b0 <= a1,
                (a, b) => a.is_none() && b.is_none(),
            };
            let (from, to) = (part[i].max(part[j]), part[i].min(part[j]));
            let joined = part.iter_mut().filter(|p| same && **p == from);
            joined.for_each(|p| *p = to);
        }
        for e in part.iter().copied().collect::<BTreeSet<usize>>() {
            let ids = (0..rs.len()).filter(|&i| part[i] == e);
            let from = spans[e].map(|s| s.0.to_string());
            let label = format!("problem {what} (active {active}) from {from:?}");
            items.find(c, &label, ids.map(|i| key(rs[i])).collect(), code);
        }
    }
    items.finish(c, "problems");
}

/// A result's flag and its basis.
type Flag = (Option<&'static str>, Option<&'static str>);

/// The flag the FHIR gives evidence for (`(None, None)`: no flag), or `None` when the
/// interpretation is not one of the codes mapped here (then only a range flag is wrong).
fn expected_flag(r: &Value) -> Option<Flag> {
    let interpretation = r["interpretation"].get(0).unwrap_or(&r["interpretation"]);
    if !interpretation.is_null() {
        let mut codes = each(&interpretation["coding"], "code");
        let flag = codes.find_map(|code| INTERPRETATIONS.iter().find(|(c, _)| *c == code));
        return flag.map(|(_, f)| (Some(*f), Some("interpretation")));
    }
    let [range] = arr(&r["referenceRange"]) else {
        return arr(&r["referenceRange"]).is_empty().then_some((None, None));
    };
    let (q, low, high) = (&r["valueQuantity"], &range["low"], &range["high"]);
    let fits = |b: &Value| b["unit"].is_null() || b["unit"] == q["unit"] || b["unit"] == q["code"];
    let (lo, hi, value) = (num(&low["value"]), num(&high["value"]), num(&q["value"])?);
    if (lo.is_none() && hi.is_none()) || !fits(low) || !fits(high) {
        return Some((None, None));
    }
    let flag = match () {
        _ if lo.is_some_and(|l| value < l) => "low",
        _ if hi.is_some_and(|h| value > h) => "high",
        _ => "normal",
    };
    Some((Some(flag), Some("reference-range")))
}

fn check_results(fhir: &Fhir, summary: &Value, c: &mut Check) {
    let observations = fhir.of("Observation");
    let members = |o: &Value| -> Vec<usize> {
        let mut all = fhir.targets(&o["hasMember"]);
        let member = |r: &&Value| r["type"] == "has-member";
        let related = arr(&o["related"]).iter().filter(member);
        all.extend(related.flat_map(|r| fhir.targets(&r["target"])));
        all
    };
    // Where each observation is shown: its report's item (directly or through its test
    // group), its group's, or its own.
    let mut home: HashMap<usize, String> = HashMap::new();
    for (_, report) in fhir.of("DiagnosticReport") {
        for result in fhir.targets(&report["result"]) {
            for i in members(&fhir.res[result]).into_iter().chain([result]) {
                home.insert(i, key(report));
            }
        }
    }
    for (i, o) in &observations {
        for m in members(o).into_iter().chain([*i]) {
            home.entry(m).or_insert_with(|| key(o));
        }
    }
    let mut lines: HashMap<String, Vec<&Value>> = HashMap::new();
    let reports = Items::of(summary, "investigations").items.iter();
    for item in reports.chain(Items::of(summary, "observations").items) {
        let d = &item["detail"];
        let shown: Vec<&Value> = arr(&d["results"]).iter().chain([&d["result"]]).collect();
        lines.extend(sources(item).into_iter().map(|s| (s, shown.clone())));
    }
    // Components are shown together on their observation's line, without a value of
    // their own, so only an observation's own value is checked.
    for (i, o) in observations {
        let (q, home) = (&o["valueQuantity"], &home[&i]);
        if num(&q["value"]).is_none() || !q["comparator"].is_null() {
            continue;
        }
        let names = words(&o["code"]);
        let prefixed: Vec<String> = names.iter().map(|w| format!(": {w}")).collect();
        let named = |n: &str| names.contains(n) || prefixed.iter().any(|p| n.ends_with(p));
        let same = |l: &&&Value| num(&l["value"]) == num(&q["value"]);
        let shown = lines.get(home).map(Vec::as_slice).unwrap_or_default();
        let mut got: Vec<(Option<&str>, Option<&str>)> = Vec::new();
        for l in shown.iter().filter(same) {
            if at(l, &["/name"]).is_some_and(named) {
                got.push((l["flag"].as_str(), l["flag_basis"].as_str()));
            }
        }
        let label = format!("{} {names:?} = {} in {home}", key(o), text(&q["value"]));
        c.same("result line shown", &label, !got.is_empty(), true);
        match expected_flag(o) {
            _ if got.is_empty() => {}
            Some(want) => {
                let what = want.1.unwrap_or("no evidence, no flag");
                let flag = got.iter().find(|g| **g == want).or(got.first());
                c.same(what, &label, flag, Some(&want));
            }
            None => {
                let ranged = got.iter().all(|g| g.1 == Some("reference-range"));
                c.same("interpretation over range", &label, ranged, false);
            }
        }
    }
}

/// The raw FHIR of a corpus file and the registered GP's summary of it (nothing withheld),
/// as JSON; `None` when the corpus is not set. A Synthea patient is given an NHS number.
fn load(relative: &str) -> Option<(Fhir, Value)> {
    let path = corpus_dir()?.join(relative);
    let read = std::fs::read(&path);
    let mut bytes = read.unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc = serde_json::from_slice(&bytes);
    let mut doc: Value = doc.unwrap_or_else(|e| panic!("{relative}: {e}"));
    if relative.starts_with("synthea/") {
        let entries = doc["entry"].as_array_mut().into_iter().flatten();
        for patient in entries.filter(|e| e["resource"]["resourceType"] == "Patient") {
            let nhs = json!({"system": "https://fhir.nhs.uk/Id/nhs-number", "value": TEST_NHS});
            let ids = patient["resource"]["identifier"].as_array_mut();
            ids.unwrap().push(nhs);
        }
        bytes = serde_json::to_vec(&doc).unwrap();
    }
    let record = icr_core::ingest(&bytes, &IngestOptions::default());
    let record = record.unwrap_or_else(|e| panic!("{relative}: ingest failed: {e}"));
    let summary = Host::new().gp_view(&icr_core::merge(vec![record], vec![]));
    Some((Fhir::new(&doc), serde_json::to_value(&summary).unwrap()))
}

fn check(fhir: &Fhir, summary: &Value) -> Check {
    let mut c = Check::default();
    check_allergies(fhir, summary, &mut c);
    check_medications(fhir, summary, &mut c);
    check_problems(fhir, summary, &mut c);
    check_results(fhir, summary, &mut c);
    c
}

/// Checks the files; each kind of fact in `kinds` must have been checked at least once.
fn check_files(files: &[&str], kinds: &[&str]) {
    let (mut problems, mut seen) = (Vec::new(), BTreeMap::new());
    for file in files {
        let Some((fhir, summary)) = load(file) else {
            return;
        };
        let c = check(&fhir, &summary);
        loud(&format!("fidelity {file}: checked {:?}", c.seen));
        problems.extend(c.problems.into_iter().map(|p| format!("{file}: {p}")));
        for (kind, n) in c.seen {
            *seen.entry(kind).or_insert(0) += n;
        }
    }
    for kind in kinds.iter().filter(|k| !seen.contains_key(**k)) {
        problems.push(format!("nothing checked of {kind:?}"));
    }
    let (n, all) = (problems.len(), problems.join("\n"));
    assert!(n == 0, "{n} disagreement(s) with the FHIR:\n{all}");
}

const ALL: [&str; 4] = ["courses", "issues", "criticality", "result line shown"];

#[test]
fn emis_summary_has_the_facts_of_the_fhir() {
    let kinds = [&ALL[..], &["reference-range", "interpretation"]].concat();
    check_files(&[EMIS], &kinds);
}

#[test]
fn tpp_summaries_have_the_facts_of_the_fhir() {
    let kinds = [&ALL[..], &["supplies' quantities", "no evidence, no flag"]].concat();
    check_files(&TPP, &kinds);
}

#[test]
fn medicus_summary_has_the_facts_of_the_fhir() {
    let kinds = [&ALL[..], &["reaction shown", "interpretation"]].concat();
    check_files(&[MEDICUS], &kinds);
}

#[test]
fn synthea_summaries_have_the_facts_of_the_fhir() {
    let kinds = [&ALL[..], &["no evidence, no flag"]].concat();
    check_files(&SYNTHEA, &kinds);
}

/// Each kind of check reports a problem the unchanged file does not have when one fact
/// of the summary (at a JSON pointer under `/sections`) or of the document is changed.
#[test]
fn every_check_can_fail() {
    let files = (load(EMIS), load(MEDICUS), load(SYNTHEA[0]));
    let (Some(emis), Some(medicus), Some(margie)) = files else {
        return;
    };
    #[rustfmt::skip]
    let changes: [(&(Fhir, Value), &str, Value); 9] = [
        (&margie,  "/1/items/0/detail/criticality", json!("high")),
        (&medicus, "/1/items/0/detail/reactions/0/severity", json!("severe")),
        (&margie,  "/1/items/0/provenance", json!([])),
        (&emis,    "/2/items/2/detail/issues", json!(2)),
        (&medicus, "/2/items/0/detail/courses", json!([])),
        (&emis,    "/2/items/2/detail/courses/0/supplies/0/quantity", json!("1 ml")),
        (&emis,    "/3/items/0/provenance/0/source_ref", json!("Condition/x")),
        (&emis,    "/4/items/0/detail/results/0/flag", json!("high")),
        (&emis,    "/5/items/1/detail/result/flag", json!("normal")),
    ];
    for ((fhir, summary), pointer, value) in changes {
        let mut changed = summary.clone();
        let (parent, field) = pointer.rsplit_once('/').unwrap();
        let place = changed.pointer_mut(&format!("/sections{parent}"));
        place.unwrap_or_else(|| panic!("no {parent} in the summary"))[field] = value;
        let known = check(fhir, summary).problems;
        let new = check(fhir, &changed).problems;
        let new = new.iter().filter(|p| !known.contains(p));
        assert!(new.count() > 0, "a change to {pointer} is not detected");
    }
    // Margie's three pregnancies made to overlap in the document must be one item.
    let (mut fhir, summary) = margie;
    let pregnancy = |r: &&mut Value| r["code"]["coding"][0]["code"] == "72892002";
    for r in fhir.res.iter_mut().filter(pregnancy) {
        (r["onsetDateTime"], r["abatementDateTime"]) = (json!("2010"), json!("2018"));
    }
    let problems = check(&fhir, &summary).problems;
    let joined = problems.iter().any(|p| p.starts_with("problem 72892002"));
    assert!(joined, "overlapping episodes are not expected as one item");
}
