//! Typed errors for the library. Each variant says what went wrong and carries the file, line
//! or id that caused it, so `main` can print one readable line and pick the exit code.
//!
//! Exit codes (see `main.rs`): a valid query with no answer is *not* an error here; it is an
//! outcome (`NoJourney`-style results) that the binary maps to exit 1. Everything in this enum
//! maps to exit 2.

use std::path::PathBuf;

/// Convenient alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in gethere, with the context a user needs to act on it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The feed cannot be used at all (missing required file, unreadable zip, bad time zone…).
    #[error("feed {feed} is unusable: {reason}")]
    FeedUnusable { feed: String, reason: String },

    /// Fetching a feed over HTTP failed; `kept` says whether a previously downloaded copy is
    /// still available (the caller decides whether to fall back to it).
    #[error("could not download {url}: {reason}")]
    Fetch { url: String, reason: String },

    /// The compiled timetable cache could not be written (reading problems just trigger a
    /// rebuild and are not errors).
    #[error("timetable cache {path}: {reason}")]
    Cache { path: PathBuf, reason: String },

    /// Looking an address up with the geocoder failed (HTTP status, timeout, unreachable
    /// server, or an answer that is not Nominatim JSON). "No place found" is not an error.
    #[error("could not look up '{query}': {reason}")]
    Geocode { query: String, reason: String },

    /// Something the user typed on the command line is not valid.
    #[error("{what} '{input}' is not valid: {why}")]
    BadInput {
        what: &'static str,
        input: String,
        why: String,
    },

    /// A stop named by the user does not exist in the feed.
    #[error("unknown stop '{id}' in this feed{hint}")]
    UnknownStop { id: String, hint: String },

    /// The region config (or venues) file cannot be used: `location` is `path:line` when the
    /// TOML parser gives the line.
    #[error("{what} {location}: {why}")]
    ConfigFile {
        what: &'static str,
        location: String,
        why: String,
    },

    /// A row of a `meet --origins` file cannot be used.
    #[error("{path}, line {line}, column {column}: {why}")]
    OriginsFile {
        path: String,
        line: u64,
        column: String,
        why: String,
    },
    /// The street map cannot be used (missing, truncated, not OpenStreetMap, nothing walkable).
    #[error("street map {map} is unusable: {reason}")]
    MapUnusable { map: String, reason: String },

    /// A date the user asked about lies outside the feed's service range.
    #[error(
        "date {date} is outside the feed's service ({first} to {last}); pass a date in that range or fetch a newer feed"
    )]
    DateOutsideFeed {
        date: chrono::NaiveDate,
        first: chrono::NaiveDate,
        last: chrono::NaiveDate,
    },
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn bad_input(what: &'static str, input: &str, why: impl Into<String>) -> Self {
        Error::BadInput {
            what,
            input: input.to_string(),
            why: why.into(),
        }
    }
}
