#[derive(ovsdb_derive::Table, Debug, Clone, PartialEq)]
struct Port {
    name: String,
}

fn main() {}
