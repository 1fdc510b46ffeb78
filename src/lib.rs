//! gethere: "how do I get to the meetup by 5:30?" answered from GTFS timetables.
//!
//! Data flows one way:
//!
//! 1. [`feed`] obtains a feed (local zip/directory or URL with an HTTP cache) and reads it with
//!    gtfs-structures into its raw form;
//! 2. [`timetable::compile`] resolves it once into the flat [`timetable::Timetable`] (indices,
//!    day bitsets, FIFO patterns), which [`timetable::cache`] keeps on disk keyed by the feed's
//!    content hash;
//! 3. the router searches the timetable; renderers turn answers into text or JSON.
//!
//! The library never reads the clock: "now" is a parameter. It never panics on input: every
//! problem is an [`error::Error`] with the file, line or id that caused it.

pub mod announce;
pub mod app;
pub mod cli;
pub mod config;
pub mod error;
mod escape;
pub mod fares;
pub mod feed;
pub mod fsutil;
pub mod geocode;
pub mod http;
pub mod itinerary;
pub mod map;
pub mod meet;
pub mod nearby;
pub mod place;
pub mod progress;
pub mod realtime;
pub mod router;
pub mod service;
pub mod stops;
pub mod time;
pub mod timetable;
pub mod venues;
pub mod walk;

pub use error::{Error, Result};
