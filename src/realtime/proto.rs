//! GTFS-Realtime message types, derived with prost from the official `gtfs-realtime.proto`
//! (vendored beside this file; field numbers and names as there).
//!
//! Why hand-kept prost types rather than a bindings crate: the maintained crates
//! (`gtfs-realtime` 0.2, `gtfs-rt` 0.5) generate their types in a build script with
//! `prost-build`, which needs the `protoc` compiler on every machine that builds gethere. The
//! subset gethere reads is small and the wire format is stable (fields are only ever added), so
//! the structs below carry the fields we use; prost skips every other field as the protobuf rules
//! require. Enums are kept as `i32` with named constants, so an unknown value from a newer feed
//! decodes instead of failing. The same types encode the fixtures in the tests.

#![allow(missing_docs)]

#[derive(Clone, PartialEq, prost::Message)]
pub struct FeedMessage {
    #[prost(message, optional, tag = "1")]
    pub header: Option<FeedHeader>,
    #[prost(message, repeated, tag = "2")]
    pub entity: Vec<FeedEntity>,
}

/// `FeedHeader.incrementality`.
pub const FULL_DATASET: i32 = 0;

#[derive(Clone, PartialEq, prost::Message)]
pub struct FeedHeader {
    #[prost(string, optional, tag = "1")]
    pub gtfs_realtime_version: Option<String>,
    #[prost(int32, optional, tag = "2")]
    pub incrementality: Option<i32>,
    #[prost(uint64, optional, tag = "3")]
    pub timestamp: Option<u64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct FeedEntity {
    #[prost(string, optional, tag = "1")]
    pub id: Option<String>,
    #[prost(bool, optional, tag = "2")]
    pub is_deleted: Option<bool>,
    #[prost(message, optional, tag = "3")]
    pub trip_update: Option<TripUpdate>,
    #[prost(message, optional, tag = "4")]
    pub vehicle: Option<VehiclePosition>,
    #[prost(message, optional, tag = "5")]
    pub alert: Option<Alert>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TripUpdate {
    #[prost(message, optional, tag = "1")]
    pub trip: Option<TripDescriptor>,
    #[prost(message, repeated, tag = "2")]
    pub stop_time_update: Vec<StopTimeUpdate>,
    #[prost(uint64, optional, tag = "4")]
    pub timestamp: Option<u64>,
    #[prost(int32, optional, tag = "5")]
    pub delay: Option<i32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct StopTimeEvent {
    #[prost(int32, optional, tag = "1")]
    pub delay: Option<i32>,
    #[prost(int64, optional, tag = "2")]
    pub time: Option<i64>,
}

/// `StopTimeUpdate.schedule_relationship`.
pub mod stop_rel {
    pub const SCHEDULED: i32 = 0;
    pub const SKIPPED: i32 = 1;
    pub const NO_DATA: i32 = 2;
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct StopTimeUpdate {
    #[prost(uint32, optional, tag = "1")]
    pub stop_sequence: Option<u32>,
    #[prost(message, optional, tag = "2")]
    pub arrival: Option<StopTimeEvent>,
    #[prost(message, optional, tag = "3")]
    pub departure: Option<StopTimeEvent>,
    #[prost(string, optional, tag = "4")]
    pub stop_id: Option<String>,
    #[prost(int32, optional, tag = "5")]
    pub schedule_relationship: Option<i32>,
}

/// `TripDescriptor.schedule_relationship`.
pub mod trip_rel {
    pub const SCHEDULED: i32 = 0;
    pub const ADDED: i32 = 1;
    pub const UNSCHEDULED: i32 = 2;
    pub const CANCELED: i32 = 3;
    pub const REPLACEMENT: i32 = 5;
    pub const DUPLICATED: i32 = 6;
    pub const DELETED: i32 = 7;
    pub const NEW: i32 = 8;
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TripDescriptor {
    #[prost(string, optional, tag = "1")]
    pub trip_id: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub start_time: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub start_date: Option<String>,
    #[prost(int32, optional, tag = "4")]
    pub schedule_relationship: Option<i32>,
    #[prost(string, optional, tag = "5")]
    pub route_id: Option<String>,
    #[prost(uint32, optional, tag = "6")]
    pub direction_id: Option<u32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct VehiclePosition {
    #[prost(message, optional, tag = "1")]
    pub trip: Option<TripDescriptor>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeRange {
    #[prost(uint64, optional, tag = "1")]
    pub start: Option<u64>,
    #[prost(uint64, optional, tag = "2")]
    pub end: Option<u64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct EntitySelector {
    #[prost(string, optional, tag = "1")]
    pub agency_id: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub route_id: Option<String>,
    #[prost(int32, optional, tag = "3")]
    pub route_type: Option<i32>,
    #[prost(message, optional, tag = "4")]
    pub trip: Option<TripDescriptor>,
    #[prost(string, optional, tag = "5")]
    pub stop_id: Option<String>,
    #[prost(uint32, optional, tag = "6")]
    pub direction_id: Option<u32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Translation {
    #[prost(string, optional, tag = "1")]
    pub text: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub language: Option<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TranslatedString {
    #[prost(message, repeated, tag = "1")]
    pub translation: Vec<Translation>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Alert {
    #[prost(message, repeated, tag = "1")]
    pub active_period: Vec<TimeRange>,
    #[prost(message, repeated, tag = "5")]
    pub informed_entity: Vec<EntitySelector>,
    #[prost(int32, optional, tag = "6")]
    pub cause: Option<i32>,
    #[prost(int32, optional, tag = "7")]
    pub effect: Option<i32>,
    #[prost(message, optional, tag = "8")]
    pub url: Option<TranslatedString>,
    #[prost(message, optional, tag = "10")]
    pub header_text: Option<TranslatedString>,
    #[prost(message, optional, tag = "11")]
    pub description_text: Option<TranslatedString>,
}

/// `Alert.cause` in words.
pub fn cause_name(c: i32) -> &'static str {
    match c {
        2 => "other cause",
        3 => "technical problem",
        4 => "strike",
        5 => "demonstration",
        6 => "accident",
        7 => "holiday",
        8 => "weather",
        9 => "maintenance",
        10 => "construction",
        11 => "police activity",
        12 => "medical emergency",
        _ => "unknown cause",
    }
}

/// `Alert.effect` in words (upper case for the effects a rider must not miss).
pub fn effect_name(e: i32) -> &'static str {
    match e {
        1 => "NO SERVICE",
        2 => "reduced service",
        3 => "SIGNIFICANT DELAYS",
        4 => "DETOUR",
        5 => "additional service",
        6 => "modified service",
        7 => "other effect",
        9 => "STOP MOVED",
        10 => "no effect",
        11 => "accessibility issue",
        _ => "unknown effect",
    }
}
