#[derive(ovsdb_derive::Table, Debug, Clone, PartialEq)]
#[ovsdb(table = "Bridge", schema = "tests/demo.ovsschema")]
struct Bridge {
    name: String,
}

fn main() {}
