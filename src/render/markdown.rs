//! `--format markdown`: the plan for a pull request comment: summary, hazards table, locks table,
//! then each phase with its checkpoint and steps (SQL, rollback folded).

use crate::plan::{Plan, Severity};

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn fence(sql: &[String]) -> String {
    let mut out = String::from("```sql\n");
    for s in sql {
        let s = s.trim_end();
        out.push_str(s);
        if !s.ends_with(';') {
            out.push(';');
        }
        out.push('\n');
    }
    out.push_str("```\n");
    out
}

pub fn render(plan: &Plan) -> String {
    let steps: Vec<_> = plan.steps().collect();
    let icon = match plan.safety {
        Severity::Safe => "safe",
        Severity::Careful => "careful",
        Severity::Dangerous => "dangerous",
    };
    let mut out = format!(
        "# Migration plan\n\n**Safety: {icon}** · PostgreSQL {} · {} step{} in {} phase{}\n",
        plan.server_version,
        steps.len(),
        if steps.len() == 1 { "" } else { "s" },
        plan.phases.len(),
        if plan.phases.len() == 1 { "" } else { "s" }
    );
    if steps.is_empty() {
        out.push_str("\nThe schemas are the same: nothing to do.\n");
    }
    if !plan.diagnostics.is_empty() {
        out.push_str("\n## Diagnostics\n\n");
        for d in &plan.diagnostics {
            out.push_str(&format!("- {}\n", cell(&d.to_string())));
        }
    }
    let hazards: Vec<_> = steps
        .iter()
        .flat_map(|s| s.hazards.iter().map(move |h| (s, h)))
        .collect();
    if !hazards.is_empty() {
        out.push_str(
            "\n## Hazards\n\n| step | severity | code | what | help |\n|---|---|---|---|---|\n",
        );
        for (s, h) in hazards {
            out.push_str(&format!(
                "| {} | {} | `{}` | {} | {} |\n",
                s.id,
                h.severity.as_str(),
                h.code,
                cell(&h.message),
                cell(&h.help)
            ));
        }
    }
    if !steps.is_empty() {
        out.push_str("\n## Locks\n\n| step | lock | relations | duration |\n|---|---|---|---|\n");
        for s in &steps {
            let duration = serde_json::to_value(s.lock.duration)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                s.id,
                s.lock.level,
                cell(&s.lock.relations.join(", ")),
                duration
            ));
        }
    }
    for (n, phase) in plan.phases.iter().enumerate() {
        out.push_str(&format!("\n## Phase {}: {}\n\n", n + 1, phase.name));
        if let Some(c) = &phase.app_checkpoint {
            out.push_str(&format!("> **Checkpoint:** {c}\n\n"));
        }
        for s in &phase.steps {
            let mut how = Vec::new();
            if !s.transactional {
                how.push("outside a transaction");
            }
            if s.repeat_until_zero_rows {
                how.push("repeated until it updates no row");
            }
            if !s.reversible {
                how.push("not reversible");
            }
            out.push_str(&format!("### {}: {}\n\n", s.id, s.change));
            if !how.is_empty() {
                out.push_str(&format!("_{}_", how.join(", ")));
                out.push_str("\n\n");
            }
            if !s.depends_on.is_empty() {
                out.push_str(&format!("After {}.\n\n", s.depends_on.join(", ")));
            }
            out.push_str(&fence(&s.sql));
            if !s.rollback.is_empty() {
                out.push_str("\n<details><summary>Rollback</summary>\n\n");
                out.push_str(&fence(&s.rollback));
                out.push_str("\n</details>\n");
            }
            out.push('\n');
        }
    }
    out
}
