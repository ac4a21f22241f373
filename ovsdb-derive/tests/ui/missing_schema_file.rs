ovsdb_derive::schema!("no/such/file.ovsschema");

fn main() {}
