//! The typed domain model: ids, dates, transactions, customers, stages.

mod customer;
mod date;
mod id;
mod lifecycle;
mod log;
mod transaction;

pub use customer::Customer;
pub use date::{Date, TimeUnit};
pub use id::{CategoryId, CustomerId, Interner};
pub use lifecycle::{DwyerPhase, LifecycleStage};
pub use log::TransactionLog;
pub use transaction::Transaction;
