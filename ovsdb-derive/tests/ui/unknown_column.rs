#[derive(ovsdb_derive::Table, Debug, Clone, PartialEq)]
#[ovsdb(table = "Port", schema = "tests/demo.ovsschema")]
struct Port {
    name: String,
    #[ovsdb(column = "vlan_tag")]
    tag: Option<i64>,
}

fn main() {}
