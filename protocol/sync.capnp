# Messages exchanged between two linked nodes. One SyncMessage per ZeroMQ frame.
@0xa845fd6c39ecbe04;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("govbus::wire");

using Cert = import "certificate.capnp";
using Rec = import "record.capnp";

struct SyncMessage {
  union {
    hello @0 :Hello;
    records @1 :RecordsBatch;
    ack @2 :Ack;
    ping @3 :Ping;
    reconnect @4 :Void;
    # Sent by a server to a connection it no longer knows (it forgot it: silent past its peer
    # timeout, an ack timeout, a full send queue, or a refused hello): close this connection and
    # dial again, starting with a Hello. A client that does not know this kind drops it and
    # recovers by its own timeouts, as before.
  }
}

struct Hello {
  protocolVersion @0 :UInt32;
  node @1 :Text;
  # The sender's division code.
  chain @2 :List(Cert.SignedCertificate);
  # The sender's certificate chain: the anchor's child first, the sender's own certificate last
  # (the anchor itself is installed on every node and not sent).
  frontier @3 :List(Rec.FrontierEntry);
  # Highest sequence the sender holds of every feed it stores.
}

struct RecordsBatch {
  certificates @0 :List(Cert.SignedCertificate);
  # Certificates of authors in this batch that the receiver may not know yet.
  records @1 :List(Rec.SignedRecord);
  # In per-feed sequence order.
}

struct Ack {
  frontier @0 :List(Rec.FrontierEntry);
  # Highest contiguous sequence now committed per feed; moves the sender's per-peer position.
}

struct Ping {
  nonce @0 :UInt64;
  sentMs @1 :Int64;
}
