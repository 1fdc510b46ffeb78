//! The one integration-test binary; each concern is a module under `tests/cli/`.

#[path = "cli/builder.rs"]
mod builder;
#[path = "cli/oracle.rs"]
mod oracle;
#[path = "cli/router_props.rs"]
mod router_props;
