//! The whole-app tests in one binary: one module per area, sharing the
//! `TestApp` harness of `techreg_tests` (one link instead of one per area).

mod admin;
mod apply;
mod authorization;
mod browser;
mod calendar;
mod certificates;
mod claims;
mod contracts;
mod dictionaries;
mod duplicates;
mod enterprises;
mod foundation;
mod growth;
mod house;
mod identity;
mod integrity;
mod jobs;
mod journey;
mod key_service;
mod messages;
mod offices;
mod reminders;
mod review;
mod security;
mod sms_gateway;
mod staff;
mod startup;
