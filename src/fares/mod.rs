//! What a journey costs: GTFS Fares v1 and Fares v2 compiled into index form (stored in the
//! [`Timetable`]) and a pricer that covers an itinerary's transit legs with the cheapest
//! matching fares. The renderers only print what this module decides.
//!
//! - [`v1`]: `fare_attributes.txt` + `fare_rules.txt` (read by gtfs-structures), zones from
//!   stops' `zone_id`; the cheapest covering by dynamic programming over leg groupings.
//! - [`v2`]: `fare_media`, `fare_products`, `rider_categories`, `fare_leg_rules`,
//!   `fare_transfer_rules`, `timeframes`, `areas`/`stop_areas`, `networks`/`route_networks`
//!   (read by [`load`] with csv + serde); per-leg products with rule priority, transfer chains
//!   with counts, duration limits and fare_transfer_type 0/1/2, per rider category and medium.
//! - When a feed has both, **v2 wins** (`feed info` says which one is used).
//! - No fare data → "fare unknown", never a guessed number. A leg no fare covers is listed as
//!   unknown, and the total is then left out (the known part is still itemised).
//!
//! Money is integer minor units ([`money::Money`]), printed as decimal strings.

pub mod announce;
pub mod load;
pub mod money;
pub mod v1;
pub mod v2;

use crate::error::{Error, Result};
use crate::router::Journey;
use crate::time::Instant;
use crate::timetable::{RouteIdx, StopIdx, Timetable};
use gtfs_structures as gtfs;
use money::Money;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// "This stop has no zone" in [`v1::V1::stop_zone`].
pub const NO_ZONE: u32 = u32::MAX;

/// The compiled fare tables of a feed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Fares {
    pub v1: Option<v1::V1>,
    pub v2: Option<v2::V2>,
    /// The agency of each route (index = `RouteIdx`), for agency-limited v1 fares.
    pub route_agency: Vec<u32>,
    /// `agency_fare_url` of each agency (index as in the timetable's agencies).
    pub agency_fare_urls: Vec<Option<String>>,
    /// The feed's time zone (timeframes are local times of day).
    pub timezone: String,
}

/// Which fare model prices journeys on this feed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FareModel {
    None,
    V1,
    V2,
}

/// One transit leg as fares see it.
#[derive(Clone, Debug, PartialEq)]
pub struct Leg {
    pub route: RouteIdx,
    pub from: StopIdx,
    pub to: StopIdx,
    /// Every stop passed from boarding to alighting, both included.
    pub stops: Vec<StopIdx>,
    pub departure: Instant,
    pub arrival: Instant,
}

/// One product bought for a journey.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PricedProduct {
    pub id: String,
    pub name: String,
    pub amount: Money,
    /// Indices into the priced legs.
    pub legs: Vec<usize>,
    pub rider_category: Option<String>,
    /// Media this product can be bought on at this price (empty: the feed names none).
    pub media: Vec<String>,
    /// How long the product covers later legs (transfer duration or limit), seconds.
    pub valid_s: Option<u32>,
}

/// The cheapest covering found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Priced {
    pub products: Vec<PricedProduct>,
    /// Legs (indices into the priced legs) that no fare covers.
    pub unknown: Vec<usize>,
}

impl Priced {
    /// The sum of the products, in minor units.
    pub fn sum_minor(&self) -> i64 {
        self.products.iter().map(|p| p.amount.minor).sum()
    }

    /// The total: `None` when a leg is unknown or products mix currencies.
    pub fn total(&self) -> Option<Money> {
        if !self.unknown.is_empty() {
            return None;
        }
        let first = self.products.first().map(|p| p.amount)?;
        self.products
            .iter()
            .all(|p| p.amount.currency == first.currency)
            .then(|| Money {
                minor: self.sum_minor(),
                ..first
            })
    }
}

/// The rider category a price is for (Fares v2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rider {
    /// The feed's default category (`is_default_fare_category=1`), else none.
    Default,
    /// An index into [`v2::V2::riders`].
    Category(u32),
}

/// Stop, route and agency ids in timetable index order: what fare files refer to.
#[derive(Clone, Debug, Default)]
pub struct Ids {
    pub stops: Vec<String>,
    pub stop_parent: Vec<Option<u32>>,
    pub routes: Vec<String>,
    pub route_agency: Vec<u32>,
    pub agencies: Vec<Option<String>>,
    stop_index: HashMap<String, u32>,
    route_index: HashMap<String, u32>,
}

impl Ids {
    fn new(
        stops: Vec<String>,
        stop_parent: Vec<Option<u32>>,
        routes: Vec<String>,
        route_agency: Vec<u32>,
        agencies: Vec<Option<String>>,
    ) -> Ids {
        let mut stop_index = HashMap::with_capacity(stops.len());
        for (i, s) in stops.iter().enumerate() {
            stop_index.entry(s.clone()).or_insert(i as u32);
        }
        let mut route_index = HashMap::with_capacity(routes.len());
        for (i, r) in routes.iter().enumerate() {
            route_index.entry(r.clone()).or_insert(i as u32);
        }
        Ids {
            stops,
            stop_parent,
            routes,
            route_agency,
            agencies,
            stop_index,
            route_index,
        }
    }

    /// The ids of a compiled timetable.
    pub fn from_timetable(tt: &Timetable) -> Ids {
        Ids::new(
            (0..tt.stops.len())
                .map(|i| tt.stops.id(i).to_string())
                .collect(),
            (0..tt.stops.len())
                .map(|i| tt.stops.parent(i).map(|p| p.0))
                .collect(),
            tt.routes.iter().map(|r| r.id.clone()).collect(),
            tt.routes.iter().map(|r| r.agency).collect(),
            tt.agencies.iter().map(|a| a.id.clone()).collect(),
        )
    }

    /// The ids of one feed of a region: the other feeds' stops and routes get ids no fare table
    /// can name, so a fare rule of this feed never matches another feed's stop or route.
    pub fn from_feed(tt: &Timetable, f: &crate::timetable::FeedPart) -> Ids {
        let foreign = |id: &str| format!("\u{1}{id}");
        Ids::new(
            tt.stops
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    if f.stops.contains(&(i as u32)) {
                        s.id.clone()
                    } else {
                        foreign(&s.id)
                    }
                })
                .collect(),
            tt.stops.iter().map(|s| s.parent.map(|p| p.0)).collect(),
            tt.routes
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    if f.routes.contains(&(i as u32)) {
                        r.id.clone()
                    } else {
                        foreign(&r.id)
                    }
                })
                .collect(),
            tt.routes.iter().map(|r| r.agency).collect(),
            tt.agencies
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    if f.agencies.contains(&(i as u32)) {
                        a.id.clone()
                    } else {
                        Some(foreign(a.id.as_deref().unwrap_or("")))
                    }
                })
                .collect(),
        )
    }

    /// The ids of a raw feed, first occurrence of each id winning as the compiler does. For
    /// pricing on feeds that cannot be compiled into a timetable (fare tables published
    /// without stop_times).
    pub fn from_raw(raw: &gtfs::RawGtfs) -> Ids {
        let mut seen = std::collections::HashSet::new();
        let stops: Vec<&gtfs::Stop> = raw
            .stops
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .filter(|s| seen.insert(s.id.clone()))
            .collect();
        let pos: HashMap<&str, u32> = stops
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i as u32))
            .collect();
        let agencies: Vec<Option<String>> = raw
            .agencies
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .map(|a| a.id.clone())
            .collect();
        let mut seen = std::collections::HashSet::new();
        let routes: Vec<&gtfs::Route> = raw
            .routes
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .filter(|r| seen.insert(r.id.clone()))
            .collect();
        Ids::new(
            stops.iter().map(|s| s.id.clone()).collect(),
            stops
                .iter()
                .map(|s| {
                    s.parent_station
                        .as_deref()
                        .and_then(|p| pos.get(p).copied())
                })
                .collect(),
            routes.iter().map(|r| r.id.clone()).collect(),
            routes
                .iter()
                .map(|r| {
                    r.agency_id
                        .as_deref()
                        .and_then(|a| agencies.iter().position(|x| x.as_deref() == Some(a)))
                        .unwrap_or(0) as u32
                })
                .collect(),
            agencies,
        )
    }

    pub fn stop(&self, id: &str) -> Option<StopIdx> {
        self.stop_index.get(id).map(|&i| StopIdx(i))
    }

    pub fn route(&self, id: &str) -> Option<RouteIdx> {
        self.route_index.get(id).map(|&i| RouteIdx(i))
    }
}

/// Compiles a feed's fare tables (v1 from `raw`, v2 from `v2`). Problems are pushed to `warn`
/// as `file:line: …` messages; nothing here fails the feed.
pub fn compile(
    raw: &gtfs::RawGtfs,
    v2files: &load::V2Files,
    ids: &Ids,
    timezone: &str,
    warn: &mut Vec<String>,
) -> Fares {
    let v1 = v1::compile(raw, ids, warn);
    let v2 = v2::compile(raw, v2files, ids, warn);
    let agency_fare_urls = raw
        .agencies
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .map(|a| a.fare_url.clone().filter(|u| !u.is_empty()))
        .collect();
    Fares {
        v1,
        v2,
        route_agency: ids.route_agency.clone(),
        agency_fare_urls,
        timezone: timezone.to_string(),
    }
}

/// Compiles a feed read from `path` into a timetable with its fare tables: the timetable
/// compiler, then [`compile`] over the same raw rows and the Fares v2 files read from `path`.
/// Fare warnings join the feed's warnings.
pub fn compile_feed(
    raw: &crate::feed::load::RawFeed,
    path: &Path,
    feed: &str,
    content_hash: String,
) -> Result<Timetable> {
    let mut tt = crate::timetable::compile::compile(raw, feed, content_hash)?;
    let v2files = load::read_v2(path);
    let mut warn = Vec::new();
    tt.fares = compile(
        raw,
        &v2files,
        &Ids::from_timetable(&tt),
        &tt.timezone,
        &mut warn,
    );
    tt.meta.warnings.extend(warn);
    Ok(tt)
}

/// The fare tables of a region: those of the first feed that has any, read against that
/// feed's ids only (legs on the other feeds' routes then have no fare, and say so). A second
/// feed with fare tables is named in a warning: one journey is priced by one set of tables.
pub fn compile_region_fares(tt: &mut Timetable, feeds: &[(&crate::feed::load::RawFeed, &Path)]) {
    let mut warn = Vec::new();
    let mut chosen: Option<String> = None;
    for (f, (raw, path)) in tt.feeds.clone().iter().zip(feeds) {
        let v2files = load::read_v2(path);
        let mut w = Vec::new();
        let fares = compile(raw, &v2files, &Ids::from_feed(tt, f), &f.timezone, &mut w);
        if fares.model() == FareModel::None {
            continue;
        }
        match &chosen {
            None => {
                tt.fares = fares;
                warn.extend(w.into_iter().map(|x| format!("{}: {x}", f.key)));
                chosen = Some(f.key.clone());
            }
            Some(c) => warn.push(format!(
                "{}: its fare tables are not used: journeys are priced with those of {c} (one set of fare tables per region)",
                f.key
            )),
        }
    }
    tt.meta.warnings.extend(warn);
}

impl Fares {
    /// Which model prices journeys: v2 when present, else v1, else none.
    pub fn model(&self) -> FareModel {
        if self.v2.is_some() {
            FareModel::V2
        } else if self.v1.is_some() {
            FareModel::V1
        } else {
            FareModel::None
        }
    }

    /// A one-line description for `feed info`.
    pub fn describe(&self) -> String {
        match (self.v1.is_some(), self.v2.as_ref()) {
            (_, Some(v2)) => format!(
                "Fares v2 ({} products, {} leg rules, {} transfer rules, {} rider categories, {} media){}",
                v2.products.len(),
                v2.leg_rules.len(),
                v2.transfer_rules.len(),
                v2.riders.len(),
                v2.media.len(),
                if self.v1.is_some() {
                    "; the feed also has Fares v1, which v2 supersedes"
                } else {
                    ""
                }
            ),
            (true, None) => {
                let v1 = self.v1.as_ref().map(|v| v.fares.len()).unwrap_or(0);
                format!("Fares v1 ({v1} fares)")
            }
            (false, None) => "none (journeys show \"fare unknown\")".to_string(),
        }
    }

    /// Resolves `--rider NAME` (a rider_category_id or name, any case) once.
    pub fn rider(&self, name: Option<&str>) -> Result<Rider> {
        let Some(name) = name else {
            return Ok(Rider::Default);
        };
        let Some(v2) = &self.v2 else {
            return Err(Error::bad_input(
                "--rider",
                name,
                "this feed's fares have no rider categories (no Fares v2 rider_categories.txt)",
            ));
        };
        let key = |s: &str| s.to_lowercase().replace(['_', '-'], " ");
        let want = key(name);
        match v2
            .riders
            .iter()
            .position(|r| key(&r.id) == want || key(&r.name) == want)
        {
            Some(i) => Ok(Rider::Category(i as u32)),
            None => {
                let mut known: Vec<String> = v2.riders.iter().map(|r| r.id.clone()).collect();
                known.sort();
                Err(Error::bad_input(
                    "--rider",
                    name,
                    format!("this feed's rider categories are: {}", known.join(", ")),
                ))
            }
        }
    }

    /// Prices `legs`. `None`: the feed publishes no fares.
    pub fn price(&self, legs: &[Leg], rider: &Rider) -> Option<Priced> {
        if let Some(v2) = &self.v2 {
            return Some(v2.price(legs, rider, &self.timezone));
        }
        self.v1
            .as_ref()
            .map(|v1| v1.price(legs, &self.route_agency))
    }
}

/// The transit legs of a journey as fares see them, with the index of each in `journey.legs`.
pub fn legs_of(tt: &Timetable, j: &Journey) -> (Vec<Leg>, Vec<usize>) {
    let mut legs = Vec::new();
    let mut at = Vec::new();
    for (k, l) in j.legs.iter().enumerate() {
        if let crate::router::Leg::Transit {
            trip,
            from,
            to,
            board_pos,
            alight_pos,
            departure,
            arrival,
            ..
        } = *l
        {
            let p = tt.pattern_of(trip);
            let ps = tt.pattern_stops(p);
            let (a, b) = (board_pos as usize, alight_pos as usize);
            let stops = if a <= b && b < ps.len() {
                ps[a..=b].to_vec()
            } else {
                vec![from, to]
            };
            legs.push(Leg {
                route: tt.trip(trip).route,
                from,
                to,
                stops,
                departure,
                arrival,
            });
            at.push(k);
        }
    }
    (legs, at)
}

/// The fare of one itinerary, as JSON and text show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FareView {
    /// The sum, as a decimal string in the currency's minor units; `null` when a leg's fare
    /// is unknown (or the feed has no fares).
    pub total: Option<String>,
    pub currency: Option<String>,
    pub products: Vec<ProductView>,
    /// Indices into the itinerary's `legs` whose fare is unknown.
    pub unknown_legs: Vec<usize>,
    /// The line the text output prints.
    #[serde(skip)]
    pub text: String,
}

/// One product of a [`FareView`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProductView {
    pub id: String,
    pub name: String,
    pub amount: String,
    pub currency: String,
    /// Indices into the itinerary's `legs` this product covers.
    pub legs: Vec<usize>,
    pub rider_category: Option<String>,
    pub media: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_s: Option<u32>,
}

/// "a", "a or b", "a, b or c".
pub fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The fare of `j` as a view: products and unknown legs indexed into the journey's legs.
/// `None` for a journey without transit legs.
pub fn view(tt: &Timetable, j: &Journey, rider: &Rider) -> Option<FareView> {
    let (legs, at) = legs_of(tt, j);
    if legs.is_empty() {
        return None;
    }
    let route_name = |i: usize| tt.routes[legs[i].route.ix()].display_name();
    let Some(p) = tt.fares.price(&legs, rider) else {
        return Some(FareView {
            total: None,
            currency: None,
            products: Vec::new(),
            unknown_legs: at.clone(),
            text: "fare unknown (the feed publishes no fares)".to_string(),
        });
    };
    let total = p.total();
    let details = |x: &PricedProduct| -> String {
        let mut parts = Vec::new();
        let mut who = Vec::new();
        if let Some(r) = &x.rider_category {
            who.push(r.clone());
        }
        if !x.media.is_empty() {
            who.push(or_list(&x.media));
        }
        if !who.is_empty() {
            parts.push(who.join(" · "));
        }
        if let Some(v) = x.valid_s.filter(|&v| v > 0) {
            parts.push(format!("valid {}", crate::itinerary::minutes(v as i64)));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    };
    let text = match (&total, p.products.as_slice()) {
        (Some(t), _) if t.minor == 0 => "fare free".to_string(),
        (Some(t), [one]) => format!("fare {}{}", t.display(), details(one)),
        (Some(t), many) => format!(
            "fare {}: {}",
            t.display(),
            many.iter()
                .map(|x| format!("{} {}{}", x.name, x.amount.display(), details(x)))
                .collect::<Vec<_>>()
                .join(" + ")
        ),
        (None, _) => {
            let known: Vec<String> = p
                .products
                .iter()
                .map(|x| {
                    let on: Vec<String> = x.legs.iter().map(|&i| route_name(i)).collect();
                    format!("{} for {}{}", x.amount.display(), on.join(", "), details(x))
                })
                .collect();
            let unknown: Vec<String> = p.unknown.iter().map(|&i| route_name(i)).collect();
            if known.is_empty() {
                format!(
                    "fare unknown (no fare in the feed covers {})",
                    unknown.join(", ")
                )
            } else {
                format!(
                    "fare unknown: {}; no fare in the feed covers {}",
                    known.join(" + "),
                    unknown.join(", ")
                )
            }
        }
    };
    let currency = total
        .map(|t| t.code().to_string())
        .or_else(|| p.products.first().map(|x| x.amount.code().to_string()));
    let unknown_legs = p.unknown.iter().map(|&i| at[i]).collect();
    let products: Vec<ProductView> = p
        .products
        .into_iter()
        .map(|x| ProductView {
            amount: x.amount.decimal(),
            currency: x.amount.code().to_string(),
            legs: x.legs.iter().map(|&i| at[i]).collect(),
            id: x.id,
            name: x.name,
            rider_category: x.rider_category,
            media: x.media,
            valid_s: x.valid_s,
        })
        .collect();
    Some(FareView {
        total: total.map(|t| t.decimal()),
        currency,
        products,
        unknown_legs,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_list_reads_like_english() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(or_list(&s(&["Cash"])), "Cash");
        assert_eq!(or_list(&s(&["Cash", "Ticket"])), "Cash or Ticket");
        assert_eq!(or_list(&s(&["A", "B", "C"])), "A, B or C");
    }
}
