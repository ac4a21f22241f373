//! JSON-RPC 1.0 messages (RFC 7047 section 4): [`Message`], owned and fully decoded, and
//! [`RawMessage`], borrowed from the frame bytes with `params` / `result` / `error` left as raw
//! JSON text for the hot path.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{self, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use super::error::WireError;

/// Which of the three JSON-RPC 1.0 message types a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// A method call that expects a response with the same id.
    Request,
    /// The answer to a request.
    Response,
    /// A method call with a null id, which gets no response.
    Notification,
}

/// One JSON-RPC 1.0 message, fully decoded into [`serde_json::Value`]s.
///
/// Encodes (with [`serde::Serialize`], [`Message::to_vec`] or the codecs) to exactly the objects
/// ovsdb-server sends and expects, members in this order:
/// - request: `{"id":ID,"method":"M","params":[..]}`
/// - response: `{"id":ID,"result":R,"error":E}` (both members always present; on success `error`
///   is `null`, on failure `result` is `null`)
/// - notification: `{"id":null,"method":"M","params":[..]}`
///
/// For large messages (monitor replies and updates) prefer [`RawMessage`], which does not build a
/// `Value` tree.
///
/// # Classification
///
/// A decoded JSON object is
/// - a **request** if it has a string `"method"` and a non-null `"id"`;
/// - a **notification** if it has a string `"method"` and a null or absent `"id"`;
/// - a **response** if it has no `"method"` but has a `"result"` or an `"error"` member (either
///   may be `null`; an absent `"id"` counts as `null`).
///
/// Requests and notifications must have `"params"`, and it must be an array. An object with a
/// method and a result or error, or with none of the three, is an error ([`WireError::Invalid`]).
/// Other members are ignored; a member given twice is an error. A `"method": null` counts as
/// absent.
///
/// ```
/// use ovsdb::wire::Message;
/// use serde_json::json;
///
/// let echo = Message::request(json!("echo"), "echo", vec![]);
/// assert_eq!(echo.to_vec().unwrap(), br#"{"id":"echo","method":"echo","params":[]}"#);
/// let reply = echo.echo_reply().unwrap();
/// assert_eq!(reply.to_vec().unwrap(), br#"{"id":"echo","result":[],"error":null}"#);
/// assert_eq!(Message::from_slice(&reply.to_vec().unwrap()).unwrap(), reply);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A method call expecting a [`Message::Response`] with the same `id`.
    Request {
        /// Any JSON value except `null` (a request with a null id is a notification; encoding
        /// one is an error). ovsdb-server uses numbers and strings such as `"echo"`.
        id: Value,
        /// The method name, e.g. `"transact"`.
        method: String,
        /// The positional parameters.
        params: Vec<Value>,
    },
    /// The answer to a request.
    Response {
        /// The id of the request answered (`null` only when the request's id was unknown).
        id: Value,
        /// The result, `null` on error.
        result: Value,
        /// The error, `null` on success.
        error: Value,
    },
    /// A method call that gets no response (sent with `"id": null`).
    Notification {
        /// The method name, e.g. `"update"`.
        method: String,
        /// The positional parameters.
        params: Vec<Value>,
    },
}

impl Message {
    /// A request.
    pub fn request(id: Value, method: impl Into<String>, params: Vec<Value>) -> Message {
        Message::Request {
            id,
            method: method.into(),
            params,
        }
    }

    /// A notification.
    pub fn notification(method: impl Into<String>, params: Vec<Value>) -> Message {
        Message::Notification {
            method: method.into(),
            params,
        }
    }

    /// A successful response: `{"id":ID,"result":RESULT,"error":null}`.
    pub fn response(id: Value, result: Value) -> Message {
        Message::Response {
            id,
            result,
            error: Value::Null,
        }
    }

    /// A failed response: `{"id":ID,"result":null,"error":ERROR}`.
    pub fn error_response(id: Value, error: Value) -> Message {
        Message::Response {
            id,
            result: Value::Null,
            error,
        }
    }

    /// Which kind of message this is.
    pub fn kind(&self) -> MessageKind {
        match self {
            Message::Request { .. } => MessageKind::Request,
            Message::Response { .. } => MessageKind::Response,
            Message::Notification { .. } => MessageKind::Notification,
        }
    }

    /// The id of a request or response; `None` for a notification.
    pub fn id(&self) -> Option<&Value> {
        match self {
            Message::Request { id, .. } | Message::Response { id, .. } => Some(id),
            Message::Notification { .. } => None,
        }
    }

    /// The method of a request or notification.
    pub fn method(&self) -> Option<&str> {
        match self {
            Message::Request { method, .. } | Message::Notification { method, .. } => Some(method),
            Message::Response { .. } => None,
        }
    }

    /// If this is an `echo` request, the response the peer expects: the same id, with the params
    /// as the result (RFC 7047 4.1.11). ovsdb-server sends echo requests as an inactivity probe
    /// and drops connections that do not answer.
    pub fn echo_reply(&self) -> Option<Message> {
        match self {
            Message::Request { id, method, params } if method == "echo" => {
                Some(Message::Response {
                    id: id.clone(),
                    result: Value::Array(params.clone()),
                    error: Value::Null,
                })
            }
            _ => None,
        }
    }

    /// Decodes one message from the bytes of one JSON object (a frame from
    /// [`JsonFramer`](super::JsonFramer); surrounding whitespace is allowed, anything else after
    /// the object is an error).
    pub fn from_slice(bytes: &[u8]) -> Result<Message, WireError> {
        let envelope: Envelope<'_, Value> =
            serde_json::from_slice(bytes).map_err(WireError::Json)?;
        Message::from_parts(envelope.classify().map_err(WireError::Invalid)?)
            .map_err(WireError::Invalid)
    }

    /// Encodes the message as compact JSON.
    pub fn to_vec(&self) -> Result<Vec<u8>, WireError> {
        serde_json::to_vec(self).map_err(WireError::Encode)
    }

    fn from_parts(parts: Parts<'_, Value>) -> Result<Message, String> {
        let array = |params: Value| match params {
            Value::Array(items) => Ok(items),
            _ => Err(PARAMS_NOT_ARRAY.to_owned()),
        };
        Ok(match parts {
            Parts::Request { id, method, params } => Message::Request {
                id,
                method: method.into_owned(),
                params: array(params)?,
            },
            Parts::Notification { method, params } => Message::Notification {
                method: method.into_owned(),
                params: array(params)?,
            },
            Parts::Response { id, result, error } => Message::Response {
                id: id.unwrap_or(Value::Null),
                result: result.unwrap_or(Value::Null),
                error: error.unwrap_or(Value::Null),
            },
        })
    }
}

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Message::Request { id, method, params } => {
                if id.is_null() {
                    return Err(ser::Error::custom(NULL_REQUEST_ID));
                }
                let mut s = serializer.serialize_struct("Message", 3)?;
                s.serialize_field("id", id)?;
                s.serialize_field("method", method)?;
                s.serialize_field("params", params)?;
                s.end()
            }
            Message::Response { id, result, error } => {
                let mut s = serializer.serialize_struct("Message", 3)?;
                s.serialize_field("id", id)?;
                s.serialize_field("result", result)?;
                s.serialize_field("error", error)?;
                s.end()
            }
            Message::Notification { method, params } => {
                let mut s = serializer.serialize_struct("Message", 3)?;
                s.serialize_field("id", &())?;
                s.serialize_field("method", method)?;
                s.serialize_field("params", params)?;
                s.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Message, D::Error> {
        let envelope = Envelope::<'de, Value>::deserialize(deserializer)?;
        let parts = envelope.classify().map_err(de::Error::custom)?;
        Message::from_parts(parts).map_err(de::Error::custom)
    }
}

/// One JSON-RPC 1.0 message borrowed from the bytes of its frame, with the potentially large
/// members (`params`, `result`, `error`) kept as raw JSON text.
///
/// Decoding only checks the JSON syntax of those members and records where they are, so a
/// client can route a message by id or method and then deserialize the params or result straight
/// into typed structs with `serde_json::from_str(raw.get())`, never building a
/// [`serde_json::Value`] tree. The [classification rules](Message#classification) are the same
/// as [`Message`]'s.
///
/// `RawMessage` borrows: decode it with [`RawMessage::from_slice`] (or `serde_json::from_slice` /
/// `from_str`), not from a reader. It also encodes, writing the raw members verbatim.
///
/// ```
/// use ovsdb::wire::{MessageKind, RawMessage};
///
/// let frame = br#"{"id":null,"method":"update","params":["mon",{"Logical_Switch":{}}]}"#;
/// let msg = RawMessage::from_slice(frame).unwrap();
/// assert_eq!(msg.kind(), MessageKind::Notification);
/// assert_eq!(msg.method(), Some("update"));
/// let (monitor, updates): (String, serde_json::Map<String, serde_json::Value>) =
///     serde_json::from_str(msg.params().unwrap().get()).unwrap();
/// assert_eq!(monitor, "mon");
/// assert!(updates.contains_key("Logical_Switch"));
/// ```
#[derive(Debug, Clone)]
pub enum RawMessage<'a> {
    /// A method call expecting a response with the same `id`.
    Request {
        /// The id, never the JSON text `null`.
        id: &'a RawValue,
        /// The method name (borrowed unless it contains JSON escapes).
        method: Cow<'a, str>,
        /// The params: JSON text of an array.
        params: &'a RawValue,
    },
    /// The answer to a request.
    Response {
        /// The id of the request answered (the JSON text `null` if absent or null).
        id: &'a RawValue,
        /// The result, `None` if null or absent.
        result: Option<&'a RawValue>,
        /// The error, `None` if null or absent (that is: the request succeeded).
        error: Option<&'a RawValue>,
    },
    /// A method call that gets no response.
    Notification {
        /// The method name (borrowed unless it contains JSON escapes).
        method: Cow<'a, str>,
        /// The params: JSON text of an array.
        params: &'a RawValue,
    },
}

impl<'a> RawMessage<'a> {
    /// Decodes the envelope of one message from the bytes of one JSON object (a frame from
    /// [`JsonFramer`](super::JsonFramer)), borrowing from them.
    ///
    pub fn from_slice(bytes: &'a [u8]) -> Result<RawMessage<'a>, WireError> {
        let envelope: Envelope<'a, &'a RawValue> =
            serde_json::from_slice(bytes).map_err(WireError::Json)?;
        RawMessage::from_parts(envelope.classify().map_err(WireError::Invalid)?)
            .map_err(WireError::Invalid)
    }

    fn from_parts(parts: Parts<'a, &'a RawValue>) -> Result<RawMessage<'a>, String> {
        Ok(match parts {
            Parts::Request { id, method, params } => RawMessage::Request { id, method, params },
            Parts::Notification { method, params } => RawMessage::Notification { method, params },
            Parts::Response { id, result, error } => RawMessage::Response {
                id: id.unwrap_or(RawValue::NULL),
                result,
                error,
            },
        })
    }

    /// Which kind of message this is.
    pub fn kind(&self) -> MessageKind {
        match self {
            RawMessage::Request { .. } => MessageKind::Request,
            RawMessage::Response { .. } => MessageKind::Response,
            RawMessage::Notification { .. } => MessageKind::Notification,
        }
    }

    /// The id of a request or response; `None` for a notification. Parse it with
    /// `serde_json::from_str::<u64>(id.get())` (or any type) to match it to a request.
    pub fn id(&self) -> Option<&'a RawValue> {
        match *self {
            RawMessage::Request { id, .. } | RawMessage::Response { id, .. } => Some(id),
            RawMessage::Notification { .. } => None,
        }
    }

    /// The method of a request or notification.
    pub fn method(&self) -> Option<&str> {
        match self {
            RawMessage::Request { method, .. } | RawMessage::Notification { method, .. } => {
                Some(method)
            }
            RawMessage::Response { .. } => None,
        }
    }

    /// The params (JSON text of an array) of a request or notification.
    pub fn params(&self) -> Option<&'a RawValue> {
        match *self {
            RawMessage::Request { params, .. } | RawMessage::Notification { params, .. } => {
                Some(params)
            }
            RawMessage::Response { .. } => None,
        }
    }

    /// If this is an `echo` request, the response the peer expects: the same id with the params
    /// as the result (RFC 7047 4.1.11).
    pub fn echo_reply(&self) -> Option<RawMessage<'a>> {
        match self {
            RawMessage::Request { id, method, params } if method == "echo" => {
                Some(RawMessage::Response {
                    id,
                    result: Some(*params),
                    error: None,
                })
            }
            _ => None,
        }
    }

    /// Fully decodes the raw members into an owned [`Message`].
    pub fn to_message(&self) -> Result<Message, WireError> {
        fn parse<T: serde::de::DeserializeOwned>(raw: &RawValue) -> Result<T, WireError> {
            serde_json::from_str(raw.get()).map_err(WireError::Json)
        }
        let value = |raw: Option<&RawValue>| raw.map_or(Ok(Value::Null), parse);
        Ok(match self {
            RawMessage::Request { id, method, params } => Message::Request {
                id: parse(id)?,
                method: method.clone().into_owned(),
                params: parse(params)?,
            },
            RawMessage::Notification { method, params } => Message::Notification {
                method: method.clone().into_owned(),
                params: parse(params)?,
            },
            RawMessage::Response { id, result, error } => Message::Response {
                id: parse(id)?,
                result: value(*result)?,
                error: value(*error)?,
            },
        })
    }

    /// Encodes the message as compact JSON (raw members are written verbatim).
    pub fn to_vec(&self) -> Result<Vec<u8>, WireError> {
        serde_json::to_vec(self).map_err(WireError::Encode)
    }
}

impl Serialize for RawMessage<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Message", 3)?;
        match self {
            RawMessage::Request { id, method, params } => {
                if id.get() == "null" {
                    return Err(ser::Error::custom(NULL_REQUEST_ID));
                }
                s.serialize_field("id", id)?;
                s.serialize_field("method", method)?;
                s.serialize_field("params", params)?;
            }
            RawMessage::Response { id, result, error } => {
                s.serialize_field("id", id)?;
                s.serialize_field("result", result.unwrap_or(RawValue::NULL))?;
                s.serialize_field("error", error.unwrap_or(RawValue::NULL))?;
            }
            RawMessage::Notification { method, params } => {
                s.serialize_field("id", RawValue::NULL)?;
                s.serialize_field("method", method)?;
                s.serialize_field("params", params)?;
            }
        }
        s.end()
    }
}

impl<'de> Deserialize<'de> for RawMessage<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawMessage<'de>, D::Error> {
        let envelope = Envelope::<'de, &'de RawValue>::deserialize(deserializer)?;
        let parts = envelope.classify().map_err(de::Error::custom)?;
        RawMessage::from_parts(parts).map_err(de::Error::custom)
    }
}

const NULL_REQUEST_ID: &str =
    "a request's id must not be null (a method call with a null id is a notification)";
const PARAMS_NOT_ARRAY: &str = "\"params\" must be a JSON array";

/// A member value as decoded: a [`Value`] or a borrowed [`RawValue`].
trait Member {
    fn is_null(&self) -> bool;
    fn is_array(&self) -> bool;
}

impl Member for Value {
    fn is_null(&self) -> bool {
        Value::is_null(self)
    }
    fn is_array(&self) -> bool {
        Value::is_array(self)
    }
}

impl Member for &RawValue {
    // serde_json's raw values never include surrounding whitespace.
    fn is_null(&self) -> bool {
        self.get() == "null"
    }
    fn is_array(&self) -> bool {
        self.get().starts_with('[')
    }
}

/// The members of a message object, before classification. `None` means absent; a present
/// `null` is kept as the member's null value.
struct Envelope<'de, T> {
    id: Option<T>,
    /// `None` if absent or `null`.
    method: Option<Cow<'de, str>>,
    params: Option<T>,
    result: Option<T>,
    error: Option<T>,
}

/// A classified message; `result` / `error` are `None` when null or absent.
enum Parts<'de, T> {
    Request {
        id: T,
        method: Cow<'de, str>,
        params: T,
    },
    Response {
        id: Option<T>,
        result: Option<T>,
        error: Option<T>,
    },
    Notification {
        method: Cow<'de, str>,
        params: T,
    },
}

impl<'de, T: Member> Envelope<'de, T> {
    fn classify(self) -> Result<Parts<'de, T>, String> {
        let non_null = |v: Option<T>| v.filter(|v| !v.is_null());
        if let Some(method) = self.method {
            if self.result.is_some() || self.error.is_some() {
                return Err(format!(
                    "a message with \"method\" ({method:?}) must not have \"result\" or \"error\""
                ));
            }
            let params = match self.params {
                Some(p) if p.is_array() => p,
                Some(_) => return Err(PARAMS_NOT_ARRAY.to_owned()),
                None => return Err(format!("the call of {method:?} has no \"params\"")),
            };
            return Ok(match non_null(self.id) {
                Some(id) => Parts::Request { id, method, params },
                None => Parts::Notification { method, params },
            });
        }
        if self.result.is_none() && self.error.is_none() {
            return Err(
                "the object has none of \"method\" (request or notification), \"result\" or \
                 \"error\" (response)"
                    .to_owned(),
            );
        }
        Ok(Parts::Response {
            id: self.id,
            result: non_null(self.result),
            error: non_null(self.error),
        })
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Envelope<'de, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EnvelopeVisitor(PhantomData))
    }
}

struct EnvelopeVisitor<'de, T>(PhantomData<(&'de (), T)>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for EnvelopeVisitor<'de, T> {
    type Value = Envelope<'de, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-RPC message (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut env = Envelope {
            id: None,
            method: None,
            params: None,
            result: None,
            error: None,
        };
        let mut method_seen = false;
        fn once<'de, A: MapAccess<'de>, V: Deserialize<'de>>(
            map: &mut A,
            slot: &mut Option<V>,
            name: &str,
        ) -> Result<(), A::Error> {
            if slot.is_some() {
                return Err(de::Error::custom(format!("duplicate member {name:?}")));
            }
            *slot = Some(map.next_value()?);
            Ok(())
        }
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Id => once(&mut map, &mut env.id, "id")?,
                Key::Params => once(&mut map, &mut env.params, "params")?,
                Key::Result => once(&mut map, &mut env.result, "result")?,
                Key::Error => once(&mut map, &mut env.error, "error")?,
                Key::Method => {
                    if method_seen {
                        return Err(de::Error::custom("duplicate member \"method\""));
                    }
                    method_seen = true;
                    env.method = map.next_value::<Option<MethodName<'de>>>()?.map(|m| m.0);
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(env)
    }
}

/// A member name of a message object.
enum Key {
    Id,
    Method,
    Params,
    Result,
    Error,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "id" => Key::Id,
                    "method" => Key::Method,
                    "params" => Key::Params,
                    "result" => Key::Result,
                    "error" => Key::Error,
                    _ => Key::Other,
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// A method name, borrowed from the input when it has no escapes.
struct MethodName<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for MethodName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MethodVisitor;
        impl<'de> Visitor<'de> for MethodVisitor {
            type Value = MethodName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a method name (a string)")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(MethodName(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(MethodName(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
                Ok(MethodName(Cow::Owned(s)))
            }
        }
        deserializer.deserialize_str(MethodVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn enc(m: &Message) -> String {
        String::from_utf8(m.to_vec().unwrap()).unwrap()
    }

    #[test]
    fn encodes_exact_bytes() {
        assert_eq!(
            enc(&Message::request(
                json!(0),
                "transact",
                vec![
                    json!("OVN_Northbound"),
                    json!({"op": "select", "table": "T", "where": []})
                ]
            )),
            r#"{"id":0,"method":"transact","params":["OVN_Northbound",{"op":"select","table":"T","where":[]}]}"#
        );
        assert_eq!(
            enc(&Message::request(json!("echo"), "echo", vec![])),
            r#"{"id":"echo","method":"echo","params":[]}"#
        );
        assert_eq!(
            enc(&Message::response(json!(7), json!(["OVN_Northbound"]))),
            r#"{"id":7,"result":["OVN_Northbound"],"error":null}"#
        );
        assert_eq!(
            enc(&Message::error_response(
                json!(7),
                json!({"error": "unknown method"})
            )),
            r#"{"id":7,"result":null,"error":{"error":"unknown method"}}"#
        );
        assert_eq!(
            enc(&Message::notification(
                "update",
                vec![json!(null), json!({})]
            )),
            r#"{"id":null,"method":"update","params":[null,{}]}"#
        );
        assert_eq!(
            enc(&Message::request(
                json!([1, "x"]),
                "m\"\u{e9}",
                vec![json!("\\\n")]
            )),
            r#"{"id":[1,"x"],"method":"m\"é","params":["\\\n"]}"#
        );
    }

    #[test]
    fn null_request_id_cannot_be_encoded() {
        let err = Message::request(Value::Null, "echo", vec![])
            .to_vec()
            .unwrap_err();
        assert!(matches!(err, WireError::Encode(_)));
        assert!(err.to_string().contains("must not be null"), "{err}");
        let raw = RawMessage::Request {
            id: RawValue::NULL,
            method: "echo".into(),
            params: serde_json::from_str("[]").unwrap(),
        };
        assert!(matches!(raw.to_vec(), Err(WireError::Encode(_))));
    }

    #[test]
    fn classifies() {
        let cases: &[(&str, MessageKind)] = &[
            (
                r#"{"id":1,"method":"echo","params":[]}"#,
                MessageKind::Request,
            ),
            (
                r#"{"id":"x","method":"echo","params":[]}"#,
                MessageKind::Request,
            ),
            (
                r#"{"id":{"a":[1]},"method":"m","params":[1]}"#,
                MessageKind::Request,
            ),
            (
                r#"{"id":false,"method":"m","params":[]}"#,
                MessageKind::Request,
            ),
            (
                r#"{"id":null,"method":"update","params":[]}"#,
                MessageKind::Notification,
            ),
            (
                r#"{"method":"update","params":[]}"#,
                MessageKind::Notification,
            ),
            (
                r#"{"method":"update","params":[],"id":null}"#,
                MessageKind::Notification,
            ),
            (
                r#"{"id":1,"result":{},"error":null}"#,
                MessageKind::Response,
            ),
            (
                r#"{"id":1,"result":null,"error":"e"}"#,
                MessageKind::Response,
            ),
            (
                r#"{"id":1,"result":null,"error":null}"#,
                MessageKind::Response,
            ),
            (
                r#"{"error":null,"result":[],"id":1}"#,
                MessageKind::Response,
            ),
            (r#"{"id":1,"result":[]}"#, MessageKind::Response),
            (r#"{"result":[]}"#, MessageKind::Response),
            (
                r#" {"id":1,"method":"m","params":[],"extra":{"x":[1,2]}} "#,
                MessageKind::Request,
            ),
            (
                r#"{"id":null,"method":null,"result":5}"#,
                MessageKind::Response,
            ),
        ];
        for (text, kind) in cases {
            let m = Message::from_slice(text.as_bytes()).unwrap();
            assert_eq!(m.kind(), *kind, "{text}");
            let r = RawMessage::from_slice(text.as_bytes()).unwrap();
            assert_eq!(r.kind(), *kind, "{text}");
            assert_eq!(r.to_message().unwrap(), m, "{text}");
            // Also through serde's Deserialize.
            let d: Message = serde_json::from_str(text).unwrap();
            assert_eq!(d, m);
        }
        let m = Message::from_slice(br#"{"result":[]}"#).unwrap();
        assert_eq!(m, Message::response(Value::Null, json!([])));
        let m = Message::from_slice(br#"{"id":1,"result":null,"error":null}"#).unwrap();
        assert_eq!(m, Message::response(json!(1), Value::Null));
    }

    #[test]
    fn rejects_non_messages() {
        let cases: &[(&str, &str)] = &[
            (r#"{}"#, "none of"),
            (r#"{"id":1}"#, "none of"),
            (r#"{"id":1,"params":[]}"#, "none of"),
            (r#"{"id":1,"method":"m"}"#, "no \"params\""),
            (
                r#"{"id":1,"method":"m","params":null}"#,
                "must be a JSON array",
            ),
            (
                r#"{"id":1,"method":"m","params":{}}"#,
                "must be a JSON array",
            ),
            (
                r#"{"id":null,"method":"m","params":"x"}"#,
                "must be a JSON array",
            ),
            (
                r#"{"id":1,"method":"m","params":[],"result":1}"#,
                "must not have",
            ),
            (
                r#"{"id":1,"method":"m","params":[],"error":null}"#,
                "must not have",
            ),
            (r#"{"id":1,"id":2,"result":1}"#, "duplicate member \"id\""),
            (
                r#"{"method":"a","method":"b","params":[]}"#,
                "duplicate member \"method\"",
            ),
            (r#"{"id":1,"method":5,"params":[]}"#, "method name"),
            (r#"[1,2]"#, "JSON object"),
            (r#""str""#, "JSON object"),
            (r#"{"id":1,"result":1} x"#, "trailing"),
            (r#"{"id":1,"result":tru}"#, "expected"),
            (r#"{"id":1,"result":[1,]}"#, "column 21"),
        ];
        for (text, needle) in cases {
            let e = Message::from_slice(text.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{text}: {e}");
            let e = RawMessage::from_slice(text.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "raw {text}: {e}");
            assert!(serde_json::from_str::<Message>(text).is_err());
        }
        assert!(matches!(
            Message::from_slice(b"{}"),
            Err(WireError::Invalid(_))
        ));
        assert!(matches!(
            Message::from_slice(b"{\"id\":1,\"result\":\"\xff\"}"),
            Err(WireError::Json(_))
        ));
        assert!(matches!(
            RawMessage::from_slice(b"{\"id\":1,\"result\":\"\xff\"}"),
            Err(WireError::Json(_))
        ));
    }

    #[test]
    fn escaped_member_names_and_methods() {
        let text = br#"{"\u0069d":1,"meth\u006fd":"ech\u006f","params":[]}"#;
        let m = Message::from_slice(text).unwrap();
        assert_eq!(m, Message::request(json!(1), "echo", vec![]));
        let r = RawMessage::from_slice(text).unwrap();
        assert!(matches!(&r, RawMessage::Request { method: Cow::Owned(m), .. } if m == "echo"));
        assert_eq!(
            r.echo_reply().unwrap().to_vec().unwrap(),
            br#"{"id":1,"result":[],"error":null}"#
        );
        // Without escapes the method name is borrowed from the frame.
        let r = RawMessage::from_slice(br#"{"id":1,"method":"echo","params":[]}"#).unwrap();
        assert!(matches!(
            &r,
            RawMessage::Request {
                method: Cow::Borrowed("echo"),
                ..
            }
        ));
    }

    #[test]
    fn raw_message_borrows_members() {
        let text = br#"{"id":42,"result":[{"uuid":["uuid","8e2f..."]}] ,"error":null}"#;
        let r = RawMessage::from_slice(text).unwrap();
        let RawMessage::Response { id, result, error } = r else {
            panic!("{r:?}")
        };
        assert_eq!(serde_json::from_str::<u64>(id.get()).unwrap(), 42);
        assert_eq!(result.unwrap().get(), r#"[{"uuid":["uuid","8e2f..."]}]"#);
        assert!(error.is_none());
        // The raw text points into the frame: no copy.
        let range = text.as_ptr_range();
        assert!(range.contains(&result.unwrap().get().as_ptr()));
        assert_eq!(r.id().unwrap().get(), "42");
        assert_eq!(r.method(), None);
        assert!(r.params().is_none());
    }

    #[test]
    fn raw_message_encodes_verbatim() {
        let text = br#"{"id":"echo","method":"echo","params":[ 1, {"a" : 2} ]}"#;
        let r = RawMessage::from_slice(text).unwrap();
        assert_eq!(
            r.to_vec().unwrap(),
            br#"{"id":"echo","method":"echo","params":[ 1, {"a" : 2} ]}"#
        );
        assert_eq!(
            r.echo_reply().unwrap().to_vec().unwrap(),
            br#"{"id":"echo","result":[ 1, {"a" : 2} ],"error":null}"#
        );
        let n = RawMessage::from_slice(br#"{"method":"locked","params":["l"]}"#).unwrap();
        assert_eq!(
            n.to_vec().unwrap(),
            br#"{"id":null,"method":"locked","params":["l"]}"#
        );
        assert!(n.echo_reply().is_none());
        let e = RawMessage::from_slice(br#"{"id":3,"error":{"error":"x"}}"#).unwrap();
        assert_eq!(
            e.to_vec().unwrap(),
            br#"{"id":3,"result":null,"error":{"error":"x"}}"#
        );
    }

    #[test]
    fn echo_reply() {
        let req = Message::request(json!("echo"), "echo", vec![json!(1), json!("a")]);
        assert_eq!(
            req.echo_reply(),
            Some(Message::response(json!("echo"), json!([1, "a"])))
        );
        assert!(Message::request(json!(1), "transact", vec![])
            .echo_reply()
            .is_none());
        assert!(Message::notification("echo", vec![]).echo_reply().is_none());
    }

    #[test]
    fn accessors() {
        let r = Message::request(json!(1), "m", vec![]);
        assert_eq!(r.id(), Some(&json!(1)));
        assert_eq!(r.method(), Some("m"));
        let n = Message::notification("n", vec![]);
        assert_eq!(n.id(), None);
        assert_eq!(n.method(), Some("n"));
        let s = Message::response(json!(2), json!({}));
        assert_eq!(s.id(), Some(&json!(2)));
        assert_eq!(s.method(), None);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let depth = 100_000;
        let mut text = br#"{"id":1,"method":"m","params":"#.to_vec();
        text.resize(text.len() + depth, b'[');
        text.resize(text.len() + depth, b']');
        text.push(b'}');
        // serde_json's recursion limit (128) turns this into an error.
        let e = Message::from_slice(&text).unwrap_err();
        assert!(e.to_string().contains("recursion limit"), "{e}");
        // The raw envelope skips values iteratively, so it decodes; deserializing the raw params
        // later hits the same recursion limit.
        let r = RawMessage::from_slice(&text).unwrap();
        assert!(r.to_message().is_err());
    }
}
