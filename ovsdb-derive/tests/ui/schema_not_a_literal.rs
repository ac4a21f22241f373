ovsdb_derive::schema!(concat!("a", ".ovsschema"));

fn main() {}
