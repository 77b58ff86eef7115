//! Bounce Desk: reads a newsletter's bounce mailbox, classifies every non-delivery report, and
//! writes a cleaned list, all on the operator's machine.
//!
//! Data flows one way: mail files or IMAP → [`classify`] → [`store`] → [`policy`] → [`gui`] and
//! [`lists`] export. Each module owns one step and knows nothing of the steps after it.

pub mod address;
pub mod classify;
pub mod cli;
pub mod corpus;
pub mod demo;
pub mod families;
pub mod files;
pub mod gui;
pub mod human;
pub mod lists;
pub mod mailbox;
pub mod mailfiles;
pub mod oauth;
pub mod policy;
pub mod secrets;
pub mod store;
pub mod sync;
