//! GTFS Fares v2, compiled into index form, and the cheapest covering of an itinerary.
//!
//! # A leg's products (`fare_leg_rules.txt`)
//!
//! A leg is described by its route's network (`routes.network_id` or `route_networks.txt`),
//! the areas of its boarding and alighting stops (`stop_areas.txt`; a stop is also in its
//! station's areas), and the timeframe groups its departure and arrival fall in (local time of
//! day on the local date, `timeframes.txt` with its service's dates; start included, end
//! excluded). A rule matches when each of its fields matches:
//!
//! - without `rule_priority` in the file, the spec's "exact first, else empty", applied field by
//!   field in the order network, from area, to area, from timeframe, to timeframe: of the rules
//!   still in play, those whose field equals the leg's value are kept; when there are none,
//!   those whose field is empty;
//! - with `rule_priority`, an empty field matches anything and, of the matching rules, only
//!   those with the highest priority are kept.
//!
//! The leg's products are the matching rules' `fare_product_id`s, for the rider category
//! (product rows with an empty category serve every rider) and fare medium (rows with an empty
//! medium serve every medium). A product that `fare_transfer_rules.txt` names as a transfer
//! product is not offered as a leg's own product when the leg has another one: TriMet's Dec
//! 2024 tables list the $0.80 Streetcar→TriMet upgrade among the Streetcar leg rules, and read
//! literally that would make every Streetcar ride cost $0.80.
//!
//! # Transfers (`fare_transfer_rules.txt`)
//!
//! A *segment* is a run of consecutive legs L0..Lk paid together. Each transfer L(t-1)→Lt must
//! match a transfer rule: `from_leg_group_id` equal to one of the from-leg's groups, else empty;
//! then, of those, `to_leg_group_id` likewise (exact first, else empty);
//! `transfer_count` (same-group rules) bounds how many consecutive transfers the rule is used
//! for (-1 unlimited); `duration_limit` is measured by `duration_limit_type` from the segment's
//! **first** leg (where the product was validated) to leg t, so a chain of transfers cannot
//! stretch a 2½-hour ticket. The cost follows the spec's table: type 0 A + AB (then S + BC),
//! type 1 A + AB + B, type 2 AB (A is not paid when the first transfer is type 2). All products
//! of a segment are bought on one medium; different segments may use different media.
//!
//! # The pricer
//!
//! For each segment the cost is the cheapest choice of transfer rules (a search memoised on
//! (next leg, previous rule, consecutive uses of it), so polynomial in legs and rules) on the
//! cheapest medium; the media tying for that cost are listed. Segments
//! are combined by the same dynamic programming as v1: `best[i] = min(leg i unknown +
//! best[i+1], min over j of segment(i..j) + best[j+1])`, fewest unknown legs first, then price.

use super::load::V2Files;
use super::money::Money;
use super::{Ids, Leg, Priced, PricedProduct, Rider};
use crate::timetable::StopIdx;
use chrono::{Datelike, NaiveDate, TimeZone, Timelike};
use gtfs_structures as gtfs;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const NONE: u32 = u32::MAX;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Medium {
    pub id: String,
    pub name: String,
    pub media_type: Option<u8>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RiderCategory {
    pub id: String,
    pub name: String,
    pub is_default: bool,
    pub eligibility_url: Option<String>,
}

/// One fare_products row: a price for a rider category on a medium.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ProductRow {
    pub rider: Option<u32>,
    pub medium: Option<u32>,
    pub amount: Money,
}

/// A fare_product_id with all its rows.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub rows: Vec<ProductRow>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LegRule {
    pub group: Option<u32>,
    pub network: Option<u32>,
    pub from_area: Option<u32>,
    pub to_area: Option<u32>,
    pub from_timeframe: Option<u32>,
    pub to_timeframe: Option<u32>,
    pub product: u32,
    pub priority: i32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TransferRule {
    pub from: Option<u32>,
    pub to: Option<u32>,
    pub product: Option<u32>,
    /// `None`: not given (different groups); `Some(-1)`: unlimited.
    pub count: Option<i32>,
    pub duration: Option<u32>,
    pub duration_type: u8,
    /// fare_transfer_type 0, 1 or 2.
    pub kind: u8,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Timeframe {
    pub group: u32,
    /// Seconds after local midnight; `end` excluded.
    pub start: u32,
    pub end: u32,
    /// Index into [`V2::service_dates`].
    pub service: u32,
}

/// The compiled Fares v2 tables.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct V2 {
    pub media: Vec<Medium>,
    pub riders: Vec<RiderCategory>,
    pub products: Vec<Product>,
    pub leg_groups: Vec<String>,
    pub leg_rules: Vec<LegRule>,
    pub transfer_rules: Vec<TransferRule>,
    /// fare_leg_rules.txt has rule_priority: empty fields are wildcards, priority decides.
    pub priority_mode: bool,
    pub networks: Vec<String>,
    /// The network of each route (`RouteIdx`), `u32::MAX` for none.
    pub route_network: Vec<u32>,
    pub areas: Vec<String>,
    /// The areas of each stop (`StopIdx`); empty for most.
    pub stop_areas: Vec<Vec<u32>>,
    pub timeframe_groups: Vec<String>,
    pub timeframes: Vec<Timeframe>,
    /// Sorted dates of each service a timeframe names.
    pub service_dates: Vec<Vec<NaiveDate>>,
    /// Products named by a transfer rule.
    pub transfer_product: Vec<bool>,
    /// Medium slots: every medium some product row uses, or one slot for "no medium".
    pub slots: Vec<Option<u32>>,
    /// Slot indices grouped by identical prices (every product, every rider): TriMet sells
    /// the same products at the same prices on Cash, HOP Fastpass, Open Payment and Virtual
    /// HOP Fastpass, so those four are searched once.
    pub classes: Vec<Vec<usize>>,
}

fn naive(d: jiff::civil::Date) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year() as i32, d.month() as u32, d.day() as u32)
        .unwrap_or(NaiveDate::MIN)
}

/// "HH:MM:SS" (hours up to 24) as seconds.
fn parse_hms(s: &str) -> Option<u32> {
    let mut it = s.trim().split(':');
    let h: u32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let sec: u32 = it.next()?.parse().ok()?;
    if it.next().is_some() || m >= 60 || sec >= 60 {
        return None;
    }
    let total = h.checked_mul(3600)?.checked_add(m * 60 + sec)?;
    (total <= 86400).then_some(total)
}

/// Interns strings into indices, in first-seen order.
#[derive(Default)]
struct Interner {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner {
    fn add(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        self.names.push(s.to_string());
        self.index
            .insert(s.to_string(), self.names.len() as u32 - 1);
        self.names.len() as u32 - 1
    }
    fn get(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
    }
}

/// Compiles the v2 files; `None` when the feed has no usable Fares v2.
pub fn compile(raw: &gtfs::RawGtfs, f: &V2Files, ids: &Ids, warn: &mut Vec<String>) -> Option<V2> {
    if !f.errors.is_empty() {
        for e in &f.errors {
            warn.push(format!("{e}; Fares v2 not used"));
        }
        return None;
    }
    if !f.present() {
        return None;
    }
    let mut v = V2::default();

    // Media and rider categories.
    let mut media = Interner::default();
    for (row, m) in f.fare_media.iter().flatten().enumerate() {
        if media.get(&m.fare_media_id).is_some() {
            warn.push(format!(
                "fare_media.txt:{}: duplicate fare_media_id {} ignored",
                row + 2,
                m.fare_media_id
            ));
            continue;
        }
        media.add(&m.fare_media_id);
        v.media.push(Medium {
            id: m.fare_media_id.clone(),
            name: m
                .fare_media_name
                .clone()
                .unwrap_or_else(|| m.fare_media_id.clone()),
            media_type: m.fare_media_type,
        });
    }
    let mut riders = Interner::default();
    for (row, r) in f.rider_categories.iter().flatten().enumerate() {
        if riders.get(&r.rider_category_id).is_some() {
            warn.push(format!(
                "rider_categories.txt:{}: duplicate rider_category_id {} ignored",
                row + 2,
                r.rider_category_id
            ));
            continue;
        }
        riders.add(&r.rider_category_id);
        v.riders.push(RiderCategory {
            id: r.rider_category_id.clone(),
            name: r
                .rider_category_name
                .clone()
                .unwrap_or_else(|| r.rider_category_id.clone()),
            is_default: r.is_default_fare_category == Some(1),
            eligibility_url: r.eligibility_url.clone(),
        });
    }
    if v.riders.iter().filter(|r| r.is_default).count() > 1 {
        warn.push(
            "rider_categories.txt: more than one category has is_default_fare_category=1; the first is the default"
                .to_string(),
        );
        let first = v.riders.iter().position(|r| r.is_default);
        for (i, r) in v.riders.iter_mut().enumerate() {
            r.is_default = Some(i) == first;
        }
    }

    // Products.
    let mut products = Interner::default();
    for (row, p) in f.fare_products.iter().flatten().enumerate() {
        let line = row + 2;
        let amount = match Money::parse(&p.amount, &p.currency) {
            Ok(m) => m,
            Err(e) => {
                warn.push(format!(
                    "fare_products.txt:{line}: product {}: {e}; row skipped",
                    p.fare_product_id
                ));
                continue;
            }
        };
        let rider = match p.rider_category_id.as_deref() {
            None => None,
            Some(r) => match riders.get(r) {
                Some(i) => Some(i),
                None => {
                    warn.push(format!(
                        "fare_products.txt:{line}: product {} names rider_category_id {r}, which is not in rider_categories.txt; row skipped",
                        p.fare_product_id
                    ));
                    continue;
                }
            },
        };
        let medium = match p.fare_media_id.as_deref() {
            None => None,
            Some(m) => match media.get(m) {
                Some(i) => Some(i),
                None => {
                    warn.push(format!(
                        "fare_products.txt:{line}: product {} names fare_media_id {m}, which is not in fare_media.txt; row skipped",
                        p.fare_product_id
                    ));
                    continue;
                }
            },
        };
        let i = products.add(&p.fare_product_id) as usize;
        if i == v.products.len() {
            v.products.push(Product {
                id: p.fare_product_id.clone(),
                name: p
                    .fare_product_name
                    .clone()
                    .unwrap_or_else(|| p.fare_product_id.clone()),
                rows: Vec::new(),
            });
        }
        let rows = &mut v.products[i].rows;
        if rows.iter().any(|r| r.rider == rider && r.medium == medium) {
            warn.push(format!(
                "fare_products.txt:{line}: product {} is listed twice for the same rider category and medium; row skipped",
                p.fare_product_id
            ));
            continue;
        }
        rows.push(ProductRow {
            rider,
            medium,
            amount,
        });
    }

    // Networks.
    let mut networks = Interner::default();
    for n in f.networks.iter().flatten() {
        networks.add(&n.network_id);
    }
    v.route_network = vec![NONE; ids.routes.len()];
    for r in &f.route_network_column {
        if let (Some(n), Some(ri)) = (r.network_id.as_deref(), ids.route(&r.route_id)) {
            v.route_network[ri.ix()] = networks.add(n);
        }
    }
    for (row, r) in f.route_networks.iter().flatten().enumerate() {
        match ids.route(&r.route_id) {
            Some(ri) => v.route_network[ri.ix()] = networks.add(&r.network_id),
            None => warn.push(format!(
                "route_networks.txt:{}: route_id {} does not exist; row skipped",
                row + 2,
                r.route_id
            )),
        }
    }

    // Areas.
    let mut areas = Interner::default();
    for a in f.areas.iter().flatten() {
        areas.add(&a.area_id);
    }
    v.stop_areas = vec![Vec::new(); ids.stops.len()];
    for (row, sa) in f.stop_areas.iter().flatten().enumerate() {
        let line = row + 2;
        if f.areas.is_some() && areas.get(&sa.area_id).is_none() {
            warn.push(format!(
                "stop_areas.txt:{line}: area_id {} is not in areas.txt; row skipped",
                sa.area_id
            ));
            continue;
        }
        let Some(s) = ids.stop(&sa.stop_id) else {
            warn.push(format!(
                "stop_areas.txt:{line}: stop_id {} does not exist; row skipped",
                sa.stop_id
            ));
            continue;
        };
        let a = areas.add(&sa.area_id);
        if !v.stop_areas[s.ix()].contains(&a) {
            v.stop_areas[s.ix()].push(a);
        }
    }
    // A stop is in its station's areas too.
    for i in 0..v.stop_areas.len() {
        if let Some(p) = ids.stop_parent[i] {
            let inherited = v.stop_areas[p as usize].clone();
            for a in inherited {
                if !v.stop_areas[i].contains(&a) {
                    v.stop_areas[i].push(a);
                }
            }
        }
    }

    // Timeframes and the dates of their services.
    let mut tf_groups = Interner::default();
    let mut services = Interner::default();
    for (row, t) in f.timeframes.iter().flatten().enumerate() {
        let line = row + 2;
        let (start, end) = match (&t.start_time, &t.end_time) {
            (None, None) => (Some(0), Some(86400)),
            (Some(a), Some(b)) => (parse_hms(a), parse_hms(b)),
            _ => (None, None),
        };
        let (Some(start), Some(end)) = (start, end) else {
            warn.push(format!(
                "timeframes.txt:{line}: timeframe {} needs both start_time and end_time between 00:00:00 and 24:00:00; row skipped",
                t.timeframe_group_id
            ));
            continue;
        };
        v.timeframes.push(Timeframe {
            group: tf_groups.add(&t.timeframe_group_id),
            start,
            end,
            service: services.add(&t.service_id),
        });
    }
    v.service_dates = services
        .names
        .iter()
        .map(|sid| service_dates(raw, sid))
        .collect();

    // Leg rules.
    let mut groups = Interner::default();
    v.priority_mode = f
        .fare_leg_rules
        .iter()
        .flatten()
        .any(|r| r.rule_priority.is_some());
    for (row, r) in f.fare_leg_rules.iter().flatten().enumerate() {
        let line = row + 2;
        let Some(product) = products.get(&r.fare_product_id) else {
            warn.push(format!(
                "fare_leg_rules.txt:{line}: fare_product_id {} is not in fare_products.txt; rule skipped",
                r.fare_product_id
            ));
            continue;
        };
        let mut bad = None;
        let mut look = |x: &Option<String>, table: &Interner, what: &str| -> Option<u32> {
            let id = x.as_deref()?;
            let got = table.get(id);
            if got.is_none() {
                bad = Some(format!("{what} {id}"));
            }
            got
        };
        let network = look(&r.network_id, &networks, "network_id");
        let from_area = look(&r.from_area_id, &areas, "from_area_id");
        let to_area = look(&r.to_area_id, &areas, "to_area_id");
        let from_timeframe = look(
            &r.from_timeframe_group_id,
            &tf_groups,
            "from_timeframe_group_id",
        );
        let to_timeframe = look(
            &r.to_timeframe_group_id,
            &tf_groups,
            "to_timeframe_group_id",
        );
        if let Some(b) = bad {
            warn.push(format!(
                "fare_leg_rules.txt:{line}: {b} is not defined by any route, stop area or timeframe; rule skipped"
            ));
            continue;
        }
        v.leg_rules.push(LegRule {
            group: r.leg_group_id.as_deref().map(|g| groups.add(g)),
            network,
            from_area,
            to_area,
            from_timeframe,
            to_timeframe,
            product,
            priority: r.rule_priority.unwrap_or(0),
        });
    }

    // Transfer rules.
    v.transfer_product = vec![false; v.products.len()];
    for (row, t) in f.fare_transfer_rules.iter().flatten().enumerate() {
        let line = row + 2;
        let name = format!(
            "{}→{}",
            t.from_leg_group_id.as_deref().unwrap_or("any"),
            t.to_leg_group_id.as_deref().unwrap_or("any")
        );
        let group = |g: &Option<String>| -> Result<Option<u32>, String> {
            match g.as_deref() {
                None => Ok(None),
                Some(g) => groups
                    .get(g)
                    .map(Some)
                    .ok_or_else(|| format!("leg group {g} is in no fare_leg_rules row")),
            }
        };
        let (from, to) = match (group(&t.from_leg_group_id), group(&t.to_leg_group_id)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                warn.push(format!(
                    "fare_transfer_rules.txt:{line}: rule {name}: {e}; rule skipped"
                ));
                continue;
            }
        };
        let product = match t.fare_product_id.as_deref() {
            None => None,
            Some(p) => match products.get(p) {
                Some(i) => Some(i),
                None => {
                    warn.push(format!(
                        "fare_transfer_rules.txt:{line}: rule {name}: fare_product_id {p} is not in fare_products.txt; rule skipped"
                    ));
                    continue;
                }
            },
        };
        if t.fare_transfer_type > 2 {
            warn.push(format!(
                "fare_transfer_rules.txt:{line}: rule {name}: fare_transfer_type {} (expected 0, 1 or 2); rule skipped",
                t.fare_transfer_type
            ));
            continue;
        }
        let duration = match t.duration_limit {
            None => None,
            Some(d) if d > 0 && d <= u32::MAX as i64 => Some(d as u32),
            Some(d) => {
                warn.push(format!(
                    "fare_transfer_rules.txt:{line}: rule {name}: duration_limit {d} is not a positive number of seconds; rule skipped"
                ));
                continue;
            }
        };
        let duration_type = match (duration, t.duration_limit_type) {
            (None, _) => 0,
            (Some(_), Some(k)) if k <= 3 => k,
            (Some(_), k) => {
                warn.push(format!(
                    "fare_transfer_rules.txt:{line}: rule {name}: duration_limit needs duration_limit_type 0–3 (got {k:?}); rule skipped"
                ));
                continue;
            }
        };
        if t.transfer_count.is_some() && from != to {
            warn.push(format!(
                "fare_transfer_rules.txt:{line}: rule {name}: transfer_count is only for rules between the same leg group; ignored"
            ));
        }
        if let Some(p) = product {
            v.transfer_product[p as usize] = true;
        }
        v.transfer_rules.push(TransferRule {
            from,
            to,
            product,
            count: if from == to { t.transfer_count } else { None },
            duration,
            duration_type,
            kind: t.fare_transfer_type,
        });
    }

    // Products no rule reaches.
    let mut reached = vec![false; v.products.len()];
    for r in &v.leg_rules {
        reached[r.product as usize] = true;
    }
    for r in &v.transfer_rules {
        if let Some(p) = r.product {
            reached[p as usize] = true;
        }
    }
    for (p, ok) in v.products.iter().zip(&reached) {
        if !ok {
            warn.push(format!(
                "fare_products.txt: product {} is named by no fare_leg_rules or fare_transfer_rules row; no journey can use it",
                p.id
            ));
        }
    }
    if v.leg_rules.is_empty() {
        warn.push("fare_leg_rules.txt: no usable rule; Fares v2 not used".to_string());
        return None;
    }
    v.slots = v.media_slots();
    v.classes = v.slot_classes();
    v.leg_groups = groups.names;
    v.networks = networks.names;
    v.areas = areas.names;
    v.timeframe_groups = tf_groups.names;
    Some(v)
}

/// The dates `service_id` runs on, from calendar.txt and calendar_dates.txt.
fn service_dates(raw: &gtfs::RawGtfs, sid: &str) -> Vec<NaiveDate> {
    let mut dates = std::collections::BTreeSet::new();
    if let Some(Ok(cal)) = &raw.calendar {
        for c in cal.iter().filter(|c| c.id == sid) {
            let (a, b) = (naive(c.start_date), naive(c.end_date));
            let mut d = a;
            // Bounded like the timetable: at most ~3 years of days.
            let mut n = 0;
            while d <= b && n < 3 * 366 {
                let on = match d.weekday() {
                    chrono::Weekday::Mon => c.monday,
                    chrono::Weekday::Tue => c.tuesday,
                    chrono::Weekday::Wed => c.wednesday,
                    chrono::Weekday::Thu => c.thursday,
                    chrono::Weekday::Fri => c.friday,
                    chrono::Weekday::Sat => c.saturday,
                    chrono::Weekday::Sun => c.sunday,
                };
                if on {
                    dates.insert(d);
                }
                d = d.succ_opt().unwrap_or(NaiveDate::MAX);
                n += 1;
            }
        }
    }
    if let Some(Ok(cd)) = &raw.calendar_dates {
        for c in cd.iter().filter(|c| c.service_id == sid) {
            match c.exception_type {
                gtfs::Exception::Added => {
                    dates.insert(naive(c.date));
                }
                gtfs::Exception::Deleted => {
                    dates.remove(&naive(c.date));
                }
            }
        }
    }
    dates.into_iter().collect()
}

/// What pricing needs to know about one leg for one rider.
struct LegFacts {
    groups: Vec<u32>,
    /// For each medium slot: the cheapest own product (amount, product, row).
    own: Vec<Option<(i64, u32, usize)>>,
}

/// One step of a priced segment.
#[derive(Clone, Debug)]
struct Step {
    rule: usize,
    /// The to-leg's own product paid with a type-1 transfer.
    b: Option<(u32, usize)>,
    product_row: Option<(u32, usize)>,
}

/// What a segment's search holds fixed.
struct Ctx<'a> {
    legs: &'a [Leg],
    facts: &'a [LegFacts],
    /// `cands[t]`: the transfer rules for the transfer into leg t (computed once per price).
    cands: &'a [Vec<usize>],
    i: usize,
    j: usize,
    s: usize,
    rows: &'a Rows,
}

/// The cheapest row (amount, row index) of each product on each slot for one rider.
struct Rows {
    table: Vec<Option<(i64, usize)>>,
    slots: usize,
}

impl Rows {
    fn get(&self, p: u32, s: usize) -> Option<(i64, usize)> {
        self.table[p as usize * self.slots + s]
    }
}

/// (next leg, previous rule, its consecutive uses).
type Key = (usize, Option<usize>, i32);

/// Best suffix cost per state, with the step taken and the run after it; a handful of states,
/// so a vector beats a hash map.
type Memo = Vec<(Key, Option<(i64, Step, i32)>)>;

/// A priced segment for one medium slot.
#[derive(Clone, Debug)]
struct Segment {
    cost: i64,
    a: Option<(u32, usize)>,
    steps: Vec<Step>,
}

impl V2 {
    /// The rider category index prices are for.
    fn rider_index(&self, rider: &Rider) -> Option<u32> {
        match rider {
            Rider::Category(i) => Some(*i),
            Rider::Default => self
                .riders
                .iter()
                .position(|r| r.is_default)
                .map(|i| i as u32),
        }
    }

    /// Groups slots whose usable rows (rider, amount) are the same for every product.
    fn slot_classes(&self) -> Vec<Vec<usize>> {
        let signature = |slot: Option<u32>| -> Vec<Vec<(Option<u32>, i64)>> {
            self.products
                .iter()
                .map(|p| {
                    let mut rows: Vec<(Option<u32>, i64)> = p
                        .rows
                        .iter()
                        .filter(|r| r.medium.is_none() || r.medium == slot)
                        .map(|r| (r.rider, r.amount.minor))
                        .collect();
                    rows.sort_unstable();
                    rows
                })
                .collect()
        };
        let sigs: Vec<_> = self.slots.iter().map(|&s| signature(s)).collect();
        let mut classes: Vec<Vec<usize>> = Vec::new();
        for (s, sig) in sigs.iter().enumerate() {
            match classes.iter_mut().find(|c| sigs[c[0]] == *sig) {
                Some(c) => c.push(s),
                None => classes.push(vec![s]),
            }
        }
        classes
    }

    /// Medium slots: every medium some product row uses, or one slot for "no medium".
    fn media_slots(&self) -> Vec<Option<u32>> {
        let mut used: Vec<u32> = self
            .products
            .iter()
            .flat_map(|p| p.rows.iter().filter_map(|r| r.medium))
            .collect();
        used.sort_unstable();
        used.dedup();
        if used.is_empty() {
            vec![None]
        } else {
            used.into_iter().map(Some).collect()
        }
    }

    /// The cheapest row of product `p` for `rider` on `slot`.
    fn row(&self, p: u32, rider: Option<u32>, slot: Option<u32>) -> Option<(i64, usize)> {
        self.products[p as usize]
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.rider.is_none() || r.rider == rider)
            .filter(|(_, r)| r.medium.is_none() || r.medium == slot)
            .map(|(i, r)| (r.amount.minor, i))
            .min()
    }

    /// The leg rules that match `leg` (after the exact-or-empty rule or priority).
    fn matching_rules(&self, leg: &Leg, tz: chrono_tz::Tz) -> Vec<usize> {
        let network = self
            .route_network
            .get(leg.route.ix())
            .copied()
            .filter(|&n| n != NONE);
        let areas = |s: StopIdx| -> &[u32] {
            self.stop_areas
                .get(s.ix())
                .map(|v| v.as_slice())
                .unwrap_or(&[])
        };
        let (from_areas, to_areas) = (areas(leg.from), areas(leg.to));
        let from_tf = self.active_timeframes(leg.departure, tz);
        let to_tf = self.active_timeframes(leg.arrival, tz);
        let rules = &self.leg_rules;
        let net: Vec<u32> = network.into_iter().collect();
        type Field = fn(&LegRule) -> Option<u32>;
        let fields: [(Field, &[u32]); 5] = [
            (|r| r.network, &net),
            (|r| r.from_area, from_areas),
            (|r| r.to_area, to_areas),
            (|r| r.from_timeframe, &from_tf),
            (|r| r.to_timeframe, &to_tf),
        ];
        let mut out: Vec<usize> = (0..rules.len()).collect();
        if self.priority_mode {
            out.retain(|&i| {
                fields
                    .iter()
                    .all(|(f, vals)| f(&rules[i]).is_none_or(|x| vals.contains(&x)))
            });
            if let Some(top) = out.iter().map(|&i| rules[i].priority).max() {
                out.retain(|&i| rules[i].priority == top);
            }
        } else {
            // Field by field: the rules equal to the leg's value, else those left empty.
            for (f, vals) in fields {
                // A field no rule uses keeps every rule (all are empty there): skip it.
                if !out.iter().any(|&i| f(&rules[i]).is_some()) {
                    continue;
                }
                let exact: Vec<usize> = out
                    .iter()
                    .copied()
                    .filter(|&i| f(&rules[i]).is_some_and(|x| vals.contains(&x)))
                    .collect();
                if exact.is_empty() {
                    out.retain(|&i| f(&rules[i]).is_none());
                } else {
                    out = exact;
                }
            }
        }
        out
    }

    /// The timeframe groups `t` falls in (local time of day on its local date).
    fn active_timeframes(&self, t: i64, tz: chrono_tz::Tz) -> Vec<u32> {
        if self.timeframes.is_empty() {
            return Vec::new();
        }
        let Some(local) = tz.timestamp_opt(t, 0).single() else {
            return Vec::new();
        };
        let date = local.date_naive();
        let secs = local.num_seconds_from_midnight();
        let mut out: Vec<u32> = self
            .timeframes
            .iter()
            .filter(|f| f.start <= secs && secs < f.end)
            .filter(|f| {
                self.service_dates
                    .get(f.service as usize)
                    .is_some_and(|d| d.binary_search(&date).is_ok())
            })
            .map(|f| f.group)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn facts(&self, leg: &Leg, rows: &Rows, tz: chrono_tz::Tz) -> LegFacts {
        let rules = self.matching_rules(leg, tz);
        let mut groups: Vec<u32> = rules
            .iter()
            .filter_map(|&i| self.leg_rules[i].group)
            .collect();
        groups.sort_unstable();
        groups.dedup();
        let own = (0..rows.slots)
            .map(|s| {
                // Only a class's first slot is searched (see `classes`).
                if !self.classes.iter().any(|c| c[0] == s) {
                    return None;
                }
                let cands: Vec<(i64, u32, usize)> = rules
                    .iter()
                    .filter_map(|&i| {
                        let p = self.leg_rules[i].product;
                        rows.get(p, s).map(|(a, r)| (a, p, r))
                    })
                    .collect();
                let plain: Vec<&(i64, u32, usize)> = cands
                    .iter()
                    .filter(|c| !self.transfer_product[c.1 as usize])
                    .collect();
                if plain.is_empty() {
                    cands.iter().min().copied()
                } else {
                    plain.into_iter().min().copied()
                }
            })
            .collect();
        LegFacts { groups, own }
    }

    /// The transfer rules for a transfer from a leg in groups `a` to one in groups `b`:
    /// `from_leg_group_id` equal to one of `a`, else empty; then, of those, `to_leg_group_id`
    /// equal to one of `b`, else empty.
    fn transfer_candidates(&self, a: &[u32], b: &[u32]) -> Vec<usize> {
        let mut out: Vec<usize> = (0..self.transfer_rules.len()).collect();
        type Side = fn(&TransferRule) -> Option<u32>;
        let sides: [(Side, &[u32]); 2] = [(|r| r.from, a), (|r| r.to, b)];
        for (f, vals) in sides {
            let exact: Vec<usize> = out
                .iter()
                .copied()
                .filter(|&i| f(&self.transfer_rules[i]).is_some_and(|g| vals.contains(&g)))
                .collect();
            if exact.is_empty() {
                out.retain(|&i| f(&self.transfer_rules[i]).is_none());
            } else {
                out = exact;
            }
        }
        out
    }

    /// The cheapest way to pay legs `ctx.i..=ctx.j` as one segment on medium `ctx.slot`.
    fn segment(&self, ctx: &Ctx, memo: &mut Memo) -> Option<Segment> {
        let (facts, i, s) = (ctx.facts, ctx.i, ctx.s);
        if i == ctx.j {
            let (cost, p, r) = facts[i].own[s]?;
            return Some(Segment {
                cost,
                a: Some((p, r)),
                steps: Vec::new(),
            });
        }
        memo.clear();
        let cost = self.suffix(ctx, (i + 1, None, 0), memo)?;
        let mut steps = Vec::new();
        let mut key: Key = (i + 1, None, 0);
        while key.0 <= ctx.j {
            let Some((_, Some((_, step, run)))) = memo.iter().find(|(k, _)| *k == key) else {
                break;
            };
            key = (key.0 + 1, Some(step.rule), *run);
            steps.push(step.clone());
        }
        let a = if self.transfer_rules[steps[0].rule].kind == 2 {
            None
        } else {
            facts[i].own[s].map(|(_, p, r)| (p, r))
        };
        Some(Segment { cost, a, steps })
    }

    /// The cheapest way to pay the transfers into legs `t..=j` of a segment that starts at
    /// leg `ctx.i`, the previous transfer having used rule `prev` for the last `run`
    /// consecutive transfers (`key = (t, prev, run)`). What is left to pay depends only on
    /// the key — durations run from the segment's first leg, which is fixed — so it is
    /// memoised: the search is polynomial in legs and rules, not exponential.
    fn suffix(&self, ctx: &Ctx, key: Key, memo: &mut Memo) -> Option<i64> {
        let (t, prev, run) = key;
        if t > ctx.j {
            return Some(0);
        }
        if let Some((_, v)) = memo.iter().find(|(k, _)| *k == key) {
            return v.as_ref().map(|x| x.0);
        }
        let (legs, facts, i, s) = (ctx.legs, ctx.facts, ctx.i, ctx.s);
        let mut best: Option<(i64, Step, i32)> = None;
        for &ri in &ctx.cands[t] {
            let r = &self.transfer_rules[ri];
            let run2 = if prev == Some(ri) { run + 1 } else { 1 };
            if let Some(c) = r.count
                && c >= 0
                && run2 > c
            {
                continue;
            }
            if let Some(d) = r.duration {
                let (a, b) = (&legs[i], &legs[t]);
                let span = match r.duration_type {
                    0 => b.arrival - a.departure,
                    1 => b.departure - a.departure,
                    2 => b.departure - a.arrival,
                    _ => b.arrival - a.arrival,
                };
                if span > d as i64 {
                    continue;
                }
            }
            let (price, product_row) = match r.product {
                None => (0, None),
                Some(p) => match ctx.rows.get(p, ctx.s) {
                    Some((a, row)) => (a, Some((p, row))),
                    None => continue,
                },
            };
            let mut cost = 0;
            if t == i + 1 && r.kind != 2 {
                match facts[i].own[s] {
                    Some((a, _, _)) => cost += a,
                    None => continue,
                }
            }
            cost += price;
            let mut b = None;
            if r.kind == 1 {
                match facts[t].own[s] {
                    Some((a, p, row)) => {
                        cost += a;
                        b = Some((p, row));
                    }
                    None => continue,
                }
            }
            let Some(rest) = self.suffix(ctx, (t + 1, Some(ri), run2), memo) else {
                continue;
            };
            if best.as_ref().is_none_or(|(c, _, _)| cost + rest < *c) {
                let step = Step {
                    rule: ri,
                    b,
                    product_row,
                };
                best = Some((cost + rest, step, run2));
            }
        }
        let cost = best.as_ref().map(|x| x.0);
        memo.push((key, best));
        cost
    }

    /// The cheapest covering of `legs` for `rider` (see the module doc).
    pub fn price(&self, legs: &[Leg], rider: &Rider, timezone: &str) -> Priced {
        let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
        let rider = self.rider_index(rider);
        let slots = &self.slots;
        // The cheapest row of every product on every searched slot, for this rider: looked
        // up once per journey, not once per leg, segment and transfer.
        let mut table = vec![None; self.products.len() * slots.len()];
        for class in &self.classes {
            let s = class[0];
            for p in 0..self.products.len() {
                table[p * slots.len() + s] = self.row(p as u32, rider, slots[s]);
            }
        }
        let rows = Rows {
            table,
            slots: slots.len(),
        };
        let facts: Vec<LegFacts> = legs.iter().map(|l| self.facts(l, &rows, tz)).collect();
        let n = legs.len();
        let cands: Vec<Vec<usize>> = (0..n)
            .map(|t| {
                if t == 0 {
                    Vec::new()
                } else {
                    self.transfer_candidates(&facts[t - 1].groups, &facts[t].groups)
                }
            })
            .collect();
        let mut memo = Memo::new();
        // seg[i][j-i] = (cost, class index, classes tying, segment) for legs i..=j. Media
        // that price every product alike (a class) are searched once.
        type Best = (i64, usize, Vec<usize>, Segment);
        let mut seg: Vec<Vec<Option<Best>>> = vec![Vec::new(); n];
        for (i, row) in seg.iter_mut().enumerate() {
            for j in i..n {
                let mut b: Option<Best> = None;
                for (c, class) in self.classes.iter().enumerate() {
                    let s = class[0];
                    let ctx = Ctx {
                        legs,
                        facts: &facts,
                        cands: &cands,
                        i,
                        j,
                        s,
                        rows: &rows,
                    };
                    let Some(x) = self.segment(&ctx, &mut memo) else {
                        continue;
                    };
                    match &mut b {
                        Some(cur) if x.cost == cur.0 => cur.2.push(c),
                        Some(cur) if x.cost > cur.0 => {}
                        _ => b = Some((x.cost, c, vec![c], x)),
                    }
                }
                row.push(b);
            }
        }
        #[derive(Clone, Copy)]
        enum Choice {
            End,
            Unknown,
            Seg(usize),
        }
        let mut best: Vec<(usize, i64, Choice)> = vec![(0, 0, Choice::End); n + 1];
        for i in (0..n).rev() {
            let mut cand = (best[i + 1].0 + 1, best[i + 1].1, Choice::Unknown);
            for j in i..n {
                if let Some(b) = &seg[i][j - i] {
                    let c = (best[j + 1].0, best[j + 1].1 + b.0);
                    if c < (cand.0, cand.1) {
                        cand = (c.0, c.1, Choice::Seg(j));
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
                Choice::Seg(j) => {
                    if let Some((_, _, tie, segment)) = &seg[i][j - i] {
                        let mut tie: Vec<usize> = tie
                            .iter()
                            .flat_map(|&c| self.classes[c].iter().copied())
                            .collect();
                        tie.sort_unstable();
                        self.itemise(i, j, &tie, slots, segment, rider, &facts, &mut out);
                    }
                    i = j + 1;
                }
            }
        }
        out
    }

    /// Turns a priced segment into products.
    #[allow(clippy::too_many_arguments)]
    fn itemise(
        &self,
        i: usize,
        j: usize,
        tie: &[usize],
        slots: &[Option<u32>],
        segment: &Segment,
        rider: Option<u32>,
        facts: &[LegFacts],
        out: &mut Priced,
    ) {
        let media: Vec<String> = tie
            .iter()
            .filter_map(|&s| slots[s])
            .filter_map(|m| self.media.get(m as usize).map(|x| x.name.clone()))
            .collect();
        let rider_name = |row_rider: Option<u32>| {
            row_rider
                .or(rider)
                .and_then(|r| self.riders.get(r as usize))
                .map(|r| r.name.clone())
        };
        let product = |p: u32, row: usize, legs: Vec<usize>, valid_s: Option<u32>| {
            let prod = &self.products[p as usize];
            let r = &prod.rows[row];
            PricedProduct {
                id: prod.id.clone(),
                name: prod.name.clone(),
                amount: r.amount,
                legs,
                rider_category: rider_name(r.rider),
                media: media.clone(),
                valid_s,
            }
        };
        // How long the first product covers later legs: the first transfer rule used, else a
        // rule from the leg's group to itself.
        let valid_s = segment
            .steps
            .first()
            .and_then(|s| self.transfer_rules[s.rule].duration)
            .or_else(|| {
                self.transfer_rules
                    .iter()
                    .find(|r| {
                        r.from.is_some_and(|g| facts[i].groups.contains(&g)) && r.from == r.to
                    })
                    .and_then(|r| r.duration)
            });
        if let Some((p, row)) = segment.a {
            out.products
                .push(product(p, row, (i..=j).collect(), valid_s));
        }
        for (k, st) in segment.steps.iter().enumerate() {
            let t = i + 1 + k;
            if let Some((p, row)) = st.product_row {
                let amount = self.products[p as usize].rows[row].amount.minor;
                if amount > 0 || segment.a.is_none() && k == 0 {
                    let legs = if segment.a.is_none() && k == 0 {
                        (i..=j).collect()
                    } else {
                        vec![t]
                    };
                    out.products.push(product(p, row, legs, None));
                }
            }
            if let Some((p, row)) = st.b {
                out.products.push(product(p, row, vec![t], None));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeframe_times_are_bounded_and_never_overflow() {
        assert_eq!(parse_hms("07:30:00"), Some(27000));
        assert_eq!(parse_hms("24:00:00"), Some(86400));
        assert_eq!(parse_hms("24:00:01"), None);
        assert_eq!(parse_hms("7:60:00"), None);
        assert_eq!(parse_hms("4294967295:00:00"), None);
        assert_eq!(parse_hms("00:4294967295:00"), None);
        assert_eq!(parse_hms("07:30"), None);
    }
}
