//! Tuoke's use cases and the ports they need.
//!
//! Each use case takes the acting user, checks what they may do (the
//! authorisation policy lives here), calls the rules of `tuoke-core`, and
//! stores the result through the [`ports::Store`] port. This crate knows
//! nothing of SQL, HTTP or JSON wire formats; it must not depend on `store`
//! or `web`.
#![forbid(unsafe_code)]

pub mod ports;
