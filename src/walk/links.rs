//! Walking links between stops along the streets: what the router reads for changes between
//! different stops. Computed once per (map, feed) and cached, then laid over the timetable's
//! straight-line links, which stay in the compiled timetable for when there is no map.
//!
//! Every link's metres are *walking* metres: along the streets when both stops snap onto the
//! map, else the straight line times [`super::DETOUR_FACTOR`] (a stop off the map). So the
//! router's time for a link is simply metres / speed.

use super::graph::{Profile, StreetGraph};
use super::{MAX_SNAP_M, distance_m};
use crate::nearby::StopIndex;
use crate::timetable::compile::MAX_WALK_LINK_M;
use crate::timetable::links::WalkLinks;
use crate::timetable::{StopIdx, Timetable};
use serde::{Deserialize, Serialize};

/// Links from each stop (CSR), nearest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StopLinks {
    pub start: Vec<u32>,
    pub list: Vec<(StopIdx, u32)>,
}

impl StopLinks {
    pub fn from(&self, s: StopIdx) -> &[(StopIdx, u32)] {
        match (self.start.get(s.ix()), self.start.get(s.ix() + 1)) {
            (Some(&a), Some(&b)) => &self.list[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// The links of a feed on a map, for walking and for the wheelchair profile (no steps, no
/// `wheelchair=no`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Links {
    pub any: StopLinks,
    pub step_free: StopLinks,
    /// Served stops that snap onto the map (the rest walk straight-line).
    pub stops_on_map: u32,
    pub stops_served: u32,
}

/// Computes the links of every served stop within [`MAX_WALK_LINK_M`] walking metres.
pub fn compute(g: &StreetGraph, tt: &Timetable) -> Links {
    let index = StopIndex::new(tt);
    let served: Vec<bool> = (0..tt.stops.len() as u32)
        .map(|s| {
            let s = StopIdx(s);
            !tt.patterns_at(s).is_empty() && tt.stop(s).lat.is_finite()
        })
        .collect();
    let (any, on_map) = links_for(g, tt, &index, &served, Profile::default());
    let (step_free, _) = links_for(g, tt, &index, &served, Profile { wheelchair: true });
    Links {
        any,
        step_free,
        stops_on_map: on_map,
        stops_served: served.iter().filter(|&&b| b).count() as u32,
    }
}

fn links_for(
    g: &StreetGraph,
    tt: &Timetable,
    index: &StopIndex,
    served: &[bool],
    profile: Profile,
) -> (StopLinks, u32) {
    let limit = MAX_WALK_LINK_M as f64;
    let snaps: Vec<_> = tt
        .stops
        .iter()
        .enumerate()
        .map(|(i, s)| {
            served[i]
                .then(|| g.snap(s.lat, s.lon, MAX_SNAP_M, profile))
                .flatten()
        })
        .collect();
    let on_map = snaps.iter().filter(|s| s.is_some()).count() as u32;
    let mut out = StopLinks {
        start: vec![0],
        list: Vec::new(),
    };
    for (i, st) in tt.stops.iter().enumerate() {
        if served[i] {
            let tree = snaps[i]
                .as_ref()
                .map(|s| (s, g.grow(&g.sources(s), limit - s.dist, profile)));
            // Street routes are never shorter than the straight line, so the candidates are
            // the stops within the limit as the crow flies.
            let mut near: Vec<(StopIdx, u32)> = index
                .within(tt, st.lat, st.lon, MAX_WALK_LINK_M)
                .into_iter()
                .filter(|&(o, _)| o.ix() != i)
                .filter_map(|(o, _)| {
                    let other = tt.stop(o);
                    let m = match (&tree, &snaps[o.ix()]) {
                        (Some((from, tree)), Some(to)) => {
                            from.dist + g.reach(tree, from, to)? + to.dist
                        }
                        _ => {
                            distance_m(st.lat, st.lon, other.lat, other.lon) * super::DETOUR_FACTOR
                        }
                    };
                    (m <= limit).then_some((o, m.ceil() as u32))
                })
                .collect();
            near.sort_unstable_by_key(|&(s, d)| (d, s));
            out.list.extend(near);
        }
        out.start.push(out.list.len() as u32);
    }
    (out, on_map)
}

impl Timetable {
    /// Walking links from `s` for the router, nearest first: along the streets when a street
    /// map was laid over this timetable (the step-free ones for wheelchair users), else the
    /// compiled straight-line links.
    pub fn walk_links_for(&self, s: StopIdx, wheelchair: bool) -> WalkLinks<'_> {
        match &self.street_links {
            Some(l) if wheelchair => WalkLinks::Pairs(l.step_free.from(s).iter()),
            Some(l) => WalkLinks::Pairs(l.any.from(s).iter()),
            None => self.walk_links(s),
        }
    }

    /// Seconds to walk a link of `metres` at `speed`: street metres are walked as they are,
    /// straight-line metres with the detour factor.
    pub fn link_walk_secs(&self, metres: u32, speed: f64) -> u32 {
        if self.street_links.is_some() {
            super::street_secs(metres, speed)
        } else {
            super::walk_secs(metres, speed)
        }
    }
}
