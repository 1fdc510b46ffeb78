//! Properties comparing the router with the reference search on random timetables.
