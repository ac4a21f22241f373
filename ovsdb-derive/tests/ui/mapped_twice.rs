#[derive(ovsdb_derive::Table, Debug, Clone, PartialEq)]
#[ovsdb(table = "Port")]
struct Port {
    name: String,
    #[ovsdb(column = "name")]
    also_name: String,
}

fn main() {}
