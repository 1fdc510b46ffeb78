//! What a user can name as an origin or destination, and how it becomes stops with walking
//! times for the router.
//!
//! Forms: `stop:<stop_id>` (a stop, or a station meaning all its platforms) and `<lat>,<lon>`
//! (walking to or from every stop within the walk radius). Venue keys, stop names and
//! addresses are further variants of [`Place`]; resolution stays in this one module.

use crate::error::{Error, Result};
use crate::router::Access;
use crate::router::raptor::walk_secs;
use crate::timetable::compile::distance_m;
use crate::timetable::{StopIdx, Timetable};

/// A place as the user named it, parsed but not yet looked up.
#[derive(Clone, Debug, PartialEq)]
pub enum Place {
    /// `stop:<stop_id>`
    StopId(String),
    /// `<lat>,<lon>`
    Coord { lat: f64, lon: f64 },
}

impl Place {
    /// Parses a PLACE argument.
    pub fn parse(input: &str) -> Result<Place> {
        let s = input.trim();
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
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                return Err(Error::bad_input(
                    "place",
                    input,
                    "latitude must be within ±90 and longitude within ±180 (write LAT,LON, e.g. 45.5189,-122.6789)",
                ));
            }
            return Ok(Place::Coord { lat, lon });
        }
        Err(Error::bad_input(
            "place",
            input,
            "write stop:<stop_id> (e.g. stop:8370) or LAT,LON (e.g. 45.5189,-122.6789)",
        ))
    }
}

/// A place looked up in a timetable.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// How to call it in output ("Gateway/NE 99th Ave TC MAX Station", "45.5189,-122.6789").
    pub name: String,
    /// The stop, when the place is one stop (or station).
    pub stop: Option<StopIdx>,
    pub lat: f64,
    pub lon: f64,
    /// Stops to start from / end at, with the walk.
    pub access: Vec<Access>,
}

/// Looks a place up: a stop id must exist; a coordinate needs stops within `radius_m`.
pub fn resolve(tt: &Timetable, place: &Place, radius_m: u32, speed_mps: f64) -> Result<Resolved> {
    match place {
        Place::StopId(id) => {
            let Some(s) = tt.find_stop_id(id) else {
                return Err(Error::UnknownStop {
                    id: id.clone(),
                    hint: similar_ids(tt, id),
                });
            };
            let stop = tt.stop(s);
            let access = tt
                .stop_and_children(s)
                .into_iter()
                .map(|c| Access {
                    stop: c,
                    secs: 0,
                    metres: 0,
                })
                .collect();
            Ok(Resolved {
                name: stop.name.clone(),
                stop: Some(s),
                lat: stop.lat,
                lon: stop.lon,
                access,
            })
        }
        Place::Coord { lat, lon } => {
            let mut near: Vec<(u32, StopIdx)> = (0..tt.stops.len() as u32)
                .map(StopIdx)
                .filter(|&s| !tt.patterns_at(s).is_empty())
                .filter_map(|s| {
                    let st = tt.stop(s);
                    let d = distance_m(*lat, *lon, st.lat, st.lon);
                    d.is_finite().then_some((d.ceil() as u32, s))
                })
                .collect();
            near.sort_unstable();
            let access: Vec<Access> = near
                .iter()
                .take_while(|(d, _)| *d <= radius_m)
                .map(|&(d, s)| Access {
                    stop: s,
                    secs: walk_secs(d, speed_mps),
                    metres: d,
                })
                .collect();
            if access.is_empty() {
                let hint = match near.first() {
                    Some(&(d, s)) => format!(
                        "the nearest stop is {} ({}) at {d} m; raise --walk-radius to at least {d}",
                        tt.stop(s).name,
                        tt.stop(s).id
                    ),
                    None => "this feed has no stops with coordinates".into(),
                };
                return Err(Error::bad_input(
                    "place",
                    &format!("{lat},{lon}"),
                    format!("no stop within {radius_m} m; {hint}"),
                ));
            }
            Ok(Resolved {
                name: format!("{lat:.5},{lon:.5}"),
                stop: None,
                lat: *lat,
                lon: *lon,
                access,
            })
        }
    }
}

/// " (did you mean …?)" with stop ids or names close to what was typed.
fn similar_ids(tt: &Timetable, id: &str) -> String {
    let needle = id.to_lowercase();
    let mut hits: Vec<String> = tt
        .stops
        .iter()
        .filter(|s| {
            s.id.to_lowercase().contains(&needle) || s.name.to_lowercase().contains(&needle)
        })
        .take(5)
        .map(|s| format!("stop:{} ({})", s.id, s.name))
        .collect();
    hits.sort();
    if hits.is_empty() {
        "; `gethere feed info` shows the feed, and stop ids are in its stops.txt".into()
    } else {
        format!("; did you mean {}?", hits.join(", "))
    }
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
        assert!(Place::parse("somewhere").is_err());
    }
}
