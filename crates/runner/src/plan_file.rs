//! Reading a plan document (plan-v1.md) and checking it is one the runner can follow.

use std::collections::BTreeSet;
use std::path::Path;

use shiftplan::{PLAN_FORMAT, PhaseName, Plan};

use crate::error::RunError;

/// A plan read from a file, with its identity and checksum.
#[derive(Debug, Clone)]
pub struct LoadedPlan {
    pub plan: Plan,
    /// Where it was read from (for messages).
    pub source: String,
    /// `FROM_FINGERPRINT->TO_FINGERPRINT`: the plan's identity in the history.
    pub identity: String,
    /// `sha256:` of the plan's canonical JSON (its keys in the order of plan-v1.md, no whitespace):
    /// reformatting the file does not change it; any change of content does.
    pub checksum: String,
    /// The canonical JSON itself, stored in the history.
    pub json: String,
}

impl LoadedPlan {
    pub fn read(path: &Path) -> Result<LoadedPlan, RunError> {
        let source = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|e| RunError::BadInput(format!("{source}: cannot read the plan: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).to_string();
            let position = shiftplan::Position::of_offset(&prefix, valid);
            RunError::BadInput(format!(
                "{source}:{}:{}: error: the plan is not UTF-8 text",
                position.line, position.column
            ))
        })?;
        LoadedPlan::parse(&source, &text)
    }

    pub fn parse(source: &str, text: &str) -> Result<LoadedPlan, RunError> {
        let plan: Plan = serde_json::from_str(text).map_err(|e| {
            RunError::BadInput(format!(
                "{source}:{}:{}: error: not a shiftplan plan document: {}",
                e.line(),
                e.column(),
                strip_position(&e.to_string())
            ))
        })?;
        validate(source, &plan)?;
        let json = serde_json::to_string(&plan).map_err(|e| {
            RunError::BadInput(format!("{source}: the plan cannot be serialised: {e}"))
        })?;
        let checksum = shiftplan::fingerprint::sha256_hex(json.as_bytes());
        let identity = format!("{}->{}", plan.from_fingerprint, plan.to_fingerprint);
        Ok(LoadedPlan {
            plan,
            source: source.to_string(),
            identity,
            checksum,
            json,
        })
    }
}

/// serde_json appends " at line L column C" to its messages; the position is printed in front.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The rules of plan-v1.md the runner relies on.
fn validate(source: &str, plan: &Plan) -> Result<(), RunError> {
    let bad = |message: String| Err(RunError::BadInput(format!("{source}: error: {message}")));
    if plan.format != PLAN_FORMAT {
        return bad(format!(
            "format is `{}`, expected `{PLAN_FORMAT}`",
            plan.format
        ));
    }
    if plan.dialect != "postgres" {
        return bad(format!(
            "dialect is `{}`, expected `postgres`",
            plan.dialect
        ));
    }
    for fingerprint in [&plan.from_fingerprint, &plan.to_fingerprint] {
        if !is_fingerprint(fingerprint) {
            return bad(format!(
                "`{fingerprint}` is not a fingerprint (sha256: and 64 hex digits)"
            ));
        }
    }
    let mut previous: Option<PhaseName> = None;
    let mut seen = BTreeSet::new();
    for phase in &plan.phases {
        if let Some(previous) = previous
            && phase.name <= previous
        {
            return bad(format!(
                "phase {} comes after {previous}: phases must appear once each, in the order expand, dual_write, backfill, contract",
                phase.name
            ));
        }
        previous = Some(phase.name);
        for step in &phase.steps {
            if step.id.trim().is_empty() {
                return bad(format!("a step of phase {} has an empty id", phase.name));
            }
            for dependency in &step.depends_on {
                if !seen.contains(dependency.as_str()) {
                    return bad(format!(
                        "step {} depends on {dependency}, which is not an earlier step of the plan",
                        step.id
                    ));
                }
            }
            if !seen.insert(step.id.as_str()) {
                return bad(format!("step id {} appears twice", step.id));
            }
            if step.sql.is_empty() || step.sql.iter().any(|s| s.trim().is_empty()) {
                return bad(format!("step {} has an empty statement", step.id));
            }
            if step.repeat_until_zero_rows && step.sql.len() != 1 {
                return bad(format!(
                    "step {} repeats until zero rows, so its sql must be one batch statement (it has {})",
                    step.id,
                    step.sql.len()
                ));
            }
            if !step.reversible && !step.rollback.is_empty() {
                return bad(format!(
                    "step {} is irreversible but has rollback statements",
                    step.id
                ));
            }
            if !step.reversible && phase.name != PhaseName::Contract {
                return bad(format!(
                    "step {} of phase {} is irreversible: every step before contract must be reversible",
                    step.id, phase.name
                ));
            }
        }
    }
    let worst = plan
        .steps()
        .flat_map(|s| s.hazards.iter().map(|h| h.severity))
        .max();
    if let Some(worst) = worst
        && worst > plan.safety
    {
        return bad(format!(
            "safety is {} but a step holds a {} hazard: the plan was edited",
            plan.safety.as_str(),
            worst.as_str()
        ));
    }
    Ok(())
}

fn is_fingerprint(text: &str) -> bool {
    text.strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plans made before they carried column shapes read and write back unchanged, so their
    /// checksum (and so the history's record of them) stays the same.
    #[test]
    fn plans_without_column_shapes_keep_their_checksum() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/add_column_nullable/plan.json");
        let text = std::fs::read_to_string(path).unwrap();
        let with = LoadedPlan::parse("plan.json", &text).unwrap();
        assert!(!with.plan.objects.columns.is_empty());
        assert!(with.json.contains("\"columns\""));
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let objects = value["objects"].as_object_mut().unwrap();
        objects.remove("columns");
        let old_json = serde_json::to_string(&value).unwrap();
        let without = LoadedPlan::parse("old.json", &old_json).unwrap();
        assert!(without.plan.objects.columns.is_empty());
        // The canonical JSON (what the checksum covers) holds no `columns` key: the same text as
        // before plans had them.
        assert!(!without.json.contains("\"columns\""), "{}", without.json);
        assert_eq!(
            LoadedPlan::parse("again.json", &without.json)
                .unwrap()
                .checksum,
            without.checksum
        );
        assert_ne!(without.checksum, with.checksum);
        assert_eq!(without.identity, with.identity);
    }
}
