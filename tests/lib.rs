//! Integration tests: the public API only, one test target.

mod btyd;
mod btyd_accuracy;
mod btyd_boundary;
mod btyd_discrete;
mod btyd_mbg;
mod btyd_pareto;
mod btyd_report;
mod btyd_tracking;
mod cdnow;
mod clv;
mod csv;
mod differentiate;
mod docs;
mod economics;
mod ladder;
mod lifecycle;
mod loyalty;
mod memory;
mod rfm;
mod rfm_pandas;
mod rfm_segment;
mod satisfaction;
mod simulate;
mod summary;
mod support;
