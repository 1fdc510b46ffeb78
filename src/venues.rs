//! The venues file: named places organizers use again and again (the meetup's venue, the
//! conference centre, "Union Station" as an origin), with address, coordinates, entrances and
//! notes. TOML, validated strictly (unknown fields are typos), so a cron job never silently
//! uses a venue with a misspelt key.
//!
//! ```toml
//! [geocoder]                      # optional: where free-text addresses are looked up
//! url = "https://nominatim.example.org/search"
//!
//! [streets]                       # optional: the street map for walking
//! map = "portland.osm.pbf"        # relative to this file, or an http(s) URL
//!
//! [[feeds]]                       # optional: the region's feeds (--feed overrides them)
//! key = "trimet"                  # optional short name, [a-z0-9_-]+
//! source = "trimet.gtfs.zip"      # relative to this file, or an http(s) URL
//!
//! [venues.new-relic]
//! name = "New Relic (US Bank Tower)"
//! address = "111 SW 5th Ave, Portland, OR 97204"
//! lat = 45.5219
//! lon = -122.6761
//! notes = "Enter from SW Oak St."
//! origins = ["union-station"]     # default origins for announcements
//! entrances = [{ name = "SW Oak St", lat = 45.5217, lon = -122.6759 }]
//! ```

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The bundled venues file, relative to the project root.
pub const BUNDLED_VENUES: &str = "data/venues.toml";
/// The bundled venues file's text, in the binary so an installed `gethere` needs no data folder.
pub static BUNDLED_VENUES_TEXT: &str = include_str!("../data/venues.toml");

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Entrance {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Venue {
    pub name: String,
    #[serde(default)]
    pub address: Option<String>,
    pub lat: f64,
    pub lon: f64,
    #[serde(default)]
    pub entrances: Vec<Entrance>,
    /// Venue keys used as origins in announcements.
    #[serde(default)]
    pub origins: Vec<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct GeocoderSection {
    pub url: String,
}

/// `[streets] map = "…"`: the street map for walking (a file, relative to the venues file, or
/// an http(s) URL).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct StreetsSection {
    pub map: String,
}

/// `[realtime] sources = ["https://…/trip-updates.pb", "alerts.pb"]`: GTFS-Realtime sources
/// used when neither --realtime nor GETHERE_REALTIME is given.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct RealtimeSection {
    #[serde(default)]
    pub sources: Vec<String>,
}

/// A parsed and checked venues file (the region config: see [`crate::config`]).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Venues {
    /// `[[feeds]]`: the region's feeds, in order. Paths are relative to the file until
    /// [`crate::config`] joins them.
    #[serde(default)]
    pub feeds: Vec<crate::config::FeedSpec>,
    #[serde(default)]
    pub geocoder: Option<GeocoderSection>,
    #[serde(default)]
    pub streets: Option<StreetsSection>,
    pub realtime: Option<RealtimeSection>,
    #[serde(default)]
    pub venues: BTreeMap<String, Venue>,
    /// Where it was read from, for messages.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// The bundled venues file: `data/venues.toml` under the working directory when present, else
/// under the directory the crate was built from.
pub fn bundled_venues() -> PathBuf {
    let local = PathBuf::from(BUNDLED_VENUES);
    if local.exists() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(BUNDLED_VENUES)
}

impl Venues {
    /// Reads and validates a venues file.
    pub fn load(path: &Path) -> Result<Venues> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::io("reading venues file", path, e))?;
        let mut v = Venues::parse(&text).map_err(|why| Error::BadInput {
            what: "venues file",
            input: path.display().to_string(),
            why,
        })?;
        v.path = Some(path.to_path_buf());
        Ok(v)
    }

    /// Parses and validates venues TOML; the error says where and what.
    pub fn parse(text: &str) -> std::result::Result<Venues, String> {
        Venues::parse_located(text).map_err(|(line, why)| match line {
            Some(l) => format!("line {l}: {why}"),
            None => why,
        })
    }

    /// Parses and validates venues TOML; the error is (line, if known, and what is wrong).
    pub fn parse_located(text: &str) -> std::result::Result<Venues, (Option<usize>, String)> {
        let line_at = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let v: Venues = toml::from_str(text).map_err(|e| {
            (
                e.span().map(|s| line_at(s.start)),
                e.message().trim().replace('\n', " "),
            )
        })?;
        if let Err(why) = crate::config::check_keys(&v.feeds) {
            return Err((feed_key_line(text, &v.feeds).map(line_at), why));
        }
        if let Some(i) = v.feeds.iter().position(|f| f.source.trim().is_empty()) {
            return Err((None, format!("feed {} has an empty source", i + 1)));
        }
        v.check_venues().map_err(|why| (None, why))?;
        Ok(v)
    }

    fn check_venues(&self) -> std::result::Result<(), String> {
        let v = self;
        for (key, venue) in &v.venues {
            let ok = |lat: f64, lon: f64| {
                lat.is_finite()
                    && lon.is_finite()
                    && (-90.0..=90.0).contains(&lat)
                    && (-180.0..=180.0).contains(&lon)
                    && !(lat == 0.0 && lon == 0.0)
            };
            if !ok(venue.lat, venue.lon) {
                return Err(format!(
                    "venue '{key}' has impossible coordinates {}, {}",
                    venue.lat, venue.lon
                ));
            }
            for e in &venue.entrances {
                if !ok(e.lat, e.lon) {
                    return Err(format!(
                        "venue '{key}': entrance '{}' has impossible coordinates",
                        e.name
                    ));
                }
            }
            for o in &venue.origins {
                if !v.venues.contains_key(o) {
                    return Err(format!(
                        "venue '{key}' lists origin '{o}', which is not a venue in this file"
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn get(&self, key: &str) -> Option<&Venue> {
        self.venues.get(key)
    }

    /// Venue keys close to a mistyped one (a typo or two, or a part of the key), for hints.
    pub fn similar(&self, key: &str) -> Vec<&str> {
        let k = key.to_lowercase();
        self.venues
            .keys()
            .filter(|v| {
                edit_distance(v, &k) <= 2
                    || (k.len() > 3 && v.contains(&k))
                    || v.split('-').any(|w| w.len() > 3 && k.contains(w))
            })
            .map(String::as_str)
            .collect()
    }
}

/// The byte offset of the feed key that [`crate::config::check_keys`] rejects (the invalid
/// one, or the second of two equal ones), read again with spans.
fn feed_key_line(text: &str, feeds: &[crate::config::FeedSpec]) -> Option<usize> {
    #[derive(Deserialize)]
    struct Spans {
        #[serde(default)]
        feeds: Vec<SpannedFeed>,
    }
    #[derive(Deserialize)]
    struct SpannedFeed {
        key: Option<toml::Spanned<String>>,
    }
    let spans: Spans = toml::from_str(text).ok()?;
    let mut seen = std::collections::BTreeSet::new();
    for (f, s) in feeds.iter().zip(&spans.feeds) {
        let (Some(k), Some(sk)) = (&f.key, &s.key) else {
            continue;
        };
        if !crate::config::valid_key(k) || !seen.insert(k.as_str()) {
            return Some(sk.span().start);
        }
    }
    None
}

/// Levenshtein distance, for "did you mean" hints on short keys.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_file_is_valid() {
        let v = Venues::load(&bundled_venues()).unwrap();
        assert!(v.get("new-relic").is_some());
        assert!(v.get("oregon-convention-center").is_some());
    }

    #[test]
    fn unknown_field_is_an_error_naming_it() {
        let e = Venues::parse(
            "[venues.x]\nname = \"X\"\nlat = 45.5\nlon = -122.6\nadress = \"1 Main\"\n",
        )
        .unwrap_err();
        assert!(e.contains("adress"), "{e}");
    }

    #[test]
    fn missing_coordinates_are_an_error() {
        let e = Venues::parse("[venues.x]\nname = \"X\"\nlat = 45.5\n").unwrap_err();
        assert!(e.contains("lon"), "{e}");
    }

    #[test]
    fn unknown_origin_is_an_error() {
        let e = Venues::parse(
            "[venues.x]\nname = \"X\"\nlat = 45.5\nlon = -122.6\norigins = [\"nowhere\"]\n",
        )
        .unwrap_err();
        assert!(e.contains("nowhere"), "{e}");
    }
}

#[cfg(test)]
mod feeds_tests {
    use super::*;

    #[test]
    fn feeds_are_read_in_order() {
        let v = Venues::parse(
            "[[feeds]]\nkey = \"durham\"\nsource = \"godurham.zip\"\n\n[[feeds]]\nsource = \"https://h.example/gtfs.zip\"\n",
        )
        .unwrap();
        assert_eq!(v.feeds.len(), 2);
        assert_eq!(v.feeds[0].key.as_deref(), Some("durham"));
        assert_eq!(v.feeds[1].key, None);
        assert_eq!(v.feeds[1].source, "https://h.example/gtfs.zip");
    }

    #[test]
    fn feed_problems_name_their_line() {
        let text = "[[feeds]]\nkey = \"a\"\nsource = \"a.zip\"\n[[feeds]]\nkey = \"a\"\nsource = \"b.zip\"\n";
        let (line, why) = Venues::parse_located(text).unwrap_err();
        assert_eq!(line, Some(5));
        assert!(why.contains("two feeds have the key 'a'"), "{why}");
        let (line, why) = Venues::parse_located("[[feeds]]\nkey = \"x\"\n").unwrap_err();
        assert!(why.contains("missing field `source`"), "{why}");
        assert_eq!(line, Some(1));
        let (_, why) = Venues::parse_located("[[feeds]]\nsource = \" \"\n").unwrap_err();
        assert_eq!(why, "feed 1 has an empty source");
    }

    #[test]
    fn the_region_configs_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let portland = Venues::load(&dir.join("venues.toml")).unwrap();
        assert_eq!(portland.feeds[0].key.as_deref(), Some("trimet"));
        assert!(dir.join(&portland.feeds[0].source).is_file());
        let triangle = Venues::load(&dir.join("triangle.toml")).unwrap();
        assert_eq!(triangle.feeds[0].key.as_deref(), Some("godurham"));
        assert!(dir.join(&triangle.feeds[0].source).is_file());
        assert!(triangle.get("american-underground").is_some());
    }
}

#[cfg(test)]
mod similar_tests {
    use super::*;

    #[test]
    fn typos_are_similar() {
        assert_eq!(edit_distance("new-relic", "new-relik"), 1);
        let v = Venues::load(&bundled_venues()).unwrap();
        assert_eq!(v.similar("new-relik"), vec!["new-relic"]);
        assert_eq!(v.similar("convention"), vec!["oregon-convention-center"]);
    }
}
