#[derive(ovsdb_derive::Table, Debug, Clone, PartialEq)]
#[ovsdb(table = "Port")]
struct Port(String);

fn main() {}
