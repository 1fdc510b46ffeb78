//! The one integration-test binary: runs the real `gethere` binary (assert_cmd) and the
//! library on fixture feeds and the bundled TriMet feed. One module per concern.

#[path = "cli/announce_cmd.rs"]
mod announce_cmd;
#[path = "cli/bad_feeds.rs"]
mod bad_feeds;
#[path = "cli/builder.rs"]
mod builder;
#[path = "cli/common.rs"]
mod common;
#[path = "cli/config_cmd.rs"]
mod config_cmd;
#[path = "cli/fares.rs"]
mod fares;
#[path = "cli/fares_props.rs"]
mod fares_props;
#[path = "cli/feed_cmd.rs"]
mod feed_cmd;
#[path = "cli/fetch_cmd.rs"]
mod fetch_cmd;
#[path = "cli/fixture_rules.rs"]
mod fixture_rules;
#[path = "cli/frequency_props.rs"]
mod frequency_props;
#[path = "cli/fuzz.rs"]
mod fuzz;
#[path = "cli/geocode_cmd.rs"]
mod geocode_cmd;
#[path = "cli/lower_props.rs"]
mod lower_props;
#[path = "cli/maps_cmd.rs"]
mod maps_cmd;
#[path = "cli/meet_cmd.rs"]
mod meet_cmd;
#[path = "cli/meet_props.rs"]
mod meet_props;
#[path = "cli/oracle.rs"]
mod oracle;
#[path = "cli/plan_cmd.rs"]
mod plan_cmd;
#[path = "cli/realtime_cmd.rs"]
mod realtime_cmd;
#[path = "cli/realtime_props.rs"]
mod realtime_props;
#[path = "cli/region.rs"]
mod region;
#[path = "cli/router_props.rs"]
mod router_props;
#[path = "cli/router_rules.rs"]
mod router_rules;
#[path = "cli/stops_cmd.rs"]
mod stops_cmd;
#[path = "cli/streets_cmd.rs"]
mod streets_cmd;
#[path = "cli/transfer_rules.rs"]
mod transfer_rules;
#[path = "cli/walk_props.rs"]
mod walk_props;
