#[derive(ovsdb_derive::Table, Debug, Clone, PartialEq)]
#[ovsdb(table = "Port")]
struct Port {
    #[ovsdb(colum = "name")]
    name: String,
}

fn main() {}
