#[derive(ovsdb_derive::Table, Debug, Clone, PartialEq)]
#[ovsdb(table = "Port", schema = "tests/demo.ovsschema")]
struct Port {
    name: String,
    colour: String,
}

fn main() {}
