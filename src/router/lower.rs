//! Lower bounds for goal-directed pruning: one small Dijkstra over the compiled cell graph
//! ([`crate::timetable::cells`]) per query direction.
//!
//! A forward (depart-at) search asks, for every stop, how long at least it takes from there to
//! any target, egress walk included: the Dijkstra runs from the targets' cells (initial value:
//! the least egress seconds of a target in the cell) along the edges reversed. A backward
//! search (the arrive-by first pass) asks how long at least it takes to get there from the
//! origins: from the origins' cells (access seconds) along the edges as they are. Scan times
//! are negated backward, but durations add the same way, so in both directions a label of
//! scan time `t` at stop `s` can only end in a journey whose scan arrival is at least
//! `t + lb(s)`; an unreachable cell gives [`INF`]. The engine applies it in one place
//! (`raptor::Search::below_bound`).

use super::Access;
use super::raptor::INF;
use crate::timetable::{StopIdx, Timetable};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Per cell, the least seconds to (forward) or from (backward) the query's ends.
pub(crate) struct LowerBound {
    lb: Vec<i64>,
    /// The largest access/egress seconds at the ends the Dijkstra started from: the bound
    /// includes them, while the horizon limits the last vehicle event, which is earlier by at
    /// most this much.
    pub max_end_secs: i64,
}

impl LowerBound {
    /// The bounds for a search in direction `forward` whose targets (in scan terms) are
    /// `ends`; `None` when the timetable has no usable cell graph, or realtime changed this
    /// copy's trips (a delay may make a hop shorter than the compiled minimum).
    pub(crate) fn for_search(
        tt: &Timetable,
        ends: &[Access],
        forward: bool,
        walk_radius_m: u32,
        walk_speed_mps: f64,
    ) -> Option<LowerBound> {
        let cells = &tt.cells;
        if !cells.is_usable() || tt.realtime.is_some() || ends.is_empty() {
            return None;
        }
        let n = cells.count as usize;
        let mut lb = vec![INF; n];
        let mut heap = BinaryHeap::new();
        let mut max_end_secs = 0;
        for a in ends {
            let c = cells.cell(a.stop)? as usize;
            if c >= n {
                return None;
            }
            max_end_secs = max_end_secs.max(a.secs as i64);
            if (a.secs as i64) < lb[c] {
                lb[c] = a.secs as i64;
                heap.push(Reverse((a.secs as i64, c as u32)));
            }
        }
        let walk = walk_radius_m > 0;
        while let Some(Reverse((d, c))) = heap.pop() {
            if d > lb[c as usize] {
                continue;
            }
            let (next, secs) = if forward {
                cells.into(c)
            } else {
                cells.out_of(c)
            };
            let mut relax = |x: u32, w: i64, heap: &mut BinaryHeap<_>| {
                if let Some(l) = lb.get_mut(x as usize) {
                    let nd = d + w;
                    if nd < *l {
                        *l = nd;
                        heap.push(Reverse((nd, x)));
                    }
                }
            };
            for (&x, &w) in next.iter().zip(secs) {
                relax(x, w as i64, &mut heap);
            }
            if walk {
                // Symmetric: the same pairs serve both directions.
                let (next, metres) = cells.walks_of(c);
                for (&x, &m) in next.iter().zip(metres) {
                    if m <= walk_radius_m {
                        relax(x, tt.link_walk_secs(m, walk_speed_mps) as i64, &mut heap);
                    }
                }
            }
        }
        Some(LowerBound { lb, max_end_secs })
    }

    /// The bound at stop `s` (0 when the cache's cell of `s` is out of range: always true).
    #[inline(always)]
    pub(crate) fn at(&self, tt: &Timetable, s: StopIdx) -> i64 {
        match tt.cells.cell(s) {
            Some(c) => self.lb.get(c as usize).copied().unwrap_or(0),
            None => 0,
        }
    }

    /// Cells no end can be reached from (forward) or that cannot be reached (backward).
    #[cfg(test)]
    pub(crate) fn unreachable(&self) -> usize {
        self.lb.iter().filter(|&&l| l >= INF).count()
    }
}
