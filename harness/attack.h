// Attacks on a civhubd's public ports from one host, for the real-process
// tests of tests/hostile/abuse_e2e_test.cc and `civhub-bench --workloads
// abuse` (issue 14's table; docs/reliability.md). Each attacker connects
// from its own loopback address (127.0.0.2 and up: Linux routes all of
// 127/8 on lo), so the hub can tell it from a normal client on 127.0.0.1;
// gRPC 1.51 cannot bind a client's source address, so gRPC-based attacks
// dial a TcpRelay that dials the hub from the attacker's address.
//
// An attack's calls may fail (a hub that holds refuses them); it counts
// what it sent and what came back, for the log of the test or bench.
#ifndef CIVHUB_HARNESS_ATTACK_H_
#define CIVHUB_HARNESS_ATTACK_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "civhub/v1/directory.pb.h"
#include "crypto/keys.h"

namespace civhub::attack {

// The n-th attacker's source address: "127.0.0.<2 + n>" (n < 250).
std::string AttackerSource(int n);

// The port of "host:port"; 0 if there is none.
int PortOf(const std::string& address);

// A TCP connection to 127.0.0.1:`port` from `source` (empty: any), or -1
// with errno set. Blocking connect; the kernel completes it while the
// server's accept backlog has room, whether or not the server accepts.
int ConnectFrom(const std::string& source, int port);

// The costliest Search a client may send (all records, nearest first or
// matching a one-letter word), in three variants.
v1::SearchRequest CostlySearch(int variant);

// One attack. Start() returns once it is under way (connections held,
// first calls sent); Halt() may be called from any thread (a watchdog) and
// makes it send no more; Stop() halts it, waits for its threads and closes
// every connection it holds. Not thread-safe otherwise.
class Attack {
 public:
  virtual ~Attack() = default;
  virtual void Start() = 0;
  void Halt() { halted_ = true; }
  virtual void Stop() = 0;
  // What it did, e.g. "1100 of 1100 connections held".
  virtual std::string Summary() const = 0;

 protected:
  std::atomic<bool> halted_{false};
};

// Where the hub under attack listens.
struct Target {
  std::string directory;   // host:port of the public Directory
  std::string federation;  // host:port of the federation port (TLS)
  std::string hub_key;     // the hub's 32-byte public key (link requests)
};

// Opens `count` TCP connections to `port`, spread over `sources` attacker
// addresses, and holds them without sending a byte. Connections the kernel
// refuses or resets are counted, not retried.
std::unique_ptr<Attack> IdleConnections(int port, int count, int sources = 1);

// HTTP/2 "rapid reset" (CVE-2023-44487) by hand over a raw socket: HEADERS
// for /civhub.v1.Directory/Search (plus a DATA frame with a costly query,
// while the connection's flow-control window allows) and RST_STREAM(CANCEL)
// at once, in a loop, on `connections` connections; answers PING and
// SETTINGS, reconnects after GOAWAY or close. `streams_per_second` 0: as
// fast as it can; `max_streams` 0: until stopped, else that many in all
// (a burst: on a hub with a thread per call, each stream's thread outlives
// the attack, and an unbounded run takes the machine's whole pid space).
std::unique_ptr<Attack> RapidReset(int port, int connections = 1,
                                   double streams_per_second = 0,
                                   int64_t max_streams = 0);

// `calls` costly Searches kept in flight on one connection (a finished one
// is sent again), without deadlines.
std::unique_ptr<Attack> SearchesInFlight(const Target& target, int calls);

// `streams` reflection streams (grpc.reflection.v1alpha) on one connection,
// each asks list_services once, reads the answer, and then stays open.
std::unique_ptr<Attack> IdleReflectionStreams(const Target& target,
                                              int streams);

// `streams` Watch streams on one connection from the start of the
// directory; with `read_to_caught_up` each reads until caught_up and then
// reads no more, else none is ever read.
std::unique_ptr<Attack> StalledWatches(const Target& target, int streams,
                                       bool read_to_caught_up);

// One TLS client with a fresh key (linked to nothing) calling Sync on the
// federation port in a loop.
std::unique_ptr<Attack> SyncLoop(const Target& target);

// `calls` concurrent RequestLink calls of `bytes` each (a body of garbage),
// from a fresh key over TLS.
std::unique_ptr<Attack> BigLinkBodies(const Target& target, int calls,
                                      size_t bytes);

// Signed link requests from `keys` fresh keys, spread over `sources`
// attacker addresses, four at a time; Start() returns when all were sent.
std::unique_ptr<Attack> LinkFlood(const Target& target, int keys, int sources);

// `clients` connections each sending the costliest Searches it can (every
// record within 20,040 km, 100 a page; one-letter prefixes) back to back.
std::unique_ptr<Attack> CostlyQueries(const Target& target, int clients);

}  // namespace civhub::attack

#endif  // CIVHUB_HARNESS_ATTACK_H_
