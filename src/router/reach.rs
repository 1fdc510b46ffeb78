//! Whether a query's targets can be reached from its origins at all, on any day and at any
//! time: the proof that lets a search with no answer stop widening its horizon at once
//! instead of searching every day of the feed.
//!
//! It over-approximates every journey, so "unreachable" is a proof: times, days, services,
//! wheelchair access, forbidden transfers and the transfer limit are ignored; a rider boards
//! where pickup is allowed and alights where drop-off is, changes through every footpath,
//! specific transfers.txt row, walking link within the radius or sibling platform of a
//! station, and may stay on board from a pattern's last stop into any pattern starting at a
//! platform of the same station (where in-seat continuations happen).

use super::Query;
use crate::timetable::{CAN_ALIGHT, CAN_BOARD, StopIdx, Timetable};

/// `false` only if no journey of any length connects an origin with a target.
pub(crate) fn connected(tt: &Timetable, q: &Query) -> bool {
    let n = tt.stops.len();
    // Platforms by station, for changes and continuations within one station.
    let station = |s: StopIdx| tt.stops[s.ix()].parent.unwrap_or(s);
    let mut by_station: Vec<Vec<StopIdx>> = vec![Vec::new(); n];
    for i in 0..n {
        let s = StopIdx(i as u32);
        by_station[station(s).ix()].push(s);
    }
    let mut target = vec![false; n];
    for a in &q.targets {
        target[a.stop.ix()] = true;
    }
    // ready: a rider can board here; onboard: a vehicle ends its pattern here with the rider.
    let mut ready = vec![false; n];
    let mut onboard = vec![false; n];
    // Per pattern: the first position it has been ridden from (everything after it is done).
    let mut from = vec![u32::MAX; tt.patterns.len()];
    let mut queue: Vec<(StopIdx, bool)> = Vec::new();
    for a in &q.origins {
        if !ready[a.stop.ix()] {
            ready[a.stop.ix()] = true;
            queue.push((a.stop, false));
        }
    }
    while let Some((s, seated)) = queue.pop() {
        for (pi, pos) in tt.patterns_at(s) {
            let p = tt.pattern(pi);
            let stops = tt.pattern_stops(p);
            let flags = tt.pattern_flags(p);
            // Seated riders enter a continuation at its first stop; others board.
            let enters = if seated {
                pos == 0
            } else {
                flags[pos as usize] & CAN_BOARD != 0
            };
            let done = from[pi.ix()];
            if !enters || pos >= done {
                continue;
            }
            from[pi.ix()] = pos;
            let upto = (done as usize).min(stops.len() - 1);
            for j in pos as usize + 1..=upto {
                let v = stops[j];
                if flags[j] & CAN_ALIGHT != 0 {
                    if target[v.ix()] {
                        return true;
                    }
                    if !ready[v.ix()] {
                        ready[v.ix()] = true;
                        queue.push((v, false));
                    }
                }
            }
            if done == u32::MAX
                && let Some(&end) = stops.last()
            {
                for &w in &by_station[station(end).ix()] {
                    if !onboard[w.ix()] {
                        onboard[w.ix()] = true;
                        queue.push((w, true));
                    }
                }
            }
        }
        if seated {
            continue;
        }
        // Changes from s (a rider who could board here could also have alighted here).
        let mut next: Vec<StopIdx> = by_station[station(s).ix()].clone();
        next.extend(tt.transfers_from(s).iter().map(|&(y, _)| y));
        next.extend(tt.specific_from(s).iter().map(|r| r.to_stop));
        if q.walk_radius_m > 0 {
            next.extend(
                tt.walk_links_for(s, q.wheelchair)
                    .filter(|&(_, m)| m <= q.walk_radius_m)
                    .map(|(y, _)| y),
            );
        }
        for y in next {
            if !ready[y.ix()] {
                ready[y.ix()] = true;
                queue.push((y, false));
            }
        }
    }
    false
}
