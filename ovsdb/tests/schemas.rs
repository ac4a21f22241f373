//! The schema module against the real thing: the schemas installed by Debian's OVN and Open
//! vSwitch packages, and a live ovsdb-server (its `_Server` schema, its printing of schemas, and
//! its verdicts and error messages on values).

use std::path::Path;

use ovsdb::data::{Atom, AtomicType, Datum};
use ovsdb::schema::{
    BaseType, ColumnType, ConstraintViolation, DatabaseSchema, DecodeError, Max, RefType,
};
use ovsdb::testing::Sandbox;

const NB: &str = "/usr/share/ovn/ovn-nb.ovsschema";
const SB: &str = "/usr/share/ovn/ovn-sb.ovsschema";
const VSWITCH: &str = "/usr/share/openvswitch/vswitch.ovsschema";

/// Reads an installed schema; a missing file fails the test (never skips it).
fn load(path: &str) -> DatabaseSchema {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: install the Debian packages that provide the schemas with \
         `apt-get install -y ovn-central ovn-common openvswitch-switch openvswitch-common`"
    );
    match DatabaseSchema::from_file(path) {
        Ok(schema) => schema,
        Err(e) => panic!("{path}: {e}"),
    }
}

fn column_type<'a>(schema: &'a DatabaseSchema, table: &str, column: &str) -> &'a ColumnType {
    let t = schema
        .table(table)
        .unwrap_or_else(|| panic!("{} has no table {table}", schema.name));
    &t.column(column)
        .unwrap_or_else(|| panic!("{table} has no column {column}"))
        .column_type
}

fn assert_round_trips(schema: &DatabaseSchema) {
    let json = serde_json::to_string_pretty(schema).unwrap();
    let back = DatabaseSchema::from_json_str(&json).unwrap();
    assert_eq!(
        &back, schema,
        "{} does not survive a round trip",
        schema.name
    );
    let via_serde: DatabaseSchema = serde_json::from_str(&json).unwrap();
    assert_eq!(&via_serde, schema);
}

#[test]
fn ovn_northbound() {
    let nb = load(NB);
    assert_eq!(nb.name, "OVN_Northbound");
    assert_eq!(nb.version, "7.0.0");
    assert!(nb.cksum.is_some());

    let tag_request = column_type(&nb, "Logical_Switch_Port", "tag_request");
    assert_eq!(
        tag_request,
        &ColumnType::optional(
            BaseType::new(AtomicType::Integer).with_integer_range(Some(0), Some(4095))
        )
    );
    assert!(tag_request.is_optional_scalar());
    assert!(tag_request.check(&Datum::from(Atom::Integer(4095))).is_ok());
    assert!(tag_request
        .check(&Datum::from(Atom::Integer(4096)))
        .is_err());

    let ports = column_type(&nb, "Logical_Switch", "ports");
    assert_eq!(
        ports,
        &ColumnType::set(
            BaseType::reference("Logical_Switch_Port", RefType::Strong),
            0,
            Max::Unlimited
        )
    );

    let action = column_type(&nb, "ACL", "action");
    let allowed = action.key.enum_.as_ref().expect("ACL.action is an enum");
    assert!(allowed.contains(&Atom::from("allow-related")));
    assert!(allowed.contains(&Atom::from("drop")));
    let err = nb
        .check_datum("ACL", "action", &Datum::from(Atom::from("bogus")))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("table ACL, column action: bogus is not one of the allowed values ([allow, allow-related"), "{err}");
    assert_eq!(column_type(&nb, "ACL", "name").key.max_length, Some(63));
    assert_eq!(
        column_type(&nb, "ACL", "priority").key,
        BaseType::new(AtomicType::Integer).with_integer_range(Some(0), Some(32767))
    );
    let external_ids = column_type(&nb, "Logical_Switch", "external_ids");
    assert!(external_ids.is_map() && external_ids.is_optional());
    assert_eq!(external_ids.max, Max::Unlimited);

    assert_eq!(nb.table("NB_Global").unwrap().max_rows, Some(1));
    assert!(nb.is_root("Logical_Switch"));
    assert!(!nb.is_root("Logical_Switch_Port"));
    assert!(!nb.is_root("ACL"));
    assert_round_trips(&nb);
}

#[test]
fn ovn_southbound() {
    let sb = load(SB);
    assert_eq!(sb.name, "OVN_Southbound");
    assert_eq!(sb.version, "20.27.0");
    let encaps = column_type(&sb, "Chassis", "encaps");
    assert_eq!(encaps.key.ref_table.as_deref(), Some("Encap"));
    assert_eq!((encaps.min, encaps.max), (1, Max::Unlimited));
    assert!(encaps.check(&Datum::empty_set()).is_err());
    assert_eq!(
        sb.table("Chassis").unwrap().indexes,
        vec![vec!["name".to_owned()]]
    );
    assert_eq!(
        column_type(&sb, "Port_Binding", "tunnel_key").key,
        BaseType::new(AtomicType::Integer).with_integer_range(Some(1), Some(32767))
    );
    assert_round_trips(&sb);
}

#[test]
fn open_vswitch() {
    let vs = load(VSWITCH);
    assert_eq!(vs.name, "Open_vSwitch");
    assert_eq!(vs.version, "8.3.1");
    let bridges = column_type(&vs, "Open_vSwitch", "bridges");
    assert_eq!(bridges.key.ref_table.as_deref(), Some("Bridge"));
    assert_eq!(bridges.key.ref_type, RefType::Strong);
    assert!(bridges.is_set());
    assert_eq!(vs.table("Open_vSwitch").unwrap().max_rows, Some(1));
    assert!(vs.is_root("Open_vSwitch"));
    assert!(!vs.is_root("Bridge"));

    let fail_mode = column_type(&vs, "Bridge", "fail_mode");
    assert_eq!(
        fail_mode,
        &ColumnType::optional(
            BaseType::new(AtomicType::String).with_enum(["secure", "standalone"])
        )
    );
    assert!(!vs.table("Bridge").unwrap().column("name").unwrap().mutable);
    assert!(
        vs.table("Interface")
            .unwrap()
            .column("mtu")
            .unwrap()
            .ephemeral
    );
    let trunks = column_type(&vs, "Port", "trunks");
    assert_eq!(trunks.max, Max::Limited(4096));
    assert_eq!(trunks.key.max_integer, Some(4095));
    assert_round_trips(&vs);
}

/// ovsdb-server prints a schema (`get-schema`) in the compact form our `Serialize` writes too.
#[test]
fn prints_schemas_like_ovsdb_server() {
    let sandbox = Sandbox::start(&[NB, SB, VSWITCH]).unwrap();
    for path in [NB, SB, VSWITCH] {
        let ours = load(path);
        let text = sandbox.ovsdb_client(&["get-schema", &ours.name]).unwrap();
        let theirs = DatabaseSchema::from_json_str(&text).unwrap();
        assert_eq!(theirs, ours, "{path}: the server's copy parses differently");
        let ours_json = serde_json::to_value(&ours).unwrap();
        let theirs_json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(ours_json, theirs_json, "{path}: printed differently");
    }
}

#[test]
fn server_schema_from_a_live_server() {
    let sandbox = Sandbox::start(&[VSWITCH]).unwrap();
    let text = sandbox.ovsdb_client(&["get-schema", "_Server"]).unwrap();
    let server = DatabaseSchema::from_json_str(&text)
        .unwrap_or_else(|e| panic!("_Server schema {text}: {e}"));
    assert_eq!(server.name, "_Server");
    let database = server
        .table("Database")
        .expect("_Server has a Database table");
    for column in [
        "name",
        "model",
        "connected",
        "leader",
        "schema",
        "cid",
        "sid",
        "index",
    ] {
        assert!(
            database.column(column).is_some(),
            "_Server.Database lacks {column}"
        );
    }
    assert_eq!(
        database.column("leader").unwrap().column_type,
        ColumnType::scalar(AtomicType::Boolean)
    );
    assert_eq!(
        database.column("index").unwrap().column_type,
        ColumnType::optional(AtomicType::Integer)
    );
    assert_eq!(
        database.column("sid").unwrap().column_type,
        ColumnType::optional(AtomicType::Uuid)
    );
    let model = &database.column("model").unwrap().column_type;
    assert!(model.check(&Datum::from(Atom::from("clustered"))).is_ok());
    assert!(model.check(&Datum::from(Atom::from("bogus"))).is_err());
    assert!(server.is_root("Database"));
    assert_round_trips(&server);
}

/// A schema with every kind of constraint, to put the same values to ovsdb-server and to us.
const CONSTRAINED: &str = r#"{
  "name": "Constrained", "version": "1.0.0",
  "tables": {"t": {"columns": {
    "i":    {"type": {"key": {"type": "integer", "minInteger": 0, "maxInteger": 4095}, "min": 0, "max": 1}},
    "imin": {"type": {"key": {"type": "integer", "minInteger": 10}, "min": 0, "max": 1}},
    "imax": {"type": {"key": {"type": "integer", "maxInteger": 10}, "min": 0, "max": 1}},
    "r":    {"type": {"key": {"type": "real", "minReal": -1.5, "maxReal": 1e20}, "min": 0, "max": 1}},
    "rmin": {"type": {"key": {"type": "real", "minReal": 0.25}, "min": 0, "max": 1}},
    "rmax": {"type": {"key": {"type": "real", "maxReal": 100}, "min": 0, "max": 1}},
    "s":    {"type": {"key": {"type": "string", "minLength": 2, "maxLength": 4}, "min": 0, "max": 1}},
    "ie":   {"type": {"key": {"type": "integer", "enum": ["set", [1, 2, 3]]}, "min": 0, "max": 1}},
    "re":   {"type": {"key": {"type": "real", "enum": ["set", [1, 2.5]]}, "min": 0, "max": 1}},
    "se":   {"type": {"key": {"type": "string", "enum": ["set", ["a b", "x", "9"]]}, "min": 0, "max": 1}},
    "one":  {"type": "integer"},
    "few":  {"type": {"key": "string", "min": 0, "max": 2}},
    "m":    {"type": {"key": "string", "value": {"type": "integer", "maxInteger": 3}, "min": 0, "max": 2}},
    "u":    {"type": {"key": "uuid", "min": 0, "max": 1}},
    "b":    {"type": {"key": "boolean", "min": 0, "max": 1}}
  }}}
}"#;

/// Inserts `{column: value}` and returns the server's reply to the insert and, if it
/// succeeded, the value it stored as it reads back.
fn server_verdict(
    sandbox: &Sandbox,
    column: &str,
    value: &str,
) -> Result<serde_json::Value, String> {
    let txn = format!(
        r#"["Constrained",
            {{"op":"insert","table":"t","row":{{"{column}":{value}}},"uuid-name":"row"}},
            {{"op":"select","table":"t","where":[["_uuid","==",["named-uuid","row"]]],
              "columns":["{column}"]}}]"#
    );
    let out = sandbox.ovsdb_client(&["transact", &txn]).unwrap();
    let reply: serde_json::Value = serde_json::from_str(&out).unwrap();
    let insert = &reply[0];
    if let Some(details) = insert.get("details") {
        return Err(details.as_str().unwrap_or_default().to_owned());
    }
    Ok(reply[1]["rows"][0][column].clone())
}

#[test]
fn agrees_with_ovsdb_server_on_values_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("constrained.ovsschema");
    std::fs::write(&path, CONSTRAINED).unwrap();
    let schema = DatabaseSchema::from_json_str(CONSTRAINED).unwrap();
    let table = schema.table("t").unwrap();
    let sandbox = Sandbox::start(&[&path]).unwrap();

    let cases: &[(&str, &str)] = &[
        // Violations, whose messages must be ovsdb-server's.
        ("i", "4096"),
        ("i", "-1"),
        ("imin", "9"),
        ("imax", "11"),
        ("r", "-2"),
        ("r", "1e21"),
        ("r", "-1.50000000000001"),
        ("rmin", "0.1"),
        ("rmax", "100.5"),
        ("s", r#""a""#),
        ("s", r#""abcde""#),
        ("s", r#""ééééé""#),
        ("ie", "4"),
        ("re", "2"),
        ("se", r#""y""#),
        ("one", r#"["set",[]]"#),
        ("one", r#"["set",[1,2]]"#),
        ("few", r#"["set",["a","b","c"]]"#),
        ("m", r#"["map",[["a",4]]]"#),
        ("m", r#"["map",[["a",1],["b",2],["c",3]]]"#),
        // Wrong types and shapes: ovsdb-server's message is a prefix of ours.
        ("i", r#""x""#),
        ("i", "15.5"),
        ("b", "1"),
        ("m", r#""x""#),
        ("m", r#"["set",[]]"#),
        ("u", r#""x""#),
        // Accepted values, some only thanks to typed decoding.
        ("i", "4095"),
        ("i", "5.0"),
        ("imin", "1e3"),
        ("r", "2"),
        // ovsdb-server prints reals with 15 significant digits ("%.15g"), so only values that
        // fit in 15 digits read back exactly; 123456789012345678 would come back rounded.
        ("r", "123456789012345"),
        ("r", "-1.25e-7"),
        ("re", "1"),
        ("re", "2.5"),
        ("s", r#""éééé""#),
        ("s", r#""😀😀""#),
        ("se", r#""a b""#),
        ("few", r#"["set",["b","a"]]"#),
        ("m", r#"["map",[["b",3],["a",0]]]"#),
        ("u", r#"["uuid","550e8400-e29b-41d4-a716-446655440000"]"#),
        ("b", "true"),
    ];
    let (mut accepted, mut exact_matches, mut prefix_matches) = (0, 0, 0);
    for &(column, value) in cases {
        let ty = &table.column(column).unwrap().column_type;
        let ours = ty.datum_from_json_str(value);
        match (server_verdict(&sandbox, column, value), ours) {
            (Ok(stored), Ok(datum)) => {
                // What the server stored reads back as the same datum.
                let back = ty.datum_from_value(&stored).unwrap();
                assert_eq!(back, datum, "{column} = {value}: stored as {stored}");
                // Our encoding of it is accepted and stored identically.
                let ours_json = serde_json::to_string(&datum).unwrap();
                let again = server_verdict(&sandbox, column, &ours_json)
                    .unwrap_or_else(|e| panic!("{column} = {ours_json} refused: {e}"));
                assert_eq!(ty.datum_from_value(&again).unwrap(), datum);
                accepted += 1;
            }
            (Err(details), Err(DecodeError::Violation(v))) => {
                let ours = v.to_string();
                let exact = !matches!(
                    v,
                    ConstraintViolation::Type { .. } | ConstraintViolation::Shape { .. }
                );
                if exact {
                    assert_eq!(ours, details, "{column} = {value}");
                    exact_matches += 1;
                } else {
                    assert!(
                        ours.starts_with(&details),
                        "{column} = {value}: ours {ours:?}, ovsdb-server {details:?}"
                    );
                    prefix_matches += 1;
                }
            }
            (server, ours) => {
                panic!("{column} = {value}: ovsdb-server says {server:?}, we say {ours:?}")
            }
        }
    }
    assert_eq!((exact_matches, prefix_matches, accepted), (20, 6, 15));
}
