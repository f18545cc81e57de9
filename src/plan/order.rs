//! The dependency graph of steps (petgraph) and its stable topological order.
//!
//! Edges: the steps of one recipe in the order it gives them; for every key, its creator before
//! the steps that need it, the steps that need its old shape before its dropper, and its dropper
//! before a step that creates it again. Ties are broken by (phase, rank of the change kind, place
//! in the diff), so the order is the same on every run. A step whose predecessor sits in a later
//! phase moves to that phase (a change that must follow a contract-side drop is contract-side).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use petgraph::graph::{DiGraph, NodeIndex};

use crate::diagnostic::Diagnostic;
use crate::ops::StepDraft;
use crate::plan::PhaseName;

/// A step draft with its sort key: (rank of its change kind, index of its change, index in the recipe).
#[derive(Debug, Clone)]
pub struct Node {
    pub draft: StepDraft,
    pub rank: u8,
    pub change: usize,
    pub position: usize,
}

/// The ordered steps: each with its effective phase and the indices (into the result) of the
/// steps it directly depends on.
pub struct Ordered {
    pub steps: Vec<(PhaseName, StepDraft, Vec<usize>)>,
}

pub fn order(nodes: Vec<Node>) -> Result<Ordered, Diagnostic> {
    let mut g: DiGraph<usize, ()> = DiGraph::new();
    let ids: Vec<NodeIndex> = (0..nodes.len()).map(|i| g.add_node(i)).collect();
    let mut edges: BTreeSet<(usize, usize)> = BTreeSet::new();
    for i in 1..nodes.len() {
        if nodes[i].change == nodes[i - 1].change {
            edges.insert((i - 1, i));
        }
    }
    let mut creators: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut droppers: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        for k in &n.draft.creates {
            creators.entry(k.as_str()).or_default().push(i);
        }
        for k in &n.draft.drops {
            droppers.entry(k.as_str()).or_default().push(i);
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        for k in &n.draft.needs {
            for &c in creators.get(k.as_str()).into_iter().flatten() {
                if c != i {
                    edges.insert((c, i));
                }
            }
        }
        for k in &n.draft.needs_old {
            for &d in droppers.get(k.as_str()).into_iter().flatten() {
                if d != i && !creators.get(k.as_str()).is_some_and(|c| c.contains(&i)) {
                    edges.insert((i, d));
                }
            }
        }
    }
    for (k, ds) in &droppers {
        for &c in creators.get(k).into_iter().flatten() {
            for &d in ds {
                if d != c && (nodes[c].change != nodes[d].change || d < c) {
                    edges.insert((d, c));
                }
            }
        }
    }
    for &(a, b) in &edges {
        g.add_edge(ids[a], ids[b], ());
    }
    // Kahn's algorithm with a priority queue: the smallest available (phase, rank, change, position).
    type Key = (PhaseName, u8, usize, usize, usize);
    let key = |i: usize| -> Key {
        (
            nodes[i].draft.phase,
            nodes[i].rank,
            nodes[i].change,
            nodes[i].position,
            i,
        )
    };
    let mut indegree: Vec<usize> = ids
        .iter()
        .map(|&n| {
            g.neighbors_directed(n, petgraph::Direction::Incoming)
                .count()
        })
        .collect();
    let mut heap: BinaryHeap<Reverse<Key>> = (0..nodes.len())
        .filter(|&i| indegree[i] == 0)
        .map(|i| Reverse(key(i)))
        .collect();
    let mut topo = Vec::with_capacity(nodes.len());
    while let Some(Reverse((_, _, _, _, i))) = heap.pop() {
        topo.push(i);
        for m in g.neighbors_directed(ids[i], petgraph::Direction::Outgoing) {
            let j = g[m];
            indegree[j] -= 1;
            if indegree[j] == 0 {
                heap.push(Reverse(key(j)));
            }
        }
    }
    if topo.len() < nodes.len() {
        return Err(cycle_error(&g, &nodes, &topo));
    }
    // Effective phase: never earlier than a predecessor's.
    let mut phase: Vec<PhaseName> = nodes.iter().map(|n| n.draft.phase).collect();
    for &i in &topo {
        for m in g.neighbors_directed(ids[i], petgraph::Direction::Incoming) {
            let p = phase[g[m]];
            if p > phase[i] {
                phase[i] = p;
            }
        }
    }
    let mut place = vec![0usize; nodes.len()];
    for (pos, &i) in topo.iter().enumerate() {
        place[i] = pos;
    }
    let mut final_order: Vec<usize> = topo.clone();
    final_order.sort_by_key(|&i| (phase[i], place[i]));
    let mut index_of = vec![0usize; nodes.len()];
    for (pos, &i) in final_order.iter().enumerate() {
        index_of[i] = pos;
    }
    let mut out = Vec::with_capacity(nodes.len());
    for &i in &final_order {
        let mut deps: Vec<usize> = g
            .neighbors_directed(ids[i], petgraph::Direction::Incoming)
            .map(|m| index_of[g[m]])
            .collect();
        deps.sort_unstable();
        deps.dedup();
        out.push((phase[i], nodes[i].draft.clone(), deps));
    }
    Ok(Ordered { steps: out })
}

fn cycle_error(g: &DiGraph<usize, ()>, nodes: &[Node], done: &[usize]) -> Diagnostic {
    let done: BTreeSet<usize> = done.iter().copied().collect();
    let mut cycles = Vec::new();
    for scc in petgraph::algo::tarjan_scc(g) {
        let members: Vec<usize> = scc
            .iter()
            .map(|&n| g[n])
            .filter(|i| !done.contains(i))
            .collect();
        if members.len() > 1
            || members
                .first()
                .is_some_and(|&i| g.contains_edge(NodeIndex::new(i), NodeIndex::new(i)))
        {
            let mut names: Vec<String> = members
                .iter()
                .map(|&i| nodes[i].draft.change.clone())
                .collect();
            names.sort();
            cycles.push(names.join("; "));
        }
    }
    cycles.sort();
    Diagnostic::error(
        "dependency-cycle",
        format!(
            "the changes depend on each other in a cycle the planner cannot break: {}",
            cycles.join(" | ")
        ),
    )
}
