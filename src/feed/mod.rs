//! Obtaining and reading GTFS feeds: where a feed comes from (`FeedSource`), reading a zip or a
//! directory into gtfs-structures' raw form (`load`), downloading with an HTTP cache (`fetch`),
//! and the validation report of `gethere feed check` (`validate`).

pub mod fetch;
pub mod info;
pub mod load;
pub mod validate;

use std::path::PathBuf;

/// Where a feed comes from, as the user named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedSource {
    /// A local `.zip` or a directory of `.txt` files.
    Path(PathBuf),
    /// An `http(s)://` URL, downloaded into the cache directory.
    Url(String),
}

impl FeedSource {
    /// Interprets a `--feed` argument.
    pub fn parse(s: &str) -> FeedSource {
        if s.starts_with("http://") || s.starts_with("https://") {
            FeedSource::Url(s.to_string())
        } else {
            FeedSource::Path(PathBuf::from(s))
        }
    }

    /// How the feed is named in messages.
    pub fn display(&self) -> String {
        match self {
            FeedSource::Path(p) => p.display().to_string(),
            FeedSource::Url(u) => u.clone(),
        }
    }
}
