//! `icr demo`: the demo patient as a GP sees them, then how the view differs for a
//! receptionist and a social worker — three sessions, each decided and audited.

use std::fmt::Write;

use icr_core::PatientSummary;

use crate::view::ViewArgs;

/// Builds the three views and prints them; `json` prints only the chosen role's summary.
pub(crate) fn run(args: &ViewArgs, json: bool, compare: bool) -> Result<String, String> {
    let record = crate::summary_cmd::record(crate::summary_cmd::from_demo(), None);
    let store = crate::view::store(args)?;
    let main = crate::view::summary(&record, args, &store)?;
    if json {
        return serde_json::to_string_pretty(&main).map_err(|e| e.to_string());
    }
    let mut out = icr_core::render::summary_text(&main);
    if compare {
        let mut views = Vec::new();
        for role in ["gp", "receptionist", "social-worker"] {
            let a = ViewArgs {
                role: role.to_owned(),
                ..args.clone()
            };
            views.push((role, crate::view::summary(&record, &a, &store)?));
        }
        out.push_str(&comparison(&views));
    }
    Ok(out)
}

fn comparison(views: &[(&str, PatientSummary)]) -> String {
    let mut out = String::from("HOW THE VIEW DIFFERS BY ROLE (items shown / withheld)\n");
    let _ = write!(out, "  {:<32}", "section");
    for (role, _) in views {
        let _ = write!(out, "{role:>16}");
    }
    out.push('\n');
    let Some((_, first)) = views.first() else {
        return out;
    };
    for (i, section) in first.sections.iter().enumerate() {
        let _ = write!(out, "  {:<32}", section.title);
        for (_, v) in views {
            let s = v.sections.get(i);
            let shown = s.map_or(0, |s| s.items.len());
            let withheld: i64 = s.map_or(0, |s| s.withheld.iter().map(|w| w.count).sum());
            let _ = write!(out, "{:>16}", format!("{shown} / {withheld}"));
        }
        out.push('\n');
    }
    out.push_str("  Withheld items are signposted in each view with the reason; nothing is dropped silently.\n");
    out
}
