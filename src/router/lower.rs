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

/// The bounds of one search, computed when the search first asks for them
/// ([`LazyLower::get`]): a search that ends after little work never pays for the cell graph's
/// Dijkstra and breadth-first search (about 10 M instructions on the country feed, 40% of an
/// in-tile depart-at plan there). Pruning from a later round on is as exact as from the first:
/// each dropped label is one no answer could use, whenever it is dropped.
pub(crate) struct LazyLower<'a> {
    tt: &'a Timetable,
    ends: &'a [Access],
    forward: bool,
    q: &'a super::Query,
    max_rides: usize,
    /// The query's ends lie far apart (see [`LazyLower::threshold`]).
    far: bool,
    bounds: std::cell::OnceCell<Option<LowerBound>>,
}

impl<'a> LazyLower<'a> {
    /// For a search in direction `forward` whose targets (scan terms) are `ends`; `None` when
    /// no bounds could be computed (see [`LowerBound::for_search`]).
    pub(crate) fn new(
        tt: &'a Timetable,
        ends: &'a [Access],
        forward: bool,
        q: &'a super::Query,
        max_rides: usize,
    ) -> Option<Self> {
        // The longest straight line from an origin to a target (a handful of ends).
        let pos = |a: &Access| (tt.stops.lat(a.stop.ix()), tt.stops.lon(a.stop.ix()));
        let longest = q
            .origins
            .iter()
            .flat_map(|o| q.targets.iter().map(move |t| (pos(o), pos(t))))
            .map(|((a, b), (c, d))| crate::walk::distance_m(a, b, c, d))
            .filter(|d| d.is_finite())
            .fold(0.0, f64::max);
        let far = longest > FAR_CELLS * tt.cells.size_m as f64;
        usable(tt, ends).then_some(LazyLower {
            tt,
            ends,
            forward,
            q,
            max_rides,
            far,
            bounds: std::cell::OnceCell::new(),
        })
    }

    /// The work (stops relaxed and marked) after which a search computes the bounds:
    /// [`crate::timetable::cells::Cells::min_work`], or 0 (from the first round) when the ends
    /// are more than [`FAR_CELLS`] cells apart: such a search covers much more than their
    /// surroundings before it finds anything, and pruning it from the first rounds is what
    /// pays. Measured on the country feed (50 tiles, 4 km cells): plans across tiles relax
    /// 3–6× fewer stops with bounds from the start, only 20–50% fewer with bounds from the
    /// graph's size on; plans within a tile gain nothing and would pay ~10 M instructions
    /// (2 ms of a 10 ms depart-at) for them.
    pub(crate) fn threshold(&self) -> u64 {
        if self.far { 0 } else { self.tt.cells.min_work }
    }

    /// The bounds, computed on the first call.
    pub(crate) fn get(&self) -> Option<&LowerBound> {
        self.bounds
            .get_or_init(|| {
                LowerBound::for_search(self.tt, self.ends, self.forward, self.q, self.max_rides)
            })
            .as_ref()
    }
}

/// Ends farther apart than this many cell sizes take the bounds from the start.
const FAR_CELLS: f64 = 12.0;

/// Whether bounds can be computed for a search towards `ends`: a cell graph of more than one
/// cell, no realtime in this copy (a delay may make a hop shorter than the compiled minimum),
/// and ends to start from.
fn usable(tt: &Timetable, ends: &[Access]) -> bool {
    tt.cells.is_usable() && tt.realtime.is_none() && !ends.is_empty()
}

/// A cell's bounds: seconds, and rides (boardings).
#[derive(Copy, Clone, Debug)]
pub(crate) struct Bound {
    pub secs: i64,
    /// Rides still needed (forward) or needed to get there (backward) by a vehicle label and
    /// by a ready label in the cell ([`rides`]).
    pub veh_rides: u32,
    pub ready_rides: u32,
}

/// Rides of a cell no end can be reached from (or that cannot be reached).
const NO_RIDES: u32 = u32::MAX / 2;

/// Per cell, the least seconds and rides to (forward) or from (backward) the query's ends.
pub(crate) struct LowerBound {
    lb: Vec<Bound>,
    /// Per node of the patterns' cell sequences: the rides still needed (forward) or needed
    /// to be there (backward) when on board there ([`rides`]).
    on_board: Vec<u32>,
    forward: bool,
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
        q: &super::Query,
        max_rides: usize,
    ) -> Option<LowerBound> {
        let (walk_radius_m, walk_speed_mps) = (q.walk_radius_m, q.walk_speed_mps);
        let cells = &tt.cells;
        if !usable(tt, ends) {
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
            for &x in cells.changes(c, !forward) {
                relax(x, 0, &mut heap);
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
        let (veh, ready, on_board) = rides(tt, ends, forward, walk_radius_m, max_rides);
        let lb = lb
            .into_iter()
            .zip(veh.into_iter().zip(ready))
            .map(|(secs, (veh_rides, ready_rides))| Bound {
                secs,
                veh_rides,
                ready_rides,
            })
            .collect();
        Some(LowerBound {
            lb,
            on_board,
            forward,
            max_end_secs,
        })
    }

    /// The least rides besides the current one of any journey through a rider on board of
    /// pattern `p` anywhere along it (with continuations): those still needed after it
    /// (forward) or taken before it (backward). Along a sequence the bound only grows in scan
    /// order, so it is the value at the first node (forward) or the last (backward). 0 when
    /// the cache's sections do not fit (always true).
    #[inline]
    pub(crate) fn on_board(&self, tt: &Timetable, p: crate::timetable::PatternIdx) -> u32 {
        use crate::timetable::cells::SEP;
        let seq = &tt.cells.seq_cells;
        let Some(&first) = tt.cells.pattern_seq.get(p.ix()) else {
            return 0;
        };
        let mut n = first as usize;
        if !self.forward {
            while seq.get(n + 1).is_some_and(|&c| c != SEP) {
                n += 1;
            }
        }
        let r = self.on_board.get(n).copied().unwrap_or(0);
        // Backward, the value counts the ride the rider is on (boarding cost it), which the
        // engine's round already counts.
        if self.forward { r } else { r.saturating_sub(1) }
    }

    /// The bounds at stop `s` (0 and 0 when the cache's cell of `s` is out of range: always
    /// true).
    #[inline(always)]
    pub(crate) fn at(&self, tt: &Timetable, s: StopIdx) -> Bound {
        const NONE: Bound = Bound {
            secs: 0,
            veh_rides: 0,
            ready_rides: 0,
        };
        match tt.cells.cell(s) {
            Some(c) => self.lb.get(c as usize).copied().unwrap_or(NONE),
            None => NONE,
        }
    }
}

/// The least rides (boardings) between each cell and the ends, per cell for a vehicle label
/// and for a ready label there (in the engine's scan terms): a 0-1 breadth-first search over
/// three kinds of state — "arrived by vehicle in cell c" (V), "ready to board in c" (R) and
/// "on board at a node of a pattern's cell sequence" (N, [`crate::timetable::cells`]).
/// Boarding (R → N in the same cell) costs a ride; riding on along a sequence, alighting
/// (N → V), staying on board into a continuation (N → N) and one change (V → R: in the cell,
/// or to another by transfers.txt, a specific rule or a walk within the radius) cost none.
/// Changes do not chain (the router makes one change between two rides), so the bound does
/// not let a walk across a city of cells count as free.
///
/// Forward it runs from V of the targets' cells against the direction of travel (the rides
/// still needed); a vehicle label reads V, a ready label R. Backward it runs from R of the
/// origins' cells with the direction of travel (the rides needed to get there); a backward
/// vehicle label (a real boarding) reads R, a backward ready label (a real arrival) reads V.
/// Values above `max_rides` are not needed: the search stops there.
fn rides(
    tt: &Timetable,
    ends: &[Access],
    forward: bool,
    walk_radius_m: u32,
    max_rides: usize,
) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    use crate::timetable::cells::SEP;
    let cells = &tt.cells;
    let nc = cells.count as usize;
    let seq = &cells.seq_cells;
    // V at [0, nc), R at [nc, 2nc), N at 2nc + node.
    let (v0, r0, n0) = (0, nc, 2 * nc);
    let mut r = vec![NO_RIDES; 2 * nc + seq.len()];
    let mut deque = std::collections::VecDeque::new();
    let init = if forward { v0 } else { r0 };
    for a in ends {
        if let Some(c) = cells.cell(a.stop).filter(|&c| (c as usize) < nc)
            && r[init + c as usize] != 0
        {
            r[init + c as usize] = 0;
            deque.push_back(init + c as usize);
        }
    }
    let cap = max_rides as u32;
    let has_cont = !cells.cont_nodes.is_empty();
    while let Some(x) = deque.pop_front() {
        let d = r[x];
        if d > cap {
            break;
        }
        let mut relax = |y: usize, w: u32, deque: &mut std::collections::VecDeque<usize>| {
            if let Some(v) = r.get_mut(y)
                && d + w < *v
            {
                *v = d + w;
                if w == 0 {
                    deque.push_front(y);
                } else {
                    deque.push_back(y);
                }
            }
        };
        // One change between V of one cell and R of another (or the same): from V forward in
        // travel, from R against it.
        let mut change = |c: u32, to: usize, deque: &mut std::collections::VecDeque<usize>| {
            relax(to + c as usize, 0, deque);
            for &y in cells.changes(c, !forward) {
                relax(to + y as usize, 0, deque);
            }
            if walk_radius_m > 0 {
                let (next, metres) = cells.walks_of(c);
                for (&y, &m) in next.iter().zip(metres) {
                    if m <= walk_radius_m {
                        relax(to + y as usize, 0, deque);
                    }
                }
            }
        };
        if x < r0 {
            let c = x as u32;
            if forward {
                // Arriving here by vehicle: alighting from any node of the cell.
                for &n in cells.nodes_in(c) {
                    relax(n0 + n as usize, 0, &mut deque);
                }
            } else {
                change(c, r0, &mut deque);
            }
        } else if x < n0 {
            let c = (x - r0) as u32;
            if forward {
                change(c, v0, &mut deque);
            } else {
                for &n in cells.nodes_in(c) {
                    relax(n0 + n as usize, 1, &mut deque);
                }
            }
        } else {
            let n = x - n0;
            // Riding on: the node before (forward) or after (backward) in the sequence.
            let along = if forward {
                n.checked_sub(1)
            } else {
                Some(n + 1)
            };
            if let Some(m) = along
                && seq.get(m).is_some_and(|&c| c != SEP)
            {
                relax(n0 + m, 0, &mut deque);
            }
            if let Some(&c) = seq.get(n) {
                if forward {
                    relax(r0 + c as usize, 1, &mut deque); // boarding here
                } else {
                    relax(v0 + c as usize, 0, &mut deque); // alighting here
                }
            }
            // Only a sequence's last node (forward in travel) or first node (against it) has
            // continuations: others skip the look-up.
            let end = if forward {
                n == 0 || seq.get(n - 1) == Some(&SEP)
            } else {
                seq.get(n + 1).is_none_or(|&c| c == SEP)
            };
            if end && has_cont {
                for m in cells.cont_of(n as u32, !forward) {
                    relax(n0 + m as usize, 0, &mut deque);
                }
            }
        }
    }
    let on_board = r.split_off(n0);
    let ready = r.split_off(r0);
    let v = r;
    // In the engine's terms: forward, vehicle labels read V; backward, R.
    if forward {
        (v, ready, on_board)
    } else {
        (ready, v, on_board)
    }
}
