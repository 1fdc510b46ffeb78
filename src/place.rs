//! What a user can name as an origin or destination, and how it becomes stops with walking
//! times for the router.
//!
//! Forms, tried in this order:
//! 1. `stop:<stop_id>` — a stop, or a station meaning all its platforms;
//! 2. `<lat>,<lon>`;
//! 3. a venue key from the venues file (`new-relic`);
//! 4. a stop name or stop code (`"Convention Center MAX Station"`, `8341`): exact match first
//!    (case and punctuation ignored), then every word of the input as a prefix of a word of the
//!    name; several different stations → the candidates are listed and nothing is guessed;
//! 5. anything else is an address for the configured geocoder.
//!
//! Coordinates, venues and addresses reach the stops within the walk radius (from each
//! entrance of a venue, when it lists entrances). With a street map the walks follow the
//! streets ([`crate::walk`]): one bounded search from each point, up to the longest walk and
//! the radius; a point off the map walks straight-line, and [`Resolved::walk_note`] says so.

use crate::error::{Error, Result};
use crate::nearby::StopIndex;
use crate::router::Access;
use crate::timetable::{StopIdx, Timetable};
use crate::venues::Venues;

/// A place as the user typed it, parsed as far as possible without the feed.
#[derive(Clone, Debug, PartialEq)]
pub enum Place {
    /// `stop:<stop_id>`
    StopId(String),
    /// `<lat>,<lon>`
    Coord { lat: f64, lon: f64 },
    /// A venue key, stop name or code, or address: decided when resolved.
    Text(String),
}

impl Place {
    /// Parses a PLACE argument.
    pub fn parse(input: &str) -> Result<Place> {
        let s = input.trim();
        if s.is_empty() {
            return Err(Error::bad_input(
                "place",
                input,
                "empty; give a venue, stop:<stop_id>, a stop name, LAT,LON or an address",
            ));
        }
        if let Some(id) = s.strip_prefix("stop:") {
            let id = id.trim();
            if id.is_empty() {
                return Err(Error::bad_input(
                    "place",
                    input,
                    "stop: needs a stop_id, e.g. stop:8370",
                ));
            }
            return Ok(Place::StopId(id.to_string()));
        }
        if let Some((a, b)) = s.split_once(',')
            && let (Ok(lat), Ok(lon)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>())
        {
            let in_range = lat.is_finite()
                && lon.is_finite()
                && (-90.0..=90.0).contains(&lat)
                && (-180.0..=180.0).contains(&lon);
            if !in_range {
                return Err(Error::bad_input(
                    "place",
                    input,
                    "latitude must be within ±90 and longitude within ±180 (write LAT,LON, e.g. 45.5189,-122.6789)",
                ));
            }
            return Ok(Place::Coord { lat, lon });
        }
        Ok(Place::Text(s.to_string()))
    }
}

/// One answer of a geocoder: (display name, lat, lon).
pub type GeoHit = (String, f64, f64);

/// Looks an address up, best answer first.
pub type Geocoder<'a> = &'a dyn Fn(&str) -> Result<Vec<GeoHit>>;

/// Everything resolving a place needs besides the place.
pub struct Resolver<'a> {
    pub tt: &'a Timetable,
    pub index: &'a StopIndex,
    pub venues: Option<&'a Venues>,
    pub radius_m: u32,
    pub speed_mps: f64,
    /// Looks an address up; `None` when no geocoder is configured.
    pub geocoder: Option<Geocoder<'a>>,
    /// Accept a place with no stop within the radius (`access` is then empty), for reports
    /// that show the nearest stops anyway; journey planning needs stops and refuses.
    pub allow_no_stops: bool,
    /// The street map, when there is one: walks follow its streets.
    pub streets: Option<&'a crate::walk::Streets>,
    /// Walks to and from stops take at most this long (`u32::MAX`: only the radius bounds).
    pub max_walk_secs: u32,
    /// Step-free walks (no steps, no `wheelchair=no` ways).
    pub wheelchair: bool,
}

/// A place looked up in a timetable.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// How to call it in output ("Convention Center MAX Station", "New Relic (US Bancorp Tower)").
    pub name: String,
    /// The venue key, when the place is a venue.
    pub venue: Option<String>,
    /// The stop, when the place is one stop (or station).
    pub stop: Option<StopIdx>,
    pub lat: f64,
    pub lon: f64,
    /// Stops to start from / end at, with the walk.
    pub access: Vec<Access>,
    /// The points walks start from: the entrances of a venue, else the place itself.
    pub points: Vec<(f64, f64)>,
    /// Set when walks from here are straight-line estimates although a street map is in use.
    pub walk_note: Option<String>,
}

impl Resolver<'_> {
    /// Looks a place up.
    pub fn resolve(&self, place: &Place) -> Result<Resolved> {
        match place {
            Place::StopId(id) => match self.tt.stops_with_id(id).as_slice() {
                [s] => Ok(self.at_stop(*s)),
                [] => Err(Error::UnknownStop {
                    id: id.clone(),
                    hint: self.stop_hint(id),
                }),
                several => Err(Error::UnknownStop {
                    id: id.clone(),
                    hint: format!(
                        "; several feeds have a stop with this id: say which with {}",
                        several
                            .iter()
                            .map(|&s| format!("stop:{}:{id}", self.tt.feed_of_stop(s).key))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                }),
            },
            Place::Coord { lat, lon } => self.at_points(
                format!("{lat:.5},{lon:.5}"),
                None,
                *lat,
                *lon,
                &[(*lat, *lon)],
            ),
            Place::Text(text) => self.resolve_text(text),
        }
    }

    fn resolve_text(&self, text: &str) -> Result<Resolved> {
        if let Some(v) = self.venues.and_then(|vs| vs.get(text)) {
            let points: Vec<(f64, f64)> = if v.entrances.is_empty() {
                vec![(v.lat, v.lon)]
            } else {
                v.entrances.iter().map(|e| (e.lat, e.lon)).collect()
            };
            return self.at_points(
                v.name.clone(),
                Some(text.to_string()),
                v.lat,
                v.lon,
                &points,
            );
        }
        match match_stop_name(self.tt, text) {
            StopMatch::One(s) => return Ok(self.at_stop(s)),
            StopMatch::Corner(list) => {
                let mut r = self.at_stop(list[0]);
                r.stop = None;
                r.access = list
                    .iter()
                    .map(|&s| Access {
                        stop: s,
                        secs: 0,
                        metres: 0,
                    })
                    .collect();
                return Ok(r);
            }
            StopMatch::Many(list) => {
                let shown: Vec<String> = list
                    .iter()
                    .take(8)
                    .map(|&s| {
                        let st = self.tt.stop(s);
                        format!("stop:{} ({})", st.id, st.name)
                    })
                    .collect();
                let more = if list.len() > 8 {
                    format!(" and {} more", list.len() - 8)
                } else {
                    String::new()
                };
                return Err(Error::bad_input(
                    "place",
                    text,
                    format!(
                        "it matches several stops: {}{more}; pass one of them as stop:<stop_id>, or a fuller name",
                        shown.join(", ")
                    ),
                ));
            }
            StopMatch::None => {}
        }
        let Some(geocode) = self.geocoder else {
            let venues_hint = match self.venues {
                Some(v) if !v.similar(text).is_empty() => {
                    format!(
                        "; venues with a similar key: {}",
                        v.similar(text).join(", ")
                    )
                }
                _ => String::new(),
            };
            return Err(Error::bad_input(
                "place",
                text,
                format!(
                    "it is not a venue, a stop name or code, stop:<stop_id> or LAT,LON{venues_hint}; to look addresses up, configure a Nominatim-compatible geocoder with --geocoder URL, GETHERE_GEOCODER, or [geocoder] url = \"…\" in the venues file"
                ),
            ));
        };
        let hits = geocode(text)?;
        match hits.first() {
            None => Err(Error::bad_input(
                "place",
                text,
                "the geocoder found no such address; check the spelling or give LAT,LON",
            )),
            Some((name, lat, lon)) => {
                self.at_points(name.clone(), None, *lat, *lon, &[(*lat, *lon)])
            }
        }
    }

    fn at_stop(&self, s: StopIdx) -> Resolved {
        let st = self.tt.stop(s);
        Resolved {
            name: st.name.clone(),
            venue: None,
            stop: Some(s),
            lat: st.lat,
            lon: st.lon,
            points: vec![(st.lat, st.lon)],
            walk_note: None,
            access: self
                .tt
                .stop_and_children(s)
                .into_iter()
                .map(|c| Access {
                    stop: c,
                    secs: 0,
                    metres: 0,
                })
                .collect(),
        }
    }

    /// The longest walk in metres: the radius, and the longest walk at this speed.
    fn limit_m(&self) -> f64 {
        (self.radius_m as f64).min(self.max_walk_secs as f64 * self.speed_mps)
    }

    /// Stops within the walking limits of any of `points`, each with its shortest walk (along
    /// the streets when there is a map).
    fn at_points(
        &self,
        name: String,
        venue: Option<String>,
        lat: f64,
        lon: f64,
        points: &[(f64, f64)],
    ) -> Result<Resolved> {
        let limit = self.limit_m();
        let profile = crate::walk::Profile {
            wheelchair: self.wheelchair,
        };
        let mut best: std::collections::BTreeMap<StopIdx, crate::walk::Walked> = Default::default();
        let mut off_map = false;
        for &(plat, plon) in points {
            let from = crate::walk::walk_from(self.streets, plat, plon, limit, profile);
            off_map |= self.streets.is_some() && !from.on_map();
            // Street routes are never shorter than the straight line: the candidates are the
            // stops within the limit as the crow flies.
            let crow = limit.min(self.radius_m as f64).ceil() as u32;
            for (s, _) in self.index.within(self.tt, plat, plon, crow) {
                let st = self.tt.stop(s);
                let Some(w) = from.to(st.lat, st.lon, self.speed_mps) else {
                    continue;
                };
                if w.metres > self.radius_m || w.secs > self.max_walk_secs {
                    continue;
                }
                let e = best.entry(s).or_insert(w);
                if (w.secs, w.metres) < (e.secs, e.metres) {
                    *e = w;
                }
            }
        }
        let walk_note = off_map.then(|| {
            format!(
                "walking times near {name} are estimates: it is outside the street map or more than {} m from any walkable way",
                crate::walk::MAX_SNAP_M as u32
            )
        });
        if best.is_empty() && !self.allow_no_stops {
            let hint = match self.index.nearest(self.tt, lat, lon, 1).first() {
                Some(&(s, d)) => format!(
                    "the nearest stop is {} (stop:{}) at {d} m; raise --walk-radius (up to 1000) or start from that stop",
                    self.tt.stop(s).name,
                    self.tt.stop(s).id
                ),
                None => "this feed has no stops with coordinates".into(),
            };
            let within = if self.max_walk_secs < u32::MAX && limit < self.radius_m as f64 {
                format!(
                    "within a {} walk",
                    crate::itinerary::minutes(self.max_walk_secs as i64)
                )
            } else {
                format!("within {} m", self.radius_m)
            };
            return Err(Error::bad_input(
                "place",
                &name,
                format!("no stop {within}; {hint}"),
            ));
        }
        let mut access: Vec<Access> = best
            .into_iter()
            .map(|(s, w)| Access {
                stop: s,
                secs: w.secs,
                metres: w.metres,
            })
            .collect();
        access.sort_by_key(|a| (a.secs, a.metres, a.stop));
        Ok(Resolved {
            name,
            venue,
            stop: None,
            lat,
            lon,
            access,
            points: points.to_vec(),
            walk_note,
        })
    }

    fn stop_hint(&self, id: &str) -> String {
        match match_stop_name(self.tt, id) {
            StopMatch::One(s) => format!(
                "; did you mean stop:{} ({})?",
                self.tt.stop_ref(s),
                self.tt.stop(s).name
            ),
            StopMatch::Corner(list) => format!(
                "; did you mean {}?",
                list.iter()
                    .map(|&s| format!("stop:{}", self.tt.stop_ref(s)))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            StopMatch::Many(list) => format!(
                "; did you mean {}?",
                list.iter()
                    .take(5)
                    .map(|&s| format!("stop:{} ({})", self.tt.stop_ref(s), self.tt.stop(s).name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            StopMatch::None => {
                "; stop ids are in the feed's stops.txt, or name the stop by its name".into()
            }
        }
    }
}

/// The result of matching a stop name.
#[derive(Debug, PartialEq)]
pub enum StopMatch {
    None,
    /// One stop or one station (its platforms are used).
    One(StopIdx),
    /// Stops of the same name close together (both sides of a street corner): one place.
    Corner(Vec<StopIdx>),
    /// Several different stations/stops, sorted by name then id.
    Many(Vec<StopIdx>),
}

/// Same name, all within 250 m of each other: the stops of one corner or platform pair.
pub(crate) fn is_corner(tt: &Timetable, list: &[StopIdx]) -> bool {
    let name = |s: StopIdx| normalize(&tt.stop(s).name);
    list.iter().all(|&a| name(a) == name(list[0]))
        && list.iter().all(|&a| {
            list.iter().all(|&b| {
                let (p, q) = (tt.stop(a), tt.stop(b));
                crate::timetable::compile::distance_m(p.lat, p.lon, q.lat, q.lon) <= 250.0
            })
        })
}

fn normalize(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| match w {
            "stn" | "sta" => "station".to_string(),
            "and" => "&".to_string(),
            w => w.to_string(),
        })
        .collect()
}

/// Matches a stop name or code: exact (normalized) first, then by word prefixes. Platforms of
/// one station count as one match (the station).
pub fn match_stop_name(tt: &Timetable, text: &str) -> StopMatch {
    let q = normalize(text);
    if q.is_empty() {
        return StopMatch::None;
    }
    // Every name decoded in one pass over the string table and normalized once per distinct
    // name (both sides of a street share theirs), rather than a stop record per stop.
    let st = &tt.stops;
    let words: Vec<Vec<String>> = st
        .strings
        .decode_all()
        .iter()
        .map(|n| normalize(n))
        .collect();
    let name_words = |s: StopIdx| -> &[String] {
        st.names
            .get(s.ix())
            .and_then(|&n| words.get(n as usize))
            .map_or(&[], Vec::as_slice)
    };
    let exact: Vec<StopIdx> = (0..st.len() as u32)
        .map(StopIdx)
        .filter(|&s| name_words(s) == q.as_slice())
        .chain(
            st.extra_stops
                .iter()
                .map(|&s| StopIdx(s))
                .filter(|&s| st.code(s.ix()).as_deref() == Some(text.trim())),
        )
        .collect::<std::collections::BTreeSet<StopIdx>>()
        .into_iter()
        .collect();
    let group = |v: Vec<StopIdx>| -> StopMatch {
        let mut g: Vec<StopIdx> = v
            .into_iter()
            .map(|s| tt.stop(s).parent.unwrap_or(s))
            .collect();
        g.sort_by(|a, b| tt.stop(*a).name.cmp(&tt.stop(*b).name).then(a.cmp(b)));
        g.dedup();
        match g.len() {
            0 => StopMatch::None,
            1 => StopMatch::One(g[0]),
            _ => StopMatch::Many(g),
        }
    };
    match group(exact) {
        StopMatch::None => {}
        StopMatch::Many(list) if is_corner(tt, &list) => return StopMatch::Corner(list),
        m => return m,
    }
    let fuzzy: Vec<StopIdx> = (0..st.len() as u32)
        .map(StopIdx)
        .filter(|&s| {
            let words = name_words(s);
            q.iter()
                .all(|w| words.iter().any(|n| n.starts_with(w.as_str())))
        })
        .collect();
    group(fuzzy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_places() {
        assert_eq!(
            Place::parse("stop:8370").unwrap(),
            Place::StopId("8370".into())
        );
        assert_eq!(
            Place::parse(" 45.5, -122.6 ").unwrap(),
            Place::Coord {
                lat: 45.5,
                lon: -122.6
            }
        );
        assert!(Place::parse("stop:").is_err());
        assert!(Place::parse("95,10").is_err());
        assert!(Place::parse("").is_err());
        assert_eq!(
            Place::parse("new-relic").unwrap(),
            Place::Text("new-relic".into())
        );
        assert_eq!(
            Place::parse("111 SW 5th Ave, Portland").unwrap(),
            Place::Text("111 SW 5th Ave, Portland".into())
        );
    }
}
