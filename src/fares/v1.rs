//! GTFS Fares v1: `fare_attributes.txt` + `fare_rules.txt`, compiled into index form, and the
//! cheapest covering of an itinerary's transit legs.
//!
//! # Which legs a fare can cover
//!
//! A fare covers a *group* of consecutive transit legs (one ticket, the later legs ridden as
//! transfers on it) when all of these hold, as OpenTripPlanner's default fare service reads
//! the spec:
//!
//! - **agency**: a fare with `agency_id` covers only legs on that agency's routes, all of them
//!   (a group spanning two agencies is never one fare). A fare without `agency_id` is not
//!   limited (the spec requires the field only when a feed has several agencies).
//! - **routes**: when the fare's rules name routes, every leg's route is one of them.
//! - **origin / destination**: when rules give zone pairs, the zone of the group's first
//!   boarding stop and of its last alighting stop match one pair (an empty side matches any).
//! - **contains**: when rules give `contains_id`s, the set of zones of every stop passed
//!   (boarding, intermediate, alighting, of every leg) *equals* that set.
//! - **transfers**: the group has at most `transfers` + 1 legs (empty `transfers`: unlimited).
//! - **transfer_duration**: every leg of the group departs within that many seconds of the
//!   group's first departure.
//! - A fare with no rules at all applies to every route of its agency (to every route when it
//!   names no agency): the spec's "fare_attributes without fare_rules".
//!
//! Zones are stops' `zone_id`; a platform without one takes its station's.
//!
//! # The TriMet MAX → Streetcar case
//!
//! The bundled feed's fares all belong to agency TRIMET, and its Streetcar (agency PSC) stops
//! sit in TriMet's zones B and R. Read with the agency rule above, no fare covers a Streetcar
//! leg: MAX then Streetcar prices as $2.50 for the MAX leg and "fare unknown" for the Streetcar
//! leg. That is what the feed says (it publishes no PSC fare), and gethere does not guess one.
//!
//! # The pricer
//!
//! Dynamic programming over leg positions, from the last leg backwards:
//! `best[i] = min(best[i+1] with leg i unknown, min over j > i and fares f covering legs i..j
//! of price(f) + best[j])`, minimising first the number of legs left unknown, then the price.
//! With n legs and F fares that is O(n² F) matches; n is a handful.

use super::money::Money;
use super::{Ids, Leg, NO_ZONE, Priced, PricedProduct};
use crate::timetable::{RouteIdx, StopIdx};
use gtfs_structures as gtfs;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One fare_attributes row with its rules.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Fare {
    pub id: String,
    pub price: Money,
    /// 0 paid on board, 1 paid before boarding.
    pub payment_method: u8,
    /// How many transfers the fare allows; `None`: unlimited.
    pub transfers: Option<u32>,
    /// Seconds after the first departure within which later legs must depart.
    pub transfer_duration: Option<u32>,
    /// Agency index (into the timetable's agencies) the fare is limited to.
    pub agency: Option<u32>,
    /// Routes the fare is limited to (sorted); empty: any.
    pub routes: Vec<RouteIdx>,
    /// (origin, destination) zone pairs; empty: any. `None` side: any zone.
    pub ods: Vec<(Option<u32>, Option<u32>)>,
    /// The exact set of zones passed (sorted); empty: not constrained.
    pub contains: Vec<u32>,
}

/// The compiled v1 tables.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct V1 {
    pub fares: Vec<Fare>,
    pub zones: Vec<String>,
    /// The zone of each stop (index = `StopIdx`), [`NO_ZONE`] when it has none.
    pub stop_zone: Vec<u32>,
}

/// Compiles the v1 files; `None` when the feed has no usable fare_attributes. Rows that cannot
/// be used are skipped with a warning naming file, line and id.
pub fn compile(raw: &gtfs::RawGtfs, ids: &Ids, warn: &mut Vec<String>) -> Option<V1> {
    let attrs = match &raw.fare_attributes {
        None => return None,
        Some(Err(e)) => {
            warn.push(format!(
                "{}; Fares v1 not used",
                crate::feed::load::describe(e)
            ));
            return None;
        }
        Some(Ok(a)) if a.is_empty() => return None,
        Some(Ok(a)) => a,
    };
    let rules: &[gtfs::FareRule] = match &raw.fare_rules {
        None => &[],
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            warn.push(format!(
                "{}; Fares v1 not used",
                crate::feed::load::describe(e)
            ));
            return None;
        }
    };

    // Zones: from stops.txt, a platform inheriting its station's zone.
    let mut zones: Vec<String> = Vec::new();
    let mut zone_index: HashMap<String, u32> = HashMap::new();
    let mut zone_of = |z: &str, zones: &mut Vec<String>| -> u32 {
        *zone_index.entry(z.to_string()).or_insert_with(|| {
            zones.push(z.to_string());
            zones.len() as u32 - 1
        })
    };
    let mut stop_zone = vec![NO_ZONE; ids.stops.len()];
    if let Ok(stops) = &raw.stops {
        for s in stops {
            if let (Some(z), Some(i)) = (
                s.zone_id.as_deref().filter(|z| !z.is_empty()),
                ids.stop(&s.id),
            ) && stop_zone[i.ix()] == NO_ZONE
            {
                stop_zone[i.ix()] = zone_of(z, &mut zones);
            }
        }
    }
    for i in 0..stop_zone.len() {
        if stop_zone[i] == NO_ZONE
            && let Some(p) = ids.stop_parent[i]
        {
            stop_zone[i] = stop_zone[p as usize];
        }
    }

    let mut fares: Vec<Fare> = Vec::new();
    let mut fare_index: HashMap<&str, usize> = HashMap::new();
    for (row, a) in attrs.iter().enumerate() {
        let line = row + 2;
        if fare_index.contains_key(a.id.as_str()) {
            warn.push(format!(
                "fare_attributes.txt:{line}: duplicate fare_id {} ignored",
                a.id
            ));
            continue;
        }
        let price = match Money::parse(&a.price, &a.currency) {
            Ok(m) => m,
            Err(e) => {
                warn.push(format!(
                    "fare_attributes.txt:{line}: fare {}: {e}; fare skipped",
                    a.id
                ));
                continue;
            }
        };
        let agency = match a.agency_id.as_deref().filter(|x| !x.is_empty()) {
            None => None,
            Some(x) => match ids.agencies.iter().position(|g| g.as_deref() == Some(x)) {
                Some(i) => Some(i as u32),
                None => {
                    warn.push(format!(
                        "fare_attributes.txt:{line}: fare {} names agency_id {x}, which does not exist; fare skipped",
                        a.id
                    ));
                    continue;
                }
            },
        };
        let transfers = match a.transfers {
            gtfs::Transfers::Unlimited => None,
            gtfs::Transfers::NoTransfer => Some(0),
            gtfs::Transfers::UniqueTransfer => Some(1),
            gtfs::Transfers::TwoTransfers => Some(2),
            gtfs::Transfers::Other(n) => {
                warn.push(format!(
                    "fare_attributes.txt:{line}: fare {} has transfers={n} (expected 0, 1, 2 or empty); fare skipped",
                    a.id
                ));
                continue;
            }
        };
        fare_index.insert(a.id.as_str(), fares.len());
        fares.push(Fare {
            id: a.id.clone(),
            price,
            payment_method: match a.payment_method {
                gtfs::PaymentMethod::Aboard => 0,
                gtfs::PaymentMethod::PreBoarding => 1,
            },
            transfers,
            transfer_duration: a.transfer_duration.map(|d| d.min(u32::MAX as usize) as u32),
            agency,
            routes: Vec::new(),
            ods: Vec::new(),
            contains: Vec::new(),
        });
    }

    // Rules. A fare whose rules were all unusable must not become "applies everywhere".
    let mut had_rules = vec![false; fares.len()];
    let mut kept_rules = vec![false; fares.len()];
    for (row, r) in rules.iter().enumerate() {
        let line = row + 2;
        let Some(&f) = fare_index.get(r.fare_id.as_str()) else {
            warn.push(format!(
                "fare_rules.txt:{line}: fare_id {} is not in fare_attributes.txt; rule skipped",
                r.fare_id
            ));
            continue;
        };
        had_rules[f] = true;
        let nonempty = |x: &Option<String>| x.clone().filter(|s| !s.is_empty());
        let route = match nonempty(&r.route_id) {
            None => None,
            Some(id) => match ids.route(&id) {
                Some(ri) => Some(ri),
                None => {
                    warn.push(format!(
                        "fare_rules.txt:{line}: fare {} names route_id {id}, which does not exist; rule skipped",
                        r.fare_id
                    ));
                    continue;
                }
            },
        };
        let mut zone = |z: Option<String>, col: &str| -> Result<Option<u32>, ()> {
            match z {
                None => Ok(None),
                Some(z) => match zone_index_lookup(&zones, &z) {
                    Some(i) => Ok(Some(i)),
                    None => {
                        warn.push(format!(
                            "fare_rules.txt:{line}: fare {} names {col} {z}, a zone no stop uses; rule skipped",
                            r.fare_id
                        ));
                        Err(())
                    }
                },
            }
        };
        let Ok(origin) = zone(nonempty(&r.origin_id), "origin_id") else {
            continue;
        };
        let Ok(destination) = zone(nonempty(&r.destination_id), "destination_id") else {
            continue;
        };
        let Ok(contains) = zone(nonempty(&r.contains_id), "contains_id") else {
            continue;
        };
        kept_rules[f] = true;
        let fare = &mut fares[f];
        if let Some(ri) = route
            && !fare.routes.contains(&ri)
        {
            fare.routes.push(ri);
        }
        if (origin.is_some() || destination.is_some()) && !fare.ods.contains(&(origin, destination))
        {
            fare.ods.push((origin, destination));
        }
        if let Some(c) = contains
            && !fare.contains.contains(&c)
        {
            fare.contains.push(c);
        }
    }
    let mut out = Vec::new();
    for (i, mut f) in fares.into_iter().enumerate() {
        if had_rules[i] && !kept_rules[i] {
            warn.push(format!(
                "fare_attributes.txt: fare {} has no usable rule in fare_rules.txt; fare skipped",
                f.id
            ));
            continue;
        }
        f.routes.sort();
        f.ods.sort();
        f.contains.sort();
        out.push(f);
    }
    if out.is_empty() {
        return None;
    }
    Some(V1 {
        fares: out,
        zones,
        stop_zone,
    })
}

fn zone_index_lookup(zones: &[String], z: &str) -> Option<u32> {
    zones.iter().position(|x| x == z).map(|i| i as u32)
}

/// What a group of legs looks like to the matcher.
struct Group {
    agencies_one: Option<u32>,
    routes: Vec<RouteIdx>,
    start_zone: u32,
    end_zone: u32,
    zones: Vec<u32>,
    first_dep: i64,
    last_dep: i64,
    legs: usize,
}

impl V1 {
    fn zone(&self, s: StopIdx) -> u32 {
        self.stop_zone.get(s.ix()).copied().unwrap_or(NO_ZONE)
    }

    /// Does fare `f` cover `g`?
    fn matches(f: &Fare, g: &Group) -> bool {
        if let Some(a) = f.agency
            && g.agencies_one != Some(a)
        {
            return false;
        }
        if let Some(t) = f.transfers
            && g.legs > t as usize + 1
        {
            return false;
        }
        if let Some(d) = f.transfer_duration
            && g.last_dep - g.first_dep > d as i64
        {
            return false;
        }
        if !f.routes.is_empty() && !g.routes.iter().all(|r| f.routes.binary_search(r).is_ok()) {
            return false;
        }
        if !f.ods.is_empty() {
            let z = |x: u32| (x != NO_ZONE).then_some(x);
            let (s, e) = (z(g.start_zone), z(g.end_zone));
            let ok = f
                .ods
                .iter()
                .any(|&(o, d)| (o.is_none() || o == s) && (d.is_none() || d == e));
            if !ok {
                return false;
            }
        }
        if !f.contains.is_empty() && f.contains != g.zones {
            return false;
        }
        true
    }

    /// The cheapest covering of `legs` (see the module doc).
    pub fn price(&self, legs: &[Leg], route_agency: &[u32]) -> Priced {
        let n = legs.len();
        // Per-leg facts, computed once.
        let leg_zones: Vec<Vec<u32>> = legs
            .iter()
            .map(|l| {
                let mut z: Vec<u32> = l
                    .stops
                    .iter()
                    .map(|&s| self.zone(s))
                    .filter(|&z| z != NO_ZONE)
                    .collect();
                z.sort_unstable();
                z.dedup();
                z
            })
            .collect();
        // best[i] = (unknown legs, price, choice) for legs i..n.
        #[derive(Clone, Copy)]
        enum Choice {
            End,
            Unknown,
            Fare(usize, usize), // fare, end (exclusive)
        }
        let mut best: Vec<(usize, i64, Choice)> = vec![(0, 0, Choice::End); n + 1];
        for i in (0..n).rev() {
            let mut cand = (best[i + 1].0 + 1, best[i + 1].1, Choice::Unknown);
            let mut g = Group {
                agencies_one: route_agency.get(legs[i].route.ix()).copied(),
                routes: Vec::new(),
                start_zone: self.zone(legs[i].from),
                end_zone: NO_ZONE,
                zones: Vec::new(),
                first_dep: legs[i].departure,
                last_dep: legs[i].departure,
                legs: 0,
            };
            for j in i..n {
                let l = &legs[j];
                if route_agency.get(l.route.ix()).copied() != g.agencies_one {
                    g.agencies_one = None;
                }
                if let Err(p) = g.routes.binary_search(&l.route) {
                    g.routes.insert(p, l.route);
                }
                for &z in &leg_zones[j] {
                    if let Err(p) = g.zones.binary_search(&z) {
                        g.zones.insert(p, z);
                    }
                }
                g.end_zone = self.zone(l.to);
                g.last_dep = g.last_dep.max(l.departure);
                g.legs += 1;
                for (fi, f) in self.fares.iter().enumerate() {
                    if !Self::matches(f, &g) {
                        continue;
                    }
                    let c = (best[j + 1].0, best[j + 1].1 + f.price.minor);
                    if c < (cand.0, cand.1) {
                        cand = (c.0, c.1, Choice::Fare(fi, j + 1));
                    }
                }
            }
            best[i] = cand;
        }
        let mut out = Priced::default();
        let mut i = 0;
        while i < n {
            match best[i].2 {
                Choice::End => break,
                Choice::Unknown => {
                    out.unknown.push(i);
                    i += 1;
                }
                Choice::Fare(f, j) => {
                    let fare = &self.fares[f];
                    out.products.push(PricedProduct {
                        id: fare.id.clone(),
                        name: fare.id.clone(),
                        amount: fare.price,
                        legs: (i..j).collect(),
                        rider_category: None,
                        media: Vec::new(),
                        valid_s: fare
                            .transfer_duration
                            .filter(|_| fare.transfers != Some(0) || j - i > 1),
                    });
                    i = j;
                }
            }
        }
        out
    }
}
