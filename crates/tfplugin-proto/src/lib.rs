mod generated;
pub mod value;
pub mod wire;
